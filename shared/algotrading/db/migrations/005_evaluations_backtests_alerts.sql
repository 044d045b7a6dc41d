-- Migration: 005_evaluations_backtests_alerts
-- The idempotency ledger of scheduled jobs, stored backtest runs with their trades, and alerts.

CREATE TABLE evaluations (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    job                 TEXT NOT NULL,
    close_time          TIMESTAMPTZ NOT NULL,
    status              TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    result              JSONB,
    started_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at         TIMESTAMPTZ,
    UNIQUE (trading_account_id, job, close_time)
);

CREATE TABLE backtest_runs (
    id                  TEXT PRIMARY KEY,
    user_id             BIGINT REFERENCES users (id) ON DELETE SET NULL,
    kind                TEXT NOT NULL CHECK (kind IN ('strategy', 'portfolio')),
    strategy            TEXT,
    symbols             TEXT[] NOT NULL DEFAULT '{}',
    start_time          TIMESTAMPTZ NOT NULL,
    end_time            TIMESTAMPTZ NOT NULL,
    initial_capital     NUMERIC(24, 8) NOT NULL CHECK (initial_capital > 0),
    final_equity        NUMERIC(24, 8),
    params              JSONB NOT NULL DEFAULT '{}'::jsonb,
    assumptions         JSONB NOT NULL DEFAULT '{}'::jsonb,
    metrics             JSONB NOT NULL DEFAULT '{}'::jsonb,
    status              TEXT NOT NULL DEFAULT 'done' CHECK (status IN ('running', 'done', 'failed')),
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (end_time > start_time)
);
CREATE INDEX backtest_runs_user_idx ON backtest_runs (user_id, created_at DESC);

CREATE TABLE backtest_trades (
    id              BIGSERIAL PRIMARY KEY,
    run_id          TEXT NOT NULL REFERENCES backtest_runs (id) ON DELETE CASCADE,
    strategy        TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    side            TEXT NOT NULL CHECK (side IN ('long', 'short')),
    qty             NUMERIC(30, 12) NOT NULL,
    entry_time      TIMESTAMPTZ NOT NULL,
    entry_price     NUMERIC(30, 12) NOT NULL,
    exit_time       TIMESTAMPTZ,
    exit_price      NUMERIC(30, 12),
    pnl             NUMERIC(24, 8),
    fees            NUMERIC(24, 8) NOT NULL DEFAULT 0,
    funding         NUMERIC(24, 8) NOT NULL DEFAULT 0,
    exit_reason     TEXT
);
CREATE INDEX backtest_trades_run_idx ON backtest_trades (run_id, entry_time);

CREATE TABLE alerts (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT REFERENCES trading_accounts (id) ON DELETE CASCADE,
    level               TEXT NOT NULL CHECK (level IN ('info', 'warning', 'critical')),
    kind                TEXT NOT NULL,
    message             TEXT NOT NULL,
    details             JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    delivered_at        TIMESTAMPTZ
);
CREATE INDEX alerts_account_time_idx ON alerts (trading_account_id, created_at DESC);
