"""The fan-out worker's unit of work: one account's part of a job at its scheduled time.

It runs the account through the same code the in-process loop uses (`jobs.account_runs` for
what to run, `jobs.each_account.run_account` for the isolation, the alert and the dropped
runtime), so a close fanned out over a queue evaluates, records and alerts exactly as one run
in a loop. Idempotency is the per-account ledger's (`evaluations`): a message delivered twice,
or dispatched twice, replays the first run and places nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from algotrading.db.accounts import AccountNotFound, get_account
from algotrading.errors import AppError
from algotrading.jobs.account_message import AccountMessage
from algotrading.jobs.account_runs import AccountRun, RunEvents, close_events, close_run, summarised
from algotrading.jobs.each_account import run_account
from algotrading.jobs.grid import check_time
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.logs import get_logger
from algotrading.settings import Settings

log = get_logger(__name__)

RUNS: dict[str, Callable[[int], AccountRun]] = {"candle_close": close_run}
EVENTS: dict[str, RunEvents] = {"candle_close": close_events}
"""The live events each job's account run publishes, as in the in-process loop."""
"""Per fanned-out job, the account's run at a scheduled time: the loop's own."""


class AccountWorkFailed(AppError):
    """The account's work failed (already logged and alerted): its message is to be retried."""


def work_account(
    conn: psycopg.Connection, message: AccountMessage, settings: Settings, cache: RuntimeCache
) -> dict[str, Any]:
    """Run `message`'s account for its job and time; its summary line, or `AccountWorkFailed`.

    An account deleted or switched off since the dispatch is skipped (nothing to retry); a time
    off the job's grid is refused (`BadScheduledTime`) before anything is written.
    """
    job, time_ms = message.job, message.time_ms
    check_time(job, time_ms)
    try:
        account = get_account(conn, message.account_id)
    except AccountNotFound:
        account = None
    if account is None or not account.is_active:
        log.info("%s: account %s is gone or inactive, skipped", job, message.account_id)
        return {"account_id": message.account_id, "status": "skipped", "replayed": False}
    work = summarised(RUNS[job](time_ms), conn, settings, EVENTS.get(job))
    line, failure = run_account(conn, job, time_ms, settings, cache, account, work)
    if failure is not None:
        raise AccountWorkFailed(failure["error"])
    return line
