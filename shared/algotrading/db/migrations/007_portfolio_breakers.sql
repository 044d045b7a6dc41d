-- Migration: 007_portfolio_breakers
-- Circuit-breaker bookkeeping that 003 lacked: the paper-PnL total at which the current shadow
-- track started (shadow equity = live equity + paper PnL since then) and whether the drawdown
-- warning of the current episode was raised. A state that cannot exist (a paused portfolio, a
-- halted strategy row) is refused. Alerts get an optional idempotency key, so an event stored
-- twice (a retried snapshot run) stays one row.

ALTER TABLE portfolio_state
    ADD COLUMN shadow_base      NUMERIC(24, 8) NOT NULL DEFAULT 0,
    ADD COLUMN drawdown_warned  BOOLEAN NOT NULL DEFAULT FALSE,
    ADD CONSTRAINT portfolio_state_scope_status_check CHECK (
        (scope = 'portfolio' AND breaker_state IN ('active', 'halted'))
        OR (scope <> 'portfolio' AND breaker_state IN ('active', 'paused'))
    );

ALTER TABLE alerts ADD COLUMN dedupe_key TEXT CHECK (dedupe_key IS NULL OR dedupe_key <> '');
CREATE UNIQUE INDEX alerts_dedupe_key ON alerts (trading_account_id, dedupe_key)
    NULLS NOT DISTINCT WHERE dedupe_key IS NOT NULL;
