"""The funding poll job and its work: record the settled funding rates of the symbols accounts
hold, and book every settlement's payment to the open trades, once.

For every active account: read its open positions from the exchange; for every symbol held,
read the settled funding rates of the last day up to the scheduled time and upsert them into
`funding_rates` (`record_funding_history`, idempotent: a repeated poll changes no row); then
book each open live trade's settlements up to the scheduled time
(`execution.funding_book.book_trade_funding`: from the exchange's transaction log, once per
trade and settlement, from the trade's watermark on, so a lookup that failed is retried by the
next poll). A trade whose lookup failed is listed in `failures` (the run is stored `failed`);
the others are booked all the same. What it does not do yet: store the predicted next rate, or
poll symbols nobody holds (the market-history job keeps every kept symbol's settlements).
"""

from __future__ import annotations

from typing import Any, Final

import psycopg

from algotrading.db import trades as trades_db
from algotrading.db.accounts import TradingAccount
from algotrading.domain.trades import TradeStatus
from algotrading.exchange.errors import ExchangeError
from algotrading.exchange.port import ExchangeService
from algotrading.execution import Runtime
from algotrading.execution.funding_book import book_trade_funding
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
    """Record the settled funding rates of every symbol an active account holds and book the
    open trades' settlements (`funding_poll`).

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
    """The poll's summary: accounts read, symbols held, funding rows recorded, payments booked."""
    recorded: dict[str, int] = {}
    failures: list[dict[str, Any]] = []

    def held(account: TradingAccount, runtime: Runtime) -> dict[str, Any]:
        exchange = exchange_of(conn, account, runtime, settings)
        symbols = sorted({p.symbol for p in exchange.get_positions() if p.size})
        for symbol in symbols:
            if symbol not in recorded:
                recorded[symbol] = _record_safely(conn, exchange, symbol, time_ms, failures)
        booked = book_account_funding(conn, exchange, account.id, time_ms, failures)
        return {"symbols": symbols, "funding": booked}

    summary = each_account(conn, JOB, time_ms, settings, cache, held)
    summary["failures"] += failures
    return summary | {"symbols": sorted(recorded), "rates_recorded": sum(recorded.values())}


def _record_safely(
    conn: psycopg.Connection,
    exchange: ExchangeService,
    symbol: str,
    time_ms: int,
    failures: list[dict[str, Any]],
) -> int:
    """One symbol's rates; its failure is listed and leaves the other symbols recorded."""
    try:
        return _record(conn, exchange, symbol, time_ms)
    except Exception as exc:
        failures.append({"symbol": symbol, "error": f"{type(exc).__name__}: {exc}"})
        return 0


def _record(conn: psycopg.Connection, exchange: ExchangeService, symbol: str, time_ms: int) -> int:
    history = exchange.get_funding_rate_history(
        symbol, start_ms=time_ms - LOOKBACK_MS, end_ms=time_ms
    )
    interval = exchange.get_symbol_info(symbol).funding_interval_hours
    return record_funding_history(conn, symbol, history, interval)


def book_account_funding(
    conn: psycopg.Connection,
    exchange: ExchangeService,
    account_id: int,
    time_ms: int,
    failures: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """Book every open live trade's settlements up to `time_ms`; one line per trade with a
    settlement due. A trade whose lookup failed is listed in `failures` and retried next poll."""
    lines: list[dict[str, Any]] = []
    for trade in trades_db.active_trades(conn, account_id):
        if trade.is_shadow or trade.status is not TradeStatus.OPEN:
            continue
        try:
            done = book_trade_funding(conn, exchange, account_id, trade, time_ms)
        except ExchangeError as exc:
            error = f"{type(exc).__name__}: {exc}"
            failures.append({"account_id": account_id, "trade_id": trade.id, "error": error})
            continue
        if done is not None:
            lines.append(
                {
                    "trade_id": done.trade_id, "symbol": done.symbol, "booked": done.booked,
                    "total": str(done.total), "missing": done.missing, "source": done.source,
                }
            )  # fmt: skip
    return lines
