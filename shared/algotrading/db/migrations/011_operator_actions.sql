-- Migration: 011_operator_actions
-- The audit of operator controls (docs/RISK.md, "Operator controls"): one row per action.
--
-- Every force-pause, force-resume and flatten of a scope (the portfolio or a strategy) is stored
-- here with who did it, why, when and what it did (`detail`: the breaker transition, the orders
-- cancelled, the trades closed, what failed), also when it changed nothing. The CLI writes it
-- now; the API will write and read the same table (`db/audit.py`). A resume and a flatten always
-- name their actor and reason; a pause may go without (the CLI's pause does not require them).
-- `user_id` is the platform user behind the action when one is known (the API's login).

CREATE TABLE operator_actions (
    id                  BIGSERIAL PRIMARY KEY,
    trading_account_id  BIGINT NOT NULL REFERENCES trading_accounts (id) ON DELETE CASCADE,
    action              TEXT NOT NULL CHECK (action IN ('pause', 'resume', 'flatten')),
    scope               TEXT NOT NULL CHECK (btrim(scope) <> ''),
    actor               TEXT,
    reason              TEXT,
    user_id             BIGINT REFERENCES users (id) ON DELETE SET NULL,
    detail              JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (action = 'pause' OR (btrim(actor) <> '' AND btrim(reason) <> ''))
);

CREATE INDEX operator_actions_account_time ON operator_actions (trading_account_id, created_at DESC);
