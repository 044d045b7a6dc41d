"""The `evaluations` ledger: one row per (account, job, scheduled time), and its lock.

EventBridge delivers at least once and a Lambda may be retried, so the same scheduled run can
arrive several times, even at the same moment. A session-level advisory lock per account and job
makes the copies queue up (exchange calls happen while it is held, so it cannot be a
transaction lock); the first finds no `done` row and does the work, the others then find it and
return its stored result. A run that crashed leaves `running` (or `failed`) and is done again by
the next copy: every order it may have sent carries a deterministic order_link_id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.errors import AppError

STATUSES = ("running", "done", "failed")


class EvaluationBusy(AppError):
    """Another run of the same account and job held the lock for longer than we may wait."""


@dataclass(frozen=True, slots=True)
class Evaluation:
    job: str
    close_ms: int
    status: str
    result: dict[str, Any] | None


def lock_job(conn: psycopg.Connection, account_id: int, job: str, timeout_s: float) -> None:
    """Wait up to `timeout_s` for the account's lock of this job (held until `unlock_job`)."""
    if not conn.autocommit:
        raise ValueError("the evaluation lock needs an autocommit connection")
    conn.execute(f"SET lock_timeout = '{max(1, int(timeout_s * 1000))}ms'")
    try:
        conn.execute(
            "SELECT pg_advisory_lock(hashtextextended('evaluations:' || %s::text || ':' || %s, 0))",
            (account_id, job),
        )
    except psycopg.errors.LockNotAvailable:
        raise EvaluationBusy(
            f"account {account_id}: another {job} run held the lock for more than {timeout_s} s"
        ) from None
    finally:
        conn.execute("SET lock_timeout = 0")


def unlock_job(conn: psycopg.Connection, account_id: int, job: str) -> None:
    conn.execute(
        "SELECT pg_advisory_unlock(hashtextextended('evaluations:' || %s::text || ':' || %s, 0))",
        (account_id, job),
    )


def get_evaluation(
    conn: psycopg.Connection, account_id: int, job: str, close_ms: int
) -> Evaluation | None:
    row = conn.execute(
        "SELECT status, result FROM evaluations WHERE trading_account_id = %s AND job = %s"
        " AND close_time = %s",
        (account_id, job, ms_to_datetime(close_ms)),
    ).fetchone()
    return None if row is None else Evaluation(job, close_ms, row[0], row[1])


def start_evaluation(conn: psycopg.Connection, account_id: int, job: str, close_ms: int) -> None:
    """Mark the run as running (a new row, or a crashed/failed one taken over)."""
    conn.execute(
        "INSERT INTO evaluations (trading_account_id, job, close_time, status)"
        " VALUES (%s, %s, %s, 'running') ON CONFLICT (trading_account_id, job, close_time)"
        " DO UPDATE SET status = 'running', result = NULL, started_at = now(), finished_at = NULL",
        (account_id, job, ms_to_datetime(close_ms)),
    )


def finish_evaluation(
    conn: psycopg.Connection,
    account_id: int,
    job: str,
    close_ms: int,
    status: str,
    result: dict[str, Any],
) -> None:
    if status not in ("done", "failed"):
        raise ValueError(f"a finished evaluation is done or failed, not {status!r}")
    conn.execute(
        "UPDATE evaluations SET status = %s, result = %s, finished_at = now()"
        " WHERE trading_account_id = %s AND job = %s AND close_time = %s",
        (status, Jsonb(json_safe(result)), account_id, job, ms_to_datetime(close_ms)),
    )


def latest_done(conn: psycopg.Connection, account_id: int, job: str) -> int | None:
    """The newest scheduled time of this job that completed, if any."""
    row = conn.execute(
        "SELECT max(close_time) FROM evaluations WHERE trading_account_id = %s AND job = %s"
        " AND status = 'done'",
        (account_id, job),
    ).fetchone()
    return None if row is None or row[0] is None else datetime_to_ms(row[0])


def list_evaluations(conn: psycopg.Connection, account_id: int, job: str) -> list[Evaluation]:
    rows = conn.execute(
        "SELECT close_time, status, result FROM evaluations WHERE trading_account_id = %s"
        " AND job = %s ORDER BY close_time",
        (account_id, job),
    ).fetchall()
    return [Evaluation(job, datetime_to_ms(r[0]), r[1], r[2]) for r in rows]
