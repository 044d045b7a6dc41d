"""Candles for strategies: from the exchange or the data files, closed ones only, cached briefly.

A strategy evaluated at a candle close must see that candle and must never see the one still
forming (its high, low and close are not final; in a backtest over files it would be the future).
`CandleService` therefore asks its source only for candles that have opened by "now" and drops
every candle whose close time is after now. "Now" comes from a clock callable, so tests, replays
and backtests run on their own time.

The cache (60 s, 100 entries, least recently used out) spares the exchange the same request from
several strategies within one evaluation. An entry also expires when the next candle of its
interval closes, so a request just after a close never gets the list from just before it.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Protocol

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.errors import DataFileError
from algotrading.market.datafiles import DataSet
from algotrading.market.resample import bucket_start, resample

Clock = Callable[[], int]
"""Returns the current time in UTC milliseconds."""

CACHE_TTL_MS = 60_000
CACHE_MAX_ENTRIES = 100


def system_clock() -> int:
    """Wall-clock UTC milliseconds."""
    return time.time_ns() // 1_000_000


class CandleSource(Protocol):
    """Where candles come from: the exchange port or the data files.

    Returns the most recent `limit` candles whose open time lies in [start_ms, end_ms] (both
    inclusive, as Bybit's kline endpoint), ascending. May include the still-open current candle.
    """

    def get_candles(
        self,
        symbol: str,
        interval: Interval,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> Candles: ...


class UnknownSeriesError(DataFileError, ValueError):
    """The data has no such symbol, or no candles of (or buildable into) that interval."""


def check_limit(limit: object) -> int:
    """A limit of 0 would make "asked for nothing" look like "the market has no data"."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be an integer >= 1, got {limit!r}")
    return limit


def select(candles: Candles, start_ms: int | None, end_ms: int | None, limit: int) -> Candles:
    """The last `limit` candles with open time in [start_ms, end_ms] (inclusive)."""
    end = None if end_ms is None else end_ms + 1
    chosen = candles.between(start_ms, end)
    return chosen.slice(max(0, len(chosen) - limit))


def closed_only(candles: Candles, interval: Interval, now_ms: int) -> Candles:
    """Candles that have closed by `now_ms` (open time + length <= now)."""
    cut = int(np.searchsorted(candles.start_ms, now_ms - interval.ms, side="right"))
    return candles.slice(0, cut)


class DataFileCandleSource:
    """A `CandleSource` over data files; an interval without a file is resampled from the
    longest shorter interval that divides it (1w from 1d, 30m from 15m).

    An interval with files is still extended from a shorter one when some directory has the
    shorter candles but no file at this interval (e.g. a 4h-only history set listed after a set
    with 1d files): the file rows win, the resampled rows fill only the times they lack, so every
    interval of a symbol reaches as far back as its finest data does. A directory with files at
    both intervals is taken to cover the same span in both (its coarse files are built from its
    fine ones), so it costs no extra reading."""

    def __init__(self, dataset: DataSet) -> None:
        self.dataset = dataset
        self._built: dict[tuple[str, Interval], Candles] = {}

    def get_candles(
        self,
        symbol: str,
        interval: Interval,
        *,
        start_ms: int | None = None,
        end_ms: int | None = None,
        limit: int = 200,
    ) -> Candles:
        return select(self.series(symbol, interval), start_ms, end_ms, check_limit(limit))

    def series(self, symbol: str, interval: Interval | str) -> Candles:
        """Every candle of `symbol` at `interval`, from its files and/or resampled (cached)."""
        interval = interval if isinstance(interval, Interval) else Interval.parse(interval)
        if symbol not in self.dataset.symbols():
            raise UnknownSeriesError(f"unknown symbol {symbol!r} in data {self._where()}")
        key = (symbol, interval)
        if key not in self._built:
            self._built[key] = self._build(symbol, interval)
        return self._built[key]

    def _build(self, symbol: str, interval: Interval) -> Candles:
        own = None
        if self.dataset.has_candles(symbol, interval):
            own = self.dataset.candles(symbol, interval)
        source = self._source_interval(symbol, interval, extending=own is not None)
        if source is None:
            return own if own is not None else Candles.empty()
        built = resample(self.series(symbol, source), source, interval)
        return built if own is None else fill(own, built)

    def _source_interval(self, symbol: str, interval: Interval, extending: bool) -> Interval | None:
        """The shorter interval to resample from: the longest that divides `interval`; when
        extending a series that has files, only one held by a directory without such a file."""
        have = self.dataset.intervals(symbol)
        usable = [iv for iv in have if iv.ms < interval.ms and interval.ms % iv.ms == 0]
        if extending:
            covered = set(self.dataset.kline_dirs(symbol, interval))
            usable = [iv for iv in usable if set(self.dataset.kline_dirs(symbol, iv)) - covered]
            return usable[-1] if usable else None
        if not usable:
            listed = ", ".join(iv.value for iv in have) or "none"
            raise UnknownSeriesError(
                f"no {interval.value} candles for {symbol} and none can be built "
                f"from the intervals in the data ({listed})"
            )
        return usable[-1]

    def _where(self) -> str:
        return ", ".join(str(d) for d in self.dataset.dirs)


