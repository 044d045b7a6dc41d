"""What `/api/health` and `/api/system` read: the database, the last exchange contact, the
stream, and the job runs, alerts and audit a caller may see.

The exchange check reads the `job_runs` ledger instead of calling the exchange: every scheduled
job talks to the exchange, so the finish time of the newest successful run is the last time the
exchange answered; the check costs one indexed query, works the same on Lambda (where an
outbound call would spend the function's time) and never lets an uptime probe spend the
exchange's rate limit. The market stream keeps its state in its own process and writes no row
the API could read, so its status is reported as unknown rather than guessed.
"""

from __future__ import annotations

import time

import psycopg

from algotrading.api.database import Database
from algotrading.api.deps import Principal
from algotrading.api.errors import not_found
from algotrading.api.schemas.system import AlertOut, AuditOut, Check, JobRunOut
from algotrading.db import alerts, audit, job_runs
from algotrading.domain.intervals import MINUTE_MS
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError
from algotrading.logs import redact

EXCHANGE_STALE_MS = 30 * MINUTE_MS
"""The funding poll and the equity snapshot run every 5 minutes: no successful run for 30
minutes means the jobs or the exchange have been failing for six rounds."""

LAST_MS = 253_402_300_799_999
"""9999-12-31T23:59:59.999Z: the last time a datetime holds; a later id names no run."""

STREAM_UNKNOWN = Check(
    ok=None,
    detail="the market stream keeps its state in its own process and records none the API"
    " can read; see the stream's log",
)


def database_check(database: Database) -> Check:
    try:
        with database.connection() as conn:
            conn.execute("SELECT 1")
    except AppError as exc:
        return Check(ok=False, detail=redact(str(exc)))
    return Check(ok=True, detail="reachable, schema current")


def exchange_check(database: Database, now_ms: int | None = None) -> Check:
    """The last successful job run; stale after `EXCHANGE_STALE_MS`."""
    try:
        with database.connection() as conn:
            last = job_runs.last_done_run(conn)
    except AppError:
        return Check(ok=None, detail="unknown: the database is not reachable")
    if last is None or last.finished_ms is None:
        return Check(ok=False, detail="no scheduled job has finished successfully yet")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    age_min = max(0, now - last.finished_ms) // MINUTE_MS
    fresh = now - last.finished_ms <= EXCHANGE_STALE_MS
    detail = f"last successful job run: {last.job} finished {age_min} min ago"
    return Check(ok=fresh, detail=detail, at=ms_to_iso(last.finished_ms))


def job_run(conn: psycopg.Connection, run_id: str) -> JobRunOut:
    """One run by its `job@scheduled_ms` id; 404 when there is none."""
    job, _, scheduled = run_id.partition("@")
    scheduled_ms = int(scheduled)
    found = job_runs.find_run(conn, job, scheduled_ms) if scheduled_ms <= LAST_MS else None
    if found is None:
        raise not_found(f"job run {run_id} does not exist")
    return JobRunOut.of(found)


def _owner(principal: Principal) -> int | None:
    """Whose accounts a caller sees: an admin every row (None), a user their own."""
    return None if principal.user.is_admin else principal.user.id


def alert_page(
    conn: psycopg.Connection, principal: Principal, limit: int, offset: int
) -> tuple[list[AlertOut], int]:
    found, total = alerts.page_alerts(conn, _owner(principal), limit, offset)
    return [AlertOut.of(a) for a in found], total


def audit_page(
    conn: psycopg.Connection, principal: Principal, limit: int, offset: int
) -> tuple[list[AuditOut], int]:
    found, total = audit.page_actions(conn, _owner(principal), limit, offset)
    return [AuditOut.of(a) for a in found], total
