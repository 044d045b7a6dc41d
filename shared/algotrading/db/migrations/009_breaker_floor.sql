-- Migration: 009_breaker_floor
-- Breakers that cannot be walked down (docs/RISK.md, "Circuit breakers").
--
-- portfolio_state keeps, beside the breaker's reference (`peak_equity`, re-based on a resume):
--   real_peak       the all-time high of the live equity, adjusted for recognised flows; never
--                   re-based. Rows stored before this migration had only the re-based peak, so
--                   it is recovered from the snapshots: the highest equity (or breaker
--                   reference) ever recorded for that account and scope.
--   floor_peak      where the hard floor is measured from: the real peak until an operator
--                   resumes a scope halted at its floor (then the equity at that resume).
--   floored         halted at the hard floor: only an operator's force-resume lifts it.
--   resumed_by, resumed_reason, resumed_at: the last operator resume (who, why, when).
--   last_flow_at    the time of the last external flow applied to the peaks.
--
-- portfolio_snapshots carries the truth and the breaker's view side by side: the old
-- `peak_equity` and `drawdown_pct` were the breaker's (the paper drawdown while suspended, the
-- re-based peak after a resume) and are renamed so, and the real peak and drawdown are added,
-- back-filled from each scope's running maximum.

ALTER TABLE portfolio_state
    ADD COLUMN real_peak       NUMERIC(24, 8) NOT NULL DEFAULT 0,
    ADD COLUMN floor_peak      NUMERIC(24, 8) NOT NULL DEFAULT 0,
    ADD COLUMN floored         BOOLEAN NOT NULL DEFAULT FALSE,
    ADD COLUMN resumed_by      TEXT,
    ADD COLUMN resumed_reason  TEXT,
    ADD COLUMN resumed_at      TIMESTAMPTZ,
    ADD COLUMN last_flow_at    TIMESTAMPTZ,
    ADD CONSTRAINT portfolio_state_floored_check CHECK (NOT floored OR breaker_state <> 'active');

UPDATE portfolio_state s
SET real_peak = GREATEST(
        s.peak_equity,
        COALESCE((SELECT max(GREATEST(p.equity, p.peak_equity)) FROM portfolio_snapshots p
                  WHERE p.trading_account_id = s.trading_account_id AND p.scope = s.scope), 0));
UPDATE portfolio_state SET floor_peak = real_peak;

ALTER TABLE portfolio_snapshots RENAME COLUMN peak_equity TO breaker_reference;
ALTER TABLE portfolio_snapshots RENAME COLUMN drawdown_pct TO breaker_drawdown_pct;
ALTER TABLE portfolio_snapshots
    ADD COLUMN real_peak          NUMERIC(24, 8),
    ADD COLUMN real_drawdown_pct  NUMERIC(10, 6) CHECK (real_drawdown_pct >= 0);

UPDATE portfolio_snapshots p
SET real_peak = w.peak,
    real_drawdown_pct = CASE
        WHEN w.peak > 0 AND p.equity < w.peak
            THEN LEAST(round((w.peak - p.equity) / w.peak * 100, 6), 9999.999999)
        ELSE 0 END
FROM (SELECT id, max(GREATEST(equity, breaker_reference)) OVER (
          PARTITION BY trading_account_id, scope ORDER BY snapshot_time) AS peak
      FROM portfolio_snapshots) w
WHERE w.id = p.id;

ALTER TABLE portfolio_snapshots
    ALTER COLUMN real_peak SET NOT NULL,
    ALTER COLUMN real_drawdown_pct SET NOT NULL;
