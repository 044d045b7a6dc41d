-- Migration: 010_job_runs
-- The ledger of scheduled jobs as a whole (docs/jobs.md): one row per (job, scheduled time).
--
-- `evaluations` keys each account's run of a job by (account, job, scheduled time); a job such
-- as the candle close or the funding poll also runs once per scheduled time over all accounts
-- (or over no account at all). A repeated or concurrent delivery of the same schedule finds
-- this row (`done`) and returns its stored result; a `failed` or `running` row is done again,
-- and the per-account ledger underneath keeps each account's work to one effect.

CREATE TABLE job_runs (
    job             TEXT NOT NULL,
    scheduled_time  TIMESTAMPTZ NOT NULL,
    status          TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    result          JSONB,
    attempts        INTEGER NOT NULL DEFAULT 1 CHECK (attempts >= 1),
    started_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at     TIMESTAMPTZ,
    PRIMARY KEY (job, scheduled_time)
);
