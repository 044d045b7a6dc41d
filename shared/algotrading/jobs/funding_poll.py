"""The funding poll job and its work: record the settled funding rates of the symbols accounts hold.

What it does: for every active account, read its open positions from the exchange; for every
symbol held by at least one account, read the settled funding rates of the last day up to the
scheduled time and upsert them into `funding_rates` (`record_funding_history`, idempotent: a
repeated poll changes no row). What it does not do yet: it does not book funding payments to
trades (the executor reads an account's settlements from the exchange when a trade closes,
`execution.booking`), it does not store the predicted next rate, and it does not poll symbols
nobody holds (the scanned universe's history is the market-history job's, not built yet).
"""

from __future__ import annotations

from typing import Any, Final

import psycopg

from algotrading.db.accounts import TradingAccount
from algotrading.exchange.port import ExchangeService
from algotrading.execution import Runtime
from algotrading.jobs.config import given_connection, job_settings
from algotrading.jobs.each_account import each_account
from algotrading.jobs.funding_history import record_funding_history
from algotrading.jobs.grid import DAY_MS, check_time
from algotrading.jobs.live_publishers import publish_quietly, publisher_for
from algotrading.jobs.run_events import funding_events
from algotrading.jobs.runs import JobResult, run_job
from algotrading.jobs.runtimes import RuntimeCache, exchange_of, warm_cache
from algotrading.settings import Settings

JOB: Final = "funding_poll"
LOOKBACK_MS = DAY_MS
"""How far back each poll reads settlements: a day covers three 8-hour settlements, so a poll
that was missed for hours loses nothing."""


def funding_poll(
    time_ms: int,
    *,
    settings: Settings | None = None,
    cache: RuntimeCache | None = None,
    conn: psycopg.Connection | None = None,
) -> JobResult:
    """Record the settled funding rates of every symbol an active account holds (`funding_poll`).

    It lives here, not in `jobs.scheduled`, so its handler does not import the strategies."""
    check_time(JOB, time_ms)
    settings = settings or job_settings()
    cache = cache or warm_cache(JOB)
    with given_connection(conn, settings) as db:
        return run_job(db, JOB, time_ms, lambda: _poll(db, time_ms, settings, cache))


def _poll(
    db: psycopg.Connection, time_ms: int, settings: Settings, cache: RuntimeCache
) -> dict[str, Any]:
    """The poll, then each polled symbol's rates as an account-less live event."""
    summary = poll_funding(db, time_ms, settings, cache)
    publish_quietly(
        publisher_for(db, settings),
        lambda: funding_events(db, time_ms, summary["symbols"], time_ms - LOOKBACK_MS),
        f"funding_poll {time_ms}",
    )
    return summary


def poll_funding(
    conn: psycopg.Connection, time_ms: int, settings: Settings, cache: RuntimeCache
) -> dict[str, Any]:
    """The poll's summary: accounts read, symbols held, funding rows inserted or changed."""
    holders: dict[str, ExchangeService] = {}

    def held(account: TradingAccount, runtime: Runtime) -> dict[str, Any]:
        exchange = exchange_of(conn, account, runtime, settings)
        symbols = sorted({p.symbol for p in exchange.get_positions() if p.size})
        for symbol in symbols:
            holders.setdefault(symbol, exchange)
        return {"symbols": symbols}

    summary = each_account(conn, JOB, time_ms, settings, cache, held)
    recorded = 0
    for symbol, exchange in sorted(holders.items()):
        try:
            recorded += _record(conn, exchange, symbol, time_ms)
        except Exception as exc:  # one symbol's failure leaves the others recorded
            summary["failures"].append({"symbol": symbol, "error": f"{type(exc).__name__}: {exc}"})
    return summary | {"symbols": sorted(holders), "rates_recorded": recorded}


def _record(conn: psycopg.Connection, exchange: ExchangeService, symbol: str, time_ms: int) -> int:
    history = exchange.get_funding_rate_history(
        symbol, start_ms=time_ms - LOOKBACK_MS, end_ms=time_ms
    )
    interval = exchange.get_symbol_info(symbol).funding_interval_hours
    return record_funding_history(conn, symbol, history, interval)
