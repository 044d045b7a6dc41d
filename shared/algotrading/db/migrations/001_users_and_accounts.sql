-- Migration: 001_users_and_accounts
-- Users, their trading accounts (exchange keys encrypted, risk limits) and per-account
-- strategy overrides. Money is NUMERIC; times are TIMESTAMPTZ (UTC).

CREATE TABLE users (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    display_name    TEXT,
    password_hash   TEXT NOT NULL,
    role            TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('admin', 'user')),
    is_active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE trading_accounts (
    id                      BIGSERIAL PRIMARY KEY,
    user_id                 BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name                    TEXT NOT NULL,
    exchange                TEXT NOT NULL DEFAULT 'bybit',
    mode                    TEXT NOT NULL CHECK (mode IN ('test', 'live', 'paper')),
    base_url                TEXT NOT NULL,
    api_key_encrypted       BYTEA,
    api_secret_encrypted    BYTEA,
    starting_capital        NUMERIC(24, 8) CHECK (starting_capital IS NULL OR starting_capital > 0),
    max_loss_per_trade      NUMERIC(24, 8) CHECK (max_loss_per_trade IS NULL OR max_loss_per_trade > 0),
    max_risk_per_trade_pct  NUMERIC(8, 4) NOT NULL DEFAULT 2
                            CHECK (max_risk_per_trade_pct > 0 AND max_risk_per_trade_pct <= 100),
    max_portfolio_risk_pct  NUMERIC(8, 4) NOT NULL DEFAULT 10
                            CHECK (max_portfolio_risk_pct > 0 AND max_portfolio_risk_pct <= 100),
    max_leverage            NUMERIC(6, 2) NOT NULL DEFAULT 3 CHECK (max_leverage >= 1),
    is_active               BOOLEAN NOT NULL DEFAULT TRUE,
    created_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at              TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (user_id, name)
);
CREATE INDEX trading_accounts_user_idx ON trading_accounts (user_id);
CREATE INDEX trading_accounts_active_idx ON trading_accounts (is_active) WHERE is_active;

CREATE TABLE account_strategy_configs (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    strategy            TEXT NOT NULL,
    enabled             BOOLEAN NOT NULL DEFAULT TRUE,
    allocation_pct      NUMERIC(7, 4) CHECK (allocation_pct IS NULL OR (allocation_pct >= 0 AND allocation_pct <= 100)),
    params              JSONB NOT NULL DEFAULT '{}'::jsonb,
    symbols             TEXT[],
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (trading_account_id, strategy)
);
