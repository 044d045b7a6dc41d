-- Migration: 002_signals_trades_orders
-- Every strategy decision (accepted or rejected, with the reason), the trades it opened, their
-- orders (order_link_id unique per account: the idempotency key at the exchange) and the
-- per-position state a strategy carries between bars.

CREATE TABLE signals (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    strategy            TEXT NOT NULL,
    symbol              TEXT NOT NULL,
    bar_interval        TEXT,
    bar_close_time      TIMESTAMPTZ NOT NULL,
    action              TEXT NOT NULL CHECK (action IN ('entry_long', 'entry_short', 'exit', 'adjust', 'hold')),
    decision            TEXT NOT NULL CHECK (decision IN ('accepted', 'rejected', 'skipped')),
    reason              TEXT,
    price               NUMERIC(30, 12),
    stop_loss           NUMERIC(30, 12),
    take_profit         NUMERIC(30, 12),
    qty                 NUMERIC(30, 12),
    details             JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (decision = 'accepted' OR reason IS NOT NULL)
);
CREATE INDEX signals_account_time_idx ON signals (trading_account_id, created_at DESC);
CREATE INDEX signals_account_strategy_idx ON signals (trading_account_id, strategy, bar_close_time DESC);

CREATE TABLE trades (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    signal_id           BIGINT REFERENCES signals (id) ON DELETE SET NULL,
    strategy            TEXT NOT NULL,
    symbol              TEXT NOT NULL,
    side                TEXT NOT NULL CHECK (side IN ('long', 'short')),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'open', 'closed', 'cancelled')),
    qty                 NUMERIC(30, 12) NOT NULL CHECK (qty >= 0),
    entry_price         NUMERIC(30, 12),
    exit_price          NUMERIC(30, 12),
    stop_loss           NUMERIC(30, 12),
    take_profit         NUMERIC(30, 12),
    leverage            NUMERIC(6, 2),
    realized_pnl        NUMERIC(24, 8) NOT NULL DEFAULT 0,
    fees                NUMERIC(24, 8) NOT NULL DEFAULT 0,
    funding             NUMERIC(24, 8) NOT NULL DEFAULT 0,
    exit_reason         TEXT,
    is_shadow           BOOLEAN NOT NULL DEFAULT FALSE,
    opened_at           TIMESTAMPTZ,
    closed_at           TIMESTAMPTZ,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX trades_account_status_idx ON trades (trading_account_id, status);
CREATE INDEX trades_account_strategy_idx ON trades (trading_account_id, strategy, opened_at DESC);
CREATE INDEX trades_account_symbol_idx ON trades (trading_account_id, symbol) WHERE status IN ('pending', 'open');

CREATE TABLE orders (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    trade_id            BIGINT REFERENCES trades (id) ON DELETE SET NULL,
    strategy            TEXT,
    symbol              TEXT NOT NULL,
    order_link_id       TEXT NOT NULL,
    exchange_order_id   TEXT,
    purpose             TEXT NOT NULL CHECK (purpose IN ('entry', 'exit', 'partial_exit', 'stop_loss', 'take_profit', 'rebalance', 'external')),
    side                TEXT NOT NULL CHECK (side IN ('buy', 'sell')),
    order_type          TEXT NOT NULL CHECK (order_type IN ('market', 'limit')),
    qty                 NUMERIC(30, 12) NOT NULL CHECK (qty > 0),
    price               NUMERIC(30, 12),
    reduce_only         BOOLEAN NOT NULL DEFAULT FALSE,
    status              TEXT NOT NULL CHECK (status IN ('created', 'new', 'partially_filled', 'filled', 'cancelled', 'rejected')),
    filled_qty          NUMERIC(30, 12) NOT NULL DEFAULT 0,
    avg_fill_price      NUMERIC(30, 12),
    fee                 NUMERIC(24, 8) NOT NULL DEFAULT 0,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (trading_account_id, order_link_id)
);
CREATE INDEX orders_account_status_idx ON orders (trading_account_id, status);
CREATE INDEX orders_trade_idx ON orders (trade_id);
CREATE UNIQUE INDEX orders_exchange_id_key ON orders (trading_account_id, exchange_order_id)
    WHERE exchange_order_id IS NOT NULL;

CREATE TABLE strategy_state (
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    strategy            TEXT NOT NULL,
    symbol              TEXT NOT NULL,
    trade_id            BIGINT REFERENCES trades (id) ON DELETE SET NULL,
    trailing_stop       NUMERIC(30, 12),
    best_price          NUMERIC(30, 12),
    partial_exit_done   BOOLEAN NOT NULL DEFAULT FALSE,
    time_stop_at        TIMESTAMPTZ,
    bars_held           INTEGER NOT NULL DEFAULT 0 CHECK (bars_held >= 0),
    extra               JSONB NOT NULL DEFAULT '{}'::jsonb,
    updated_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (trading_account_id, strategy, symbol)
);
