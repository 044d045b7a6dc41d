"""Run a scheduled job at most once per (account, job, scheduled time).

    lock (account, job)  ->  done row?  -> return its stored result, do nothing
                         ->  otherwise  -> mark running, do the work, store done + result
                         ->  unlock

Duplicated deliveries wait on the lock and then find the `done` row, so they return the first
run's result and place nothing. A run that crashed leaves `running`; one whose outcome was
incomplete (an order in an unknown state) or that raised is stored `failed`. Either is done
again by the next call: the work is written to be redone safely (deterministic order ids, intent
rows, signal rows upserted, positions stepped only past their last step). The lock is held by
the session, across the exchange calls, on an autocommit connection whose writes are short
transactions of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.db.evaluations import (
    finish_evaluation,
    get_evaluation,
    lock_job,
    start_evaluation,
    unlock_job,
)
from algotrading.logs import get_logger

log = get_logger(__name__)

DEFAULT_LOCK_TIMEOUT_S = 300.0


@dataclass(frozen=True, slots=True)
class LedgerOutcome:
    result: dict[str, Any]
    status: str
    replayed: bool


def run_once(
    conn: psycopg.Connection,
    account_id: int,
    job: str,
    close_ms: int,
    work: Callable[[], dict[str, Any]],
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S,
    lock: str | None = None,
) -> LedgerOutcome:
    """`work()` once per (account, job, close_ms); a result with `incomplete` true is `failed`.

    `lock` names the account's lock when it is not the job's own: jobs that trade the same
    account (the candle close and the weekly rebalance) share one, so they never interleave.
    """
    lock_name = lock or job
    lock_job(conn, account_id, lock_name, lock_timeout_s)
    try:
        found = get_evaluation(conn, account_id, job, close_ms)
        if found is not None and found.status == "done":
            return LedgerOutcome(found.result or {}, "done", replayed=True)
        with conn.transaction():
            start_evaluation(conn, account_id, job, close_ms)
        try:
            result = work()
        except Exception as exc:
            _fail(conn, account_id, job, close_ms, exc)
            raise
        status = "failed" if result.get("incomplete") else "done"
        with conn.transaction():
            finish_evaluation(conn, account_id, job, close_ms, status, result)
            stored = get_evaluation(conn, account_id, job, close_ms)
        # every caller gets the result as stored, the first run included
        kept = stored.result if stored and stored.result is not None else result
        return LedgerOutcome(kept, status, replayed=False)
    finally:
        if not conn.closed:
            unlock_job(conn, account_id, lock_name)


def _fail(
    conn: psycopg.Connection, account_id: int, job: str, close_ms: int, exc: Exception
) -> None:
    """Record the failure; if even that fails the row stays `running`, which is redone too."""
    try:
        with conn.transaction():
            error = {"error": f"{type(exc).__name__}: {exc}", "incomplete": True}
            finish_evaluation(conn, account_id, job, close_ms, "failed", error)
    except psycopg.Error:
        log.warning("account %s: could not mark %s %s failed", account_id, job, close_ms)
