"""A job's delivery as a whole, at most once per (job, scheduled time): the `job_runs` ledger.

    lock (job, time) -> done row? -> its stored summary, nothing done (replayed)
                     -> otherwise -> running, do the work, store done/failed + summary
                     -> unlock

A run with a failed account is stored `failed`, so the next delivery of the same time does it
again; the per-account ledger underneath (`evaluations`) replays the accounts that succeeded
and retries only the others.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.db.job_runs import finish_run, get_run, lock_run, start_run, unlock_run
from algotrading.domain.timefmt import ms_to_iso
from algotrading.logs import get_logger

log = get_logger(__name__)

DEFAULT_JOB_LOCK_TIMEOUT_S = 600.0


@dataclass(frozen=True, slots=True)
class JobResult:
    """What one delivery of a job did, or (replayed) what the first delivery did."""

    job: str
    scheduled_ms: int
    status: str
    replayed: bool
    summary: dict[str, Any]

    def metric(self, key: str) -> int:
        """A count of the summary for a business metric; 0 when replayed (counted already)."""
        return 0 if self.replayed else int(self.summary.get(key, 0))

    def as_log(self) -> dict[str, Any]:
        """The result shaped for one log line and the handler's answer."""
        return {
            "job": self.job, "scheduled_time": ms_to_iso(self.scheduled_ms),
            "status": self.status, "replayed": self.replayed, **self.summary,
        }  # fmt: skip


def run_job(
    conn: psycopg.Connection,
    job: str,
    scheduled_ms: int,
    work: Callable[[], dict[str, Any]],
    lock_timeout_s: float = DEFAULT_JOB_LOCK_TIMEOUT_S,
) -> JobResult:
    """`work()` once per (job, scheduled_ms); a summary listing `failures` is stored `failed`."""
    lock_run(conn, job, scheduled_ms, lock_timeout_s)
    try:
        found = get_run(conn, job, scheduled_ms)
        if found is not None and found.status == "done":
            return JobResult(job, scheduled_ms, "done", True, found.result or {})
        start_run(conn, job, scheduled_ms)
        try:
            summary = work()
        except Exception as exc:
            _fail(conn, job, scheduled_ms, exc)
            raise
        status = "failed" if summary.get("failures") else "done"
        finish_run(conn, job, scheduled_ms, status, summary)
        return JobResult(job, scheduled_ms, status, False, summary)
    finally:
        if not conn.closed:
            unlock_run(conn, job, scheduled_ms)


def _fail(conn: psycopg.Connection, job: str, scheduled_ms: int, exc: Exception) -> None:
    try:
        finish_run(conn, job, scheduled_ms, "failed", {"error": f"{type(exc).__name__}: {exc}"})
    except psycopg.Error:
        log.warning("could not mark %s at %s failed", job, ms_to_iso(scheduled_ms))
