-- Migration: 008_execution
-- What the executor needs on top of 002: each order remembers the bar close that caused it (so
-- reconciliation can tell an intent of the current evaluation, which a retry will send again
-- under the same order_link_id, from a stale one that never reached the exchange) and why it
-- was sent or refused. A strategy's decision on a symbol at a bar close is one signals row per
-- action, so a redone evaluation updates its rows instead of adding duplicates.

ALTER TABLE orders
    ADD COLUMN bar_close_time  TIMESTAMPTZ,
    ADD COLUMN reason          TEXT;

CREATE INDEX orders_account_open_idx ON orders (trading_account_id)
    WHERE status IN ('created', 'new', 'partially_filled');

CREATE UNIQUE INDEX signals_decision_key
    ON signals (trading_account_id, strategy, symbol, bar_close_time, action);
