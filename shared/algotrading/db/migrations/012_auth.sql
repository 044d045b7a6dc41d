-- Migration: 012_auth
-- What the dashboard API needs to sign people in (docs/api.md, "Sign-in"):
--
-- * users gain a TOTP second factor (its secret encrypted like exchange keys) and a
--   `sessions_valid_after` time: revoking a user's sessions moves it to now(), and every access
--   token issued before it is refused from then on;
-- * `auth_sessions`: one row per refresh token (only its SHA-256 is stored), rotated on every
--   refresh and revoked on logout;
-- * `login_attempts`: every sign-in attempt, so the rate limit holds across Lambda processes,
--   which keep no state between calls;
-- * `operator_actions` becomes the one audit table for every admin and control action: a row may
--   concern no trading account (a user created, a role changed), and the actions widen.

ALTER TABLE users
    ADD COLUMN totp_secret_encrypted BYTEA,
    ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN sessions_valid_after TIMESTAMPTZ NOT NULL DEFAULT 'epoch',
    ADD CONSTRAINT users_totp_has_secret CHECK (NOT totp_enabled OR totp_secret_encrypted IS NOT NULL);

CREATE TABLE auth_sessions (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_sha256    BYTEA NOT NULL UNIQUE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at      TIMESTAMPTZ NOT NULL,
    revoked_at      TIMESTAMPTZ,
    replaced_by     BIGINT REFERENCES auth_sessions (id) ON DELETE SET NULL,
    second_factor   BOOLEAN NOT NULL DEFAULT FALSE,
    client_addr     TEXT
);
CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE login_attempts (
    id              BIGSERIAL PRIMARY KEY,
    email           TEXT NOT NULL,
    client_addr     TEXT NOT NULL,
    succeeded       BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_email_idx ON login_attempts (lower(email), created_at DESC);
CREATE INDEX login_attempts_addr_idx ON login_attempts (client_addr, created_at DESC);

ALTER TABLE operator_actions ALTER COLUMN trading_account_id DROP NOT NULL;
ALTER TABLE operator_actions DROP CONSTRAINT operator_actions_action_check;
ALTER TABLE operator_actions ADD CONSTRAINT operator_actions_action_check CHECK (action IN (
    'pause', 'resume', 'flatten',
    'user_create', 'user_update', 'user_delete', 'password_reset', 'sessions_revoke',
    'account_create', 'account_update', 'account_delete', 'account_keys',
    'strategy_config', 'trade_close', 'trade_update', 'order_cancel', 'trade_create'
));
-- A resume and a flatten still name their actor and reason; every other action names its actor
-- (an API action's actor is the signed-in user's e-mail), a pause may still go without.
ALTER TABLE operator_actions DROP CONSTRAINT operator_actions_check;
ALTER TABLE operator_actions ADD CONSTRAINT operator_actions_actor_check CHECK (
    action = 'pause'
    OR (action IN ('resume', 'flatten') AND btrim(actor) <> '' AND btrim(reason) <> '')
    OR (action NOT IN ('resume', 'flatten') AND btrim(actor) <> '')
);