def fill(own: Candles, extra: Candles) -> Candles:
    """`own` candles plus the `extra` ones at times `own` lacks, ascending (own wins a tie)."""
    new = ~np.isin(extra.start_ms, own.start_ms)
    if not new.any():
        return own
    order = np.argsort(np.concatenate([own.start_ms, extra.start_ms[new]]), kind="stable")
    columns = [
        np.concatenate([getattr(own, f.name), getattr(extra, f.name)[new]])[order]
        for f in fields(Candles)
    ]
    return Candles(*columns)


@dataclass(frozen=True, slots=True)
class _Entry:
    candles: Candles
    expires_ms: int


class CandleService:
    """Closed candles from any `CandleSource`, with a small TTL + LRU cache."""

    def __init__(
        self,
        source: CandleSource,
        clock: Clock = system_clock,
        ttl_ms: int = CACHE_TTL_MS,
        max_entries: int = CACHE_MAX_ENTRIES,
    ) -> None:
        if ttl_ms < 0 or max_entries < 1:
            raise ValueError("ttl_ms must be >= 0 and max_entries >= 1")
        self.source = source
        self.clock = clock
        self.ttl_ms = ttl_ms
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        self._cache: OrderedDict[tuple[object, ...], _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get_candles(
        self,
        symbol: str,
        interval: Interval | str,
        *,
        limit: int = 200,
        start_ms: int | None = None,
        end_ms: int | None = None,
    ) -> Candles:
        """The last `limit` closed candles with open time in [start_ms, end_ms] (read-only)."""
        iv = interval if isinstance(interval, Interval) else Interval.parse(interval)
        check_limit(limit)
        key = (symbol, iv, start_ms, end_ms, limit)
        now = self.clock()
        cached = self._lookup(key, now)
        if cached is not None:
            return cached
        upto = now if end_ms is None else min(end_ms, now)
        raw = self.source.get_candles(symbol, iv, start_ms=start_ms, end_ms=upto, limit=limit + 1)
        closed = closed_only(raw, iv, now)
        result = _read_only(closed.slice(max(0, len(closed) - limit)))
        next_close = bucket_start(now, iv) + iv.ms
        self._store(key, _Entry(result, min(now + self.ttl_ms, next_close)))
        return result

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()

    def __len__(self) -> int:
        return len(self._cache)

    def _lookup(self, key: tuple[object, ...], now: int) -> Candles | None:
        with self._lock:
            entry = self._cache.get(key)
            if entry is None or now >= entry.expires_ms:
                if entry is not None:
                    del self._cache[key]
                self.misses += 1
                return None
            self._cache.move_to_end(key)
            self.hits += 1
            return entry.candles

    def _store(self, key: tuple[object, ...], entry: _Entry) -> None:
        with self._lock:
            self._cache[key] = entry
            self._cache.move_to_end(key)
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)


def _read_only(candles: Candles) -> Candles:
    """Views that cannot be written, so one caller cannot alter what the cache gives the next."""
    columns = []
    for f in fields(candles):
        view = getattr(candles, f.name).view()
        view.flags.writeable = False
        columns.append(view)
    return Candles(*columns)
