-- Migration: 004_funding
-- Market funding rates (not account scoped) and the funding each account paid or received.

CREATE TABLE funding_rates (
    symbol          TEXT NOT NULL,
    funding_time    TIMESTAMPTZ NOT NULL,
    rate            NUMERIC(18, 10) NOT NULL,
    interval_hours  SMALLINT CHECK (interval_hours IN (1, 2, 4, 8)),
    recorded_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (symbol, funding_time)
);

CREATE TABLE funding_payments (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    trade_id            BIGINT REFERENCES trades (id) ON DELETE SET NULL,
    strategy            TEXT,
    symbol              TEXT NOT NULL,
    funding_time        TIMESTAMPTZ NOT NULL,
    rate                NUMERIC(18, 10) NOT NULL,
    position_value      NUMERIC(24, 8) NOT NULL,
    amount              NUMERIC(24, 8) NOT NULL,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (trading_account_id, symbol, funding_time)
);
CREATE INDEX funding_payments_account_time_idx ON funding_payments (trading_account_id, funding_time DESC);
