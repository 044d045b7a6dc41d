-- Migration: 014_funding_once
-- Funding booked once per (trade, settlement), and where each trade's booking stands.
--
-- The funding poll (every 5 minutes), the evaluation at a settlement time and the close of a
-- trade all book settlements through one function (`jobs`/`execution` funding booking); a
-- repeated or concurrent run must insert nothing twice. `funding_payments` is already unique
-- per (account, symbol, settlement), the exchange's own key (one-way mode: one position per
-- symbol); this adds the key per (trade, settlement) the trade's total is summed over.
-- `funding_watermarks` holds, per trade, the settlement time up to which every payment is
-- booked: a poll whose lookup failed leaves it where it was, so the next poll books from there.

CREATE UNIQUE INDEX funding_payments_trade_time_idx ON funding_payments (trade_id, funding_time);

CREATE TABLE funding_watermarks (
    trade_id            BIGINT PRIMARY KEY REFERENCES trades (id) ON DELETE CASCADE,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    booked_through      TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
