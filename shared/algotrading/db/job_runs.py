"""The `job_runs` ledger: one row per (job, scheduled time), and its lock.

The per-account ledger (`db.evaluations`) keeps each account's work to one effect; this table
does the same for a job's delivery as a whole, so a schedule delivered twice (EventBridge
delivers at least once) or at the same moment returns the first run's summary. The lock is a
session-level advisory lock, held across the job's exchange calls, on an autocommit
connection: the copies queue up and the later ones find the `done` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.errors import AppError

_KEY = "hashtextextended('job_runs:' || %s || ':' || %s::text, 0)"


class JobBusy(AppError):
    """Another delivery of the same job and time held the lock longer than we may wait."""


@dataclass(frozen=True, slots=True)
class JobRun:
    job: str
    scheduled_ms: int
    status: str
    result: dict[str, Any] | None
    attempts: int
    started_ms: int | None = None
    finished_ms: int | None = None


def lock_run(conn: psycopg.Connection, job: str, scheduled_ms: int, timeout_s: float) -> None:
    """Wait up to `timeout_s` for the lock of this (job, time), held until `unlock_run`."""
    if not conn.autocommit:
        raise ValueError("the job lock needs an autocommit connection")
    conn.execute(f"SET lock_timeout = '{max(1, int(timeout_s * 1000))}ms'")
    try:
        conn.execute(f"SELECT pg_advisory_lock({_KEY})", (job, scheduled_ms))
    except psycopg.errors.LockNotAvailable:
        raise JobBusy(
            f"another {job} run at {scheduled_ms} held the lock for more than {timeout_s} s"
        ) from None
    finally:
        conn.execute("SET lock_timeout = 0")


def unlock_run(conn: psycopg.Connection, job: str, scheduled_ms: int) -> None:
    conn.execute(f"SELECT pg_advisory_unlock({_KEY})", (job, scheduled_ms))


def get_run(conn: psycopg.Connection, job: str, scheduled_ms: int) -> JobRun | None:
    row = conn.execute(
        "SELECT status, result, attempts FROM job_runs WHERE job = %s AND scheduled_time = %s",
        (job, ms_to_datetime(scheduled_ms)),
    ).fetchone()
    return None if row is None else JobRun(job, scheduled_ms, row[0], row[1], row[2])


def start_run(conn: psycopg.Connection, job: str, scheduled_ms: int) -> None:
    """Mark the run as running: a new row, or a failed/crashed one taken over (one more attempt)."""
    conn.execute(
        "INSERT INTO job_runs (job, scheduled_time, status) VALUES (%s, %s, 'running')"
        " ON CONFLICT (job, scheduled_time) DO UPDATE SET status = 'running', result = NULL,"
        " attempts = job_runs.attempts + 1, started_at = now(), finished_at = NULL",
        (job, ms_to_datetime(scheduled_ms)),
    )


def finish_run(
    conn: psycopg.Connection, job: str, scheduled_ms: int, status: str, result: dict[str, Any]
) -> None:
    if status not in ("done", "failed"):
        raise ValueError(f"a finished job run is done or failed, not {status!r}")
    conn.execute(
        "UPDATE job_runs SET status = %s, result = %s, finished_at = now()"
        " WHERE job = %s AND scheduled_time = %s",
        (status, Jsonb(json_safe(result)), job, ms_to_datetime(scheduled_ms)),
    )


def list_runs(conn: psycopg.Connection, job: str) -> list[JobRun]:
    rows = conn.execute(
        "SELECT scheduled_time, status, result, attempts FROM job_runs WHERE job = %s"
        " ORDER BY scheduled_time",
        (job,),
    ).fetchall()
    return [JobRun(job, datetime_to_ms(r[0]), r[1], r[2], r[3]) for r in rows]


def forget_runs(conn: psycopg.Connection, start_ms: int, end_ms: int) -> int:
    """Delete the runs scheduled in [start_ms, end_ms]; how many. A replay of past times on a
    fresh simulator wallet runs them again (an earlier replay's summaries describe another
    wallet); never used on live times."""
    cursor = conn.execute(
        "DELETE FROM job_runs WHERE scheduled_time >= %s AND scheduled_time <= %s",
        (ms_to_datetime(start_ms), ms_to_datetime(end_ms)),
    )
    return cursor.rowcount


_LISTED = (
    "SELECT job, scheduled_time, status, result, attempts, started_at, finished_at FROM job_runs"
)


def _listed(r: tuple[Any, ...]) -> JobRun:
    job, scheduled, status, result, attempts, started, finished = r
    finished_ms = None if finished is None else datetime_to_ms(finished)
    return JobRun(
        job, datetime_to_ms(scheduled), status, result, attempts, datetime_to_ms(started),
        finished_ms,
    )  # fmt: skip


def page_runs(
    conn: psycopg.Connection, job: str | None, limit: int, offset: int
) -> tuple[list[JobRun], int]:
    """One page of runs (of one job, or of all when None), newest scheduled time first, and
    the total count: what an operator scans for the last results."""
    where = " WHERE (%s::text IS NULL OR job = %s::text)"
    rows = conn.execute(
        _LISTED + where + " ORDER BY scheduled_time DESC, job LIMIT %s OFFSET %s",
        (job, job, limit, offset),
    ).fetchall()
    total = conn.execute("SELECT count(*) FROM job_runs" + where, (job, job)).fetchone()
    return [_listed(r) for r in rows], int(total[0]) if total else 0


def find_run(conn: psycopg.Connection, job: str, scheduled_ms: int) -> JobRun | None:
    """One run with its times, or None."""
    row = conn.execute(
        _LISTED + " WHERE job = %s AND scheduled_time = %s", (job, ms_to_datetime(scheduled_ms))
    ).fetchone()
    return None if row is None else _listed(row)


def last_done_run(conn: psycopg.Connection) -> JobRun | None:
    """The most recently finished successful run of any job: the jobs reach the exchange, so
    its finish time is the last time the exchange answered them."""
    row = conn.execute(
        _LISTED + " WHERE status = 'done' AND finished_at IS NOT NULL"
        " ORDER BY finished_at DESC LIMIT 1"
    ).fetchone()
    return None if row is None else _listed(row)
