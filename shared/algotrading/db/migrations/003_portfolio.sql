-- Migration: 003_portfolio
-- Portfolio and sleeve state (peak equity, circuit-breaker state, manual overrides), equity
-- snapshots (scope 'portfolio' or a strategy id) and computed performance metrics.

CREATE TABLE portfolio_state (
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    scope               TEXT NOT NULL,
    peak_equity         NUMERIC(24, 8) NOT NULL DEFAULT 0,
    shadow_equity       NUMERIC(24, 8),
    breaker_state       TEXT NOT NULL DEFAULT 'active' CHECK (breaker_state IN ('active', 'paused', 'halted')),
    manual_override     TEXT CHECK (manual_override IN ('force_resume', 'force_pause')),
    override_by         BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reason              TEXT,
    changed_at          TIMESTAMPTZ,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (trading_account_id, scope)
);

CREATE TABLE portfolio_snapshots (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    snapshot_time       TIMESTAMPTZ NOT NULL,
    scope               TEXT NOT NULL,
    equity              NUMERIC(24, 8) NOT NULL,
    shadow_equity       NUMERIC(24, 8),
    peak_equity         NUMERIC(24, 8) NOT NULL,
    drawdown_pct        NUMERIC(10, 6) NOT NULL CHECK (drawdown_pct >= 0),
    realized_pnl        NUMERIC(24, 8) NOT NULL DEFAULT 0,
    unrealized_pnl      NUMERIC(24, 8) NOT NULL DEFAULT 0,
    funding_pnl         NUMERIC(24, 8) NOT NULL DEFAULT 0,
    open_positions      INTEGER NOT NULL DEFAULT 0,
    breaker_state       TEXT NOT NULL DEFAULT 'active',
    UNIQUE (trading_account_id, scope, snapshot_time)
);
CREATE INDEX portfolio_snapshots_account_time_idx ON portfolio_snapshots (trading_account_id, snapshot_time DESC);

CREATE TABLE strategy_performance (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    scope               TEXT NOT NULL,
    period              TEXT NOT NULL CHECK (period IN ('daily', 'weekly', 'monthly', 'all')),
    as_of               TIMESTAMPTZ NOT NULL,
    period_return       NUMERIC(16, 8),
    sharpe              NUMERIC(16, 6),
    sortino             NUMERIC(16, 6),
    calmar              NUMERIC(16, 6),
    max_drawdown        NUMERIC(10, 6),
    win_rate            NUMERIC(8, 6),
    profit_factor       NUMERIC(16, 6),
    trade_count         INTEGER NOT NULL DEFAULT 0,
    computed_at         TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (trading_account_id, scope, period, as_of)
);
CREATE INDEX strategy_performance_account_idx ON strategy_performance (trading_account_id, scope, as_of DESC);
