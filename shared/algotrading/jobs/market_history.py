"""The market-history job: append the closed klines, funding settlements and open interest of
the kept symbols (`jobs.history_symbols`) to the data store, every hour.

    market_history(T): refuse T off the hourly grid -> once per T (`jobs.runs`) ->
        for each symbol and series: under the series' lock, read the stored file, fetch what
        follows its last stored point up to T (`jobs.history_fetch`), append, write whole

The store holds the data layout (`klines/{SYMBOL}_{15m,1h,4h,1d}.csv.gz`, `funding/{SYMBOL}.csv.gz`,
`open_interest/{SYMBOL}_1h.csv.gz`), so `DataSet([folder])`, `algo data info --data-dir` and
`algo backtest --data-dir` read it as is. A series with nothing stored starts at `since`: for the
job, one hour before T (what closed in the last hour: 4 bars of 15m, 1 of 1h, the 4h bar at a
4h close, the day at 00:00), for `algo data fetch --since`, the time given; a series with a stored
point continues from it, so a missed hour is caught up by the next run. One symbol's failure is
recorded in the summary and leaves the others appended; the run is then stored `failed`, and
the next delivery of T retries (what was appended is not appended again).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from algotrading.domain.intervals import HOUR_MS, Interval
from algotrading.exchange.port import ExchangeService
from algotrading.jobs.config import LEDGER_SETTINGS, given_connection, job_settings
from algotrading.jobs.events import JobName
from algotrading.jobs.grid import check_time
from algotrading.jobs.history_fetch import (
    OPEN_INTEREST_INTERVAL,
    closed_klines,
    first_open,
    open_interest,
    settlements,
)
from algotrading.jobs.history_files import HEADERS, Row, appended, data_lines, last_time
from algotrading.jobs.history_store import HistoryStore, open_history_store
from algotrading.jobs.history_symbols import history_symbols
from algotrading.jobs.runs import JobResult, run_job
from algotrading.settings import Settings

JOB: JobName = "market_history"
STORED_INTERVALS = (Interval.M15, Interval.H1, Interval.H4, Interval.D1)
"""The intervals of the bundled data set (`algotrading/bundled/klines`) and the stream."""
FIRST_SPAN_MS = HOUR_MS
"""How far back the job starts a series with nothing stored: its own schedule's period."""
KINDS = ("klines", "funding", "open_interest")


def market_history(
    time_ms: int,
    *,
    settings: Settings | None = None,
    conn: psycopg.Connection | None = None,
    exchange: ExchangeService | None = None,
    store: HistoryStore | None = None,
) -> JobResult:
    """Append what closed in the hour up to `time_ms` (and anything missed before it) to the
    store; `exchange` and `store` default to BYBIT_BASE_URL (no keys) and the configured store."""
    check_time(JOB, time_ms)
    settings = settings or job_settings(LEDGER_SETTINGS)
    store = store or open_history_store(settings)
    exchange = exchange or public_exchange(settings)
    with given_connection(conn, settings) as db:

        def work() -> dict[str, Any]:
            symbols = history_symbols(exchange, time_ms, settings)
            return append_history(exchange, store, symbols, time_ms - FIRST_SPAN_MS, time_ms)

        return run_job(db, JOB, time_ms, work)


def public_exchange(settings: Settings) -> ExchangeService:
    """The exchange at BYBIT_BASE_URL without keys: market data is public."""
    from algotrading.exchange.factory import open_bybit

    return open_bybit(settings.bybit_base_url, None)


def append_history(
    exchange: ExchangeService,
    store: HistoryStore,
    symbols: Sequence[str],
    since_ms: int,
    until_ms: int,
) -> dict[str, Any]:
    """Append every series of `symbols` up to `until_ms`; the rows appended per kind."""
    counts = dict.fromkeys(KINDS, 0)
    failures: list[dict[str, str]] = []
    for symbol in symbols:
        try:
            for kind, n in append_symbol(exchange, store, symbol, since_ms, until_ms).items():
                counts[kind] += n
        except Exception as exc:  # one symbol's failure leaves the others appended
            failures.append({"symbol": symbol, "error": f"{type(exc).__name__}: {exc}"})
    return {
        "store": store.describe(), "symbols": list(symbols), **counts,
        "rows_appended": sum(counts.values()), "failures": failures,
    }  # fmt: skip


def append_symbol(
    exchange: ExchangeService, store: HistoryStore, symbol: str, since_ms: int, until_ms: int
) -> dict[str, int]:
    """One symbol's klines at every stored interval, its funding and its open interest."""
    counts = dict.fromkeys(KINDS, 0)
    for interval in STORED_INTERVALS:

        def bars(last: int | None, iv: Interval = interval) -> list[Row]:
            lo = first_open(iv, since_ms, last)
            c = closed_klines(exchange, symbol, iv, lo, until_ms)
            columns = (c.start_ms, c.open, c.high, c.low, c.close, c.volume, c.turnover)
            return list(zip(*columns, strict=True))

        key = f"klines/{symbol}_{interval.value}.csv.gz"
        counts["klines"] += append_series(store, key, "klines", bars)

    def funding(last: int | None) -> list[Row]:
        got = settlements(exchange, symbol, since_ms if last is None else last + 1, until_ms)
        return list(zip(got.time_ms, got.rate, strict=True))

    def interest(last: int | None) -> list[Row]:
        lo = since_ms if last is None else last + 1
        return [(t, v) for t, v in open_interest(exchange, symbol, lo, until_ms)]

    counts["funding"] += append_series(store, f"funding/{symbol}.csv.gz", "funding", funding)
    oi_key = f"open_interest/{symbol}_{OPEN_INTEREST_INTERVAL.value}.csv.gz"
    counts["open_interest"] += append_series(store, oi_key, "open_interest", interest)
    return counts


def append_series(
    store: HistoryStore, key: str, kind: str, fetch: Callable[[int | None], Sequence[Row]]
) -> int:
    """Under the series' lock: read it, fetch what follows its last stored time, write it back
    with those rows appended (nothing written when nothing is new); the rows appended."""
    with store.lock(key):
        existing = store.read(key)
        rows = fetch(last_time(data_lines(existing)))
        data, count = appended(existing, HEADERS[kind], rows)
        if data is not None:
            store.write(key, data)
        return count
