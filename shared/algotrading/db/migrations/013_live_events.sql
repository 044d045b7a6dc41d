-- Migration: 013_live_events
-- Live events for the dashboard (docs/api.md, "Live events"): the jobs insert a row and
-- NOTIFY `live_events` in the same transaction; API processes LISTEN and push the row to the
-- WebSocket clients of its account. `dedupe_key` makes a repeated job delivery publish once.
-- `ws_connections` holds the API Gateway WebSocket connections on AWS (one row per connection,
-- with the user and account it authenticated for), which the AWS publisher posts to.

CREATE TABLE live_events (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT REFERENCES trading_accounts (id) ON DELETE CASCADE,
    type                TEXT NOT NULL CHECK (type IN (
        'portfolio:equity_update', 'portfolio:drawdown_alert', 'portfolio:circuit_breaker',
        'strategy:signal', 'strategy:state_change', 'strategy:position_opened',
        'strategy:position_closed', 'funding:rate_update', 'funding:settlement', 'ranking:update'
    )),
    time_ms             BIGINT NOT NULL,
    data                JSONB NOT NULL DEFAULT '{}'::jsonb,
    dedupe_key          TEXT UNIQUE,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX live_events_account_idx ON live_events (trading_account_id, id);

CREATE TABLE ws_connections (
    connection_id       TEXT PRIMARY KEY,
    user_id             BIGINT REFERENCES users (id) ON DELETE CASCADE,
    trading_account_id  BIGINT REFERENCES trading_accounts (id) ON DELETE CASCADE,
    connected_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    authenticated_at    TIMESTAMPTZ
);
CREATE INDEX ws_connections_account_idx ON ws_connections (trading_account_id)
    WHERE trading_account_id IS NOT NULL;
