"""One account's work in a scheduled job: what the in-process loop and the fan-out worker run.

The candle close is evaluated per account by `close_run(close_ms)`, whether the close runs
every account in one loop (`jobs.each_account`) or one message per account on a queue
(`jobs.account_worker`): both go through this module, so the two paths cannot drift apart in
which strategies they evaluate, which ledger rows they write or how a failed run is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from algotrading.db.accounts import TradingAccount
from algotrading.domain.live_events import LiveEvent
from algotrading.errors import AppError
from algotrading.execution import RunResult, Runtime, evaluate
from algotrading.jobs.each_account import AccountWork
from algotrading.jobs.live_publishers import publish_quietly, publisher_for
from algotrading.jobs.run_events import evaluation_events
from algotrading.settings import Settings
from algotrading.strategies.profile import Cadence
from algotrading.strategies.registry import profile_of

AccountRun = Callable[[psycopg.Connection, Settings, TradingAccount, Runtime], RunResult]
"""One account's run of a job at a fixed time, on the job's connection and settings."""
RunEvents = Callable[[psycopg.Connection, RunResult], list[LiveEvent]]
"""The live events of one account's run, from what the run returned and stored."""


class AccountRunFailed(AppError):
    """The account's run ended `failed` (an outcome unknown at the exchange): retried later."""


def is_weekly(strategy_id: str) -> bool:
    return profile_of(strategy_id).cadence is Cadence.WEEKLY


def is_per_bar(strategy_id: str) -> bool:
    return not is_weekly(strategy_id)


def close_run(close_ms: int) -> AccountRun:
    """The candle close's work for one account: its per-bar strategies at `close_ms`."""

    def one(db: psycopg.Connection, s: Settings, account: TradingAccount, rt: Runtime) -> RunResult:
        return evaluate(account.id, close_ms, settings=s, conn=db, runtime=rt, keep=is_per_bar)

    return one


def close_events(db: psycopg.Connection, result: RunResult) -> list[LiveEvent]:
    """The candle close's live events: signals, positions opened and closed."""
    return evaluation_events(result)


def rebalance_events(db: psycopg.Connection, result: RunResult) -> list[LiveEvent]:
    """The weekly rebalance's: the same, and the ranking it rebalanced to."""
    return evaluation_events(result, weekly=True)


def summarised(
    one: AccountRun, db: psycopg.Connection, settings: Settings, events: RunEvents | None = None
) -> AccountWork:
    """`one` as the per-account work of `each_account`: its summary line, a failed run raised
    (nothing published), then its live events published (a failure to publish only logged)."""
    publisher = publisher_for(db, settings) if events is not None else None

    def work(account: TradingAccount, rt: Runtime) -> dict[str, Any]:
        result = one(db, settings, account, rt)
        summary = account_summary(result)
        if events is not None and publisher is not None:
            what = f"{result.job} account {account.id}"
            publish_quietly(publisher, lambda: events(db, result), what)
        return summary

    return work


def account_summary(result: RunResult) -> dict[str, Any]:
    """One account's line of the job summary; a `failed` run is raised to be recorded."""
    report = result.report
    if result.status == "failed":
        raise AccountRunFailed(f"{result.job} ended failed: {report.get('errors') or report}")
    return {
        "status": result.status, "replayed": result.replayed,
        "strategies": report.get("strategies", []),
        "orders": len(report.get("orders", [])), "signals": len(report.get("signals", [])),
    }  # fmt: skip
