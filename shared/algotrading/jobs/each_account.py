"""One job's work over every active account, each account isolated from the others.

An account whose work raises (keys that cannot be decrypted, an exchange outage, a lock held
too long) is listed in the summary's `failures`, alerted once per (job, scheduled time) through
the `alerts` table and the notifier, and its warm runtime is dropped; the other accounts run
as if nothing happened. Interrupts (`BaseException` that is not an `Exception`) still stop the
process: only the work of an account is isolated, not the process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from algotrading.db.accounts import TradingAccount, list_active_accounts
from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.domain.timefmt import ms_to_iso
from algotrading.execution import Runtime
from algotrading.jobs.alerting import raise_alert
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.logs import get_logger
from algotrading.settings import Settings

log = get_logger(__name__)

AccountWork = Callable[[TradingAccount, Runtime], dict[str, Any]]


def each_account(
    conn: psycopg.Connection,
    job: str,
    time_ms: int,
    settings: Settings,
    cache: RuntimeCache,
    work: AccountWork,
    keep: Callable[[TradingAccount], bool] | None = None,
) -> dict[str, Any]:
    """`work(account, runtime)` for every active account (that `keep` accepts), oldest first.

    Returns `{"accounts": [one line per account that ran], "failures": [...], "evaluated": n}`.
    """
    done: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    for account in list_active_accounts(conn):
        if keep is not None and not keep(account):
            continue
        line, failure = run_account(conn, job, time_ms, settings, cache, account, work)
        if failure is None:
            done.append(line)
        else:
            failures.append(failure)
    return {"accounts": done, "failures": failures, "evaluated": len(done)}


def run_account(
    conn: psycopg.Connection,
    job: str,
    time_ms: int,
    settings: Settings,
    cache: RuntimeCache,
    account: TradingAccount,
    work: AccountWork,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """One account's `work`, isolated: `(its summary line, None)`, or `({}, the failure)` after
    the failure was logged, alerted and the account's warm runtime dropped. The loop above and
    the fan-out worker (`jobs.account_worker`) both run an account through here."""
    try:
        return {"account_id": account.id} | work(account, cache.get(account)), None
    except Exception as exc:  # isolated: recorded, alerted, the next account runs
        cache.drop(account.id)
        error = f"{type(exc).__name__}: {exc}"
        log.error("%s at %s: account %s failed: %s", job, ms_to_iso(time_ms), account.id, error)
        alert_failure(conn, settings, job, time_ms, account.id, error)
        return {}, {"account_id": account.id, "error": error}


def alert_failure(
    conn: psycopg.Connection,
    settings: Settings,
    job: str,
    time_ms: int,
    account_id: int,
    error: str,
) -> None:
    """Store the alert (once per job, time and account), then send it; never raises."""
    event = AlertEvent(
        kind=AlertKind.JOB_FAILED, level=AlertLevel.CRITICAL, account_id=account_id,
        message=f"{job} at {ms_to_iso(time_ms)} failed for account {account_id}: {error}",
        details={"job": job, "scheduled_time": ms_to_iso(time_ms), "error": error},
        time_ms=time_ms, dedupe_key=f"{AlertKind.JOB_FAILED}:{job}:{time_ms}",
    )  # fmt: skip
    raise_alert(conn, settings, event)
