"""The scheduled jobs: one function per schedule, called by the handlers, the CLI and the
local scheduler (`algo up`) alike. Each takes the scheduled time in UTC ms, never the wall clock,
refuses a time off its grid before writing anything, and runs at most once per scheduled
time (`jobs.runs`), each account's work at most once too (`execution.ledger`).

Strategies have two owners: `candle_close` evaluates every strategy whose cadence is per bar
(the executor's schedule decides which timeframes closed), `weekly_rebalance` evaluates the
weekly ones (cadence read from the strategy registry's profiles) at Monday 00:00 UTC, or late
within the catch-up window. Both hold the account's one trading lock, so they never interleave.

After each account's run, its live events (`jobs.run_events`) are published through the
settings' publisher (`jobs.live_publishers`), by the loop and the fan-out worker alike
(`jobs.account_runs.summarised`); a failure to publish is logged, never raised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg

from algotrading.db.accounts import TradingAccount
from algotrading.execution import RunResult, Runtime, evaluate, snapshot
from algotrading.jobs.account_runs import (
    AccountRun,
    RunEvents,
    close_events,
    close_run,
    is_weekly,
    rebalance_events,
    summarised,
)
from algotrading.jobs.config import given_connection, job_settings
from algotrading.jobs.events import JobName
from algotrading.jobs.fanout import AccountFanOut, InProcessFanOut, fanout_from_settings
from algotrading.jobs.funding_poll import funding_poll
from algotrading.jobs.grid import DEFAULT_CATCH_UP_MS, check_time, rebalance_due
from algotrading.jobs.run_events import snapshot_events
from algotrading.jobs.runs import JobResult, run_job
from algotrading.jobs.runtimes import RuntimeCache, warm_cache
from algotrading.settings import Settings
from algotrading.strategies.registry import sleeve_ids

EVALUATE_JOB = "evaluate"
"""The per-account ledger name of the candle close: the same rows `algo run evaluate` writes."""
REBALANCE_JOB = "weekly_rebalance"


def candle_close(
    close_ms: int,
    *,
    settings: Settings | None = None,
    cache: RuntimeCache | None = None,
    conn: psycopg.Connection | None = None,
) -> JobResult:
    """Evaluate every active account's per-bar strategies at the 15-minute close `close_ms`:
    in this process, or (with `ALGO_ACCOUNT_QUEUE_URL`) by dispatching one message per account
    to the queue the `account_worker` function consumes."""
    check_time("candle_close", close_ms)
    settings = settings or job_settings()
    fanout = fanout_from_settings(settings)
    return _trading_job(
        "candle_close", close_ms, close_run(close_ms), close_events, settings, cache, conn, fanout
    )


def weekly_rebalance(
    time_ms: int,
    *,
    window_ms: int = DEFAULT_CATCH_UP_MS,
    settings: Settings | None = None,
    cache: RuntimeCache | None = None,
    conn: psycopg.Connection | None = None,
) -> JobResult:
    """Rebalance the weekly strategies of every active account for the last Monday 00:00 UTC,
    if it is less than `window_ms` before `time_ms`; once per account and Monday."""
    check_time("weekly_rebalance", time_ms)
    monday = rebalance_due(time_ms, window_ms)
    weekly = [s for s in sleeve_ids() if is_weekly(s)]
    if monday is None or not weekly:
        reason = "no weekly strategy" if not weekly else "outside the catch-up window"
        return _quiet_job("weekly_rebalance", time_ms, {"rebalance": None, "reason": reason},
                          settings, conn)  # fmt: skip

    def one(db: psycopg.Connection, s: Settings, account: TradingAccount, rt: Runtime) -> RunResult:
        return evaluate(
            account.id, monday, settings=s, conn=db, runtime=rt, job=REBALANCE_JOB, keep=is_weekly
        )

    return _trading_job(
        "weekly_rebalance", time_ms, one, rebalance_events, settings, cache, conn,
        InProcessFanOut(), monday,
    )  # fmt: skip


def equity_snapshot(
    time_ms: int,
    *,
    settings: Settings | None = None,
    cache: RuntimeCache | None = None,
    conn: psycopg.Connection | None = None,
) -> JobResult:
    """Equity snapshot, breakers and performance of every active account at `time_ms`."""
    check_time("equity_snapshot", time_ms)

    def one(db: psycopg.Connection, s: Settings, account: TradingAccount, rt: Runtime) -> RunResult:
        return snapshot(account.id, time_ms, settings=s, conn=db, runtime=rt)

    return _trading_job(
        "equity_snapshot", time_ms, one, snapshot_events, settings, cache, conn, InProcessFanOut()
    )


def _trading_job(
    job: str,
    time_ms: int,
    one: AccountRun,
    events: RunEvents,
    settings: Settings | None,
    cache: RuntimeCache | None,
    conn: psycopg.Connection | None,
    fanout: AccountFanOut,
    run_ms: int | None = None,
) -> JobResult:
    settings = settings or job_settings()
    cache = cache or warm_cache(job)
    with given_connection(conn, settings) as db:

        def everything() -> dict[str, Any]:
            work = summarised(one, db, settings, events)
            summary = fanout.run(db, job, time_ms, settings, cache, work)
            extra = {} if run_ms is None else {"rebalance_ms": run_ms}
            fresh = {
                "orders_placed": _fresh(summary, "orders"),
                "signals": _fresh(summary, "signals"),
            }
            return summary | extra | fresh

        return run_job(db, job, time_ms, everything)


def _fresh(summary: dict[str, Any], key: str) -> int:
    """A count over the accounts this delivery ran (an account replayed was counted before)."""
    return sum(a.get(key, 0) for a in summary["accounts"] if not a.get("replayed"))


def _quiet_job(
    job: str,
    time_ms: int,
    summary: dict[str, Any],
    settings: Settings | None,
    conn: psycopg.Connection | None,
) -> JobResult:
    settings = settings or job_settings()
    with given_connection(conn, settings) as db:
        return run_job(db, job, time_ms, lambda: summary | {"accounts": [], "failures": []})


def run_named(
    job: JobName,
    time_ms: int,
    *,
    settings: Settings | None = None,
    cache: RuntimeCache | None = None,
) -> JobResult:
    """The job called `job` at `time_ms`: what `algo jobs run` and the local scheduler call.
    `cache` replaces the job's warm runtimes (the local stack's, opened on its simulator)."""
    jobs: dict[JobName, Callable[..., JobResult]] = {
        "candle_close": candle_close, "equity_snapshot": equity_snapshot,
        "weekly_rebalance": weekly_rebalance, "funding_poll": funding_poll,
        "live_parity": _live_parity, "market_history": _market_history,
    }  # fmt: skip
    return jobs[job](time_ms, settings=settings, cache=cache)


def _live_parity(time_ms: int, **kw: Any) -> JobResult:
    """The parity job, imported when it runs: it loads the backtest, which the trading
    handlers (importing this module) must not pay for at a cold start."""
    from algotrading.jobs.live_parity import live_parity

    return live_parity(time_ms, **kw)


def _market_history(
    time_ms: int, *, settings: Settings | None, cache: RuntimeCache | None
) -> JobResult:
    """The history job on the cache's market exchange (the local stack's simulator) or, without
    one, on BYBIT_BASE_URL; imported when it runs, as the parity job is."""
    from algotrading.jobs.market_history import market_history

    exchange = None if cache is None else cache.market_exchange()
    return market_history(time_ms, settings=settings, exchange=exchange)
