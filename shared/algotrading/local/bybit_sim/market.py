"""Market replay: what the market looked like at a given sim time, and nothing later.

Each symbol has a *tape*: its finest kline file, extended before its first and after its last
bar by the bars of its coarser files (a set may hold 15m bars for one year and 1h bars for four:
the instrument trades all along on Bybit, so the replay has a price, fills and stops wherever
any file has one). A tape bar is known once it has closed, so the current price at time t is the
close of the last tape bar that ended at or before t. Coarser candles come from their own file
when there is one (else they are aggregated from the finest file); the candle still open at t is
built from the tape bars that closed inside it, or is flat at the current price when none has
yet. Nothing after t is ever shown (docs/simulator.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from algotrading.domain.funding import DEFAULT_FUNDING_INTERVAL_H
from algotrading.domain.intervals import DAY_MS, HOUR_MS, MINUTE_MS, Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.errors import DataFileError
from algotrading.market.csvfiles import read_table
from algotrading.market.datafiles import DataSet
from algotrading.market.funding import infer_interval_hours

MONDAY_OFFSET_MS = 4 * DAY_MS
"""The epoch was a Thursday; Bybit's weekly candles open on Monday 00:00 UTC."""
OPEN_INTEREST_HEADER = ("timestamp_ms", "open_interest")


@dataclass(frozen=True, slots=True)
class KlineInterval:
    """A Bybit kline interval code with its length and alignment."""

    code: str
    ms: int
    offset_ms: int = 0

    def start_of(self, t: int) -> int:
        return t - (t - self.offset_ms) % self.ms


KLINE_INTERVALS: dict[str, KlineInterval] = {
    code: KlineInterval(code, length)
    for code, length in (
        ("1", MINUTE_MS),
        ("3", 3 * MINUTE_MS),
        ("5", 5 * MINUTE_MS),
        ("15", 15 * MINUTE_MS),
        ("30", 30 * MINUTE_MS),
        ("60", HOUR_MS),
        ("120", 2 * HOUR_MS),
        ("240", 4 * HOUR_MS),
        ("360", 6 * HOUR_MS),
        ("720", 12 * HOUR_MS),
        ("D", DAY_MS),
    )
}
KLINE_INTERVALS["W"] = KlineInterval("W", 7 * DAY_MS, MONDAY_OFFSET_MS)


@dataclass(frozen=True, slots=True)
class Candle:
    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    turnover: float
    confirmed: bool


class SymbolTape:
    """One symbol's replayable market."""

    def __init__(self, symbol: str, dataset: DataSet, dirs: Sequence[Path]) -> None:
        intervals = dataset.intervals(symbol)
        if not intervals:
            raise DataFileError(f"{symbol}: no kline files, nothing to replay")
        self.symbol = symbol
        self.finest = intervals[0]
        self.finest_bars = dataset.candles(symbol, self.finest)
        if len(self.finest_bars) == 0:
            raise DataFileError(f"{symbol}: the {self.finest.value} kline file is empty")
        files = [iv for iv in intervals if iv is not Interval.W1]
        self.bars, self.bar_end = _stitched([(iv, dataset.candles(symbol, iv)) for iv in files])
        self._dataset = dataset
        self._files = {iv.ms: iv for iv in intervals if iv is not Interval.W1}
        self._derived: dict[str, Candles] = {}
        self.funding = (
            dataset.funding(symbol)
            if _has_funding(dirs, symbol)
            else FundingHistory(np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
        )
        self.open_interest = _open_interest(dirs, symbol)

    @property
    def first_ms(self) -> int:
        """When the first finest bar has closed: the first moment with a price."""
        return int(self.bar_end[0])

    @property
    def last_ms(self) -> int:
        return int(self.bar_end[-1])

    def known(self, t: int) -> int:
        """How many finest bars have closed by t."""
        return int(np.searchsorted(self.bar_end, t, side="right"))

    def price(self, t: int) -> float | None:
        n = self.known(t)
        return float(self.bars.close[n - 1]) if n else None

    def bar(self, i: int) -> tuple[int, float, float, float, float]:
        b = self.bars
        return (
            int(b.start_ms[i]),
            float(b.open[i]),
            float(b.high[i]),
            float(b.low[i]),
            float(b.close[i]),
        )

    def bars_closing(self, t0: int, t1: int) -> range:
        """Indices of the finest bars that close in (t0, t1]."""
        return range(self.known(t0), self.known(t1))

    def candles_for(self, interval: KlineInterval) -> Candles | None:
        """Confirmed candles at `interval`: its own file, else aggregated from the tape."""
        own = self._files.get(interval.ms)
        if own is not None and interval.offset_ms == 0:
            return self._dataset.candles(self.symbol, own)
        if interval.ms % self.finest.ms:
            return None
        if interval.code not in self._derived:
            self._derived[interval.code] = _aggregate(self.finest_bars, interval)
        return self._derived[interval.code]

    def current_candle(self, interval: KlineInterval, t: int) -> Candle | None:
        """The candle open at t, from the finest bars closed inside it (None past the data)."""
        if t >= self.last_ms:
            return None
        start = interval.start_of(t)
        n = self.known(t)
        lo = int(np.searchsorted(self.bars.start_ms, start, side="left"))
        if n > lo:
            b = self.bars
            return Candle(
                start,
                float(b.open[lo]),
                float(b.high[lo:n].max()),
                float(b.low[lo:n].min()),
                float(b.close[n - 1]),
                float(b.volume[lo:n].sum()),
                float(b.turnover[lo:n].sum()),
                False,
            )
        price = self.price(t)
        if price is None:
            return None
        return Candle(start, price, price, price, price, 0.0, 0.0, False)

    def klines(
        self,
        interval: KlineInterval,
        t: int,
        start: int | None,
        end: int | None,
        limit: int,
    ) -> list[Candle] | None:
        """Candles opened in [start, end] and known at t, newest first (None: no such data).

        With only `start`, the oldest `limit` from start (paging forward); otherwise the newest
        `limit` up to `end`."""
        source = self.candles_for(interval)
        if source is None:
            return None
        upto = t if end is None else min(end, t)
        closed = int(np.searchsorted(source.start_ms + interval.ms, t, side="right"))
        lo = _first(source, start)
        hi = min(closed, int(np.searchsorted(source.start_ms, upto, side="right")))
        current = self.current_candle(interval, t)
        if current is not None and not (start or 0) <= current.start_ms <= upto:
            current = None
        if start is not None and end is None:  # paging forward from `start`
            top = min(hi, lo + limit)
            rows = [_row(source, i) for i in range(lo, top)]
            if current is not None and top == hi and len(rows) < limit:
                rows.append(current)
        else:
            room = limit - (1 if current is not None else 0)
            rows = [_row(source, i) for i in range(max(lo, hi - room), hi)]
            if current is not None:
                rows.append(current)
        return rows[::-1]

    def closed_between(self, interval: KlineInterval, t0: int, t1: int, cap: int) -> list[Candle]:
        """Candles that closed in (t0, t1], oldest first, at most the last `cap` of them."""
        source = self.candles_for(interval)
        if source is None:
            return []
        ends = source.start_ms + interval.ms
        lo = int(np.searchsorted(ends, t0, side="right"))
        hi = int(np.searchsorted(ends, t1, side="right"))
        return [_row(source, i) for i in range(max(lo, hi - cap), hi)]

    def window(self, t: int, span_ms: int) -> tuple[float, float, float, float] | None:
        """(high, low, volume, turnover) of the finest bars closed in (t - span, t]."""
        lo, hi = self.known(t - span_ms), self.known(t)
        if hi <= lo:
            return None
        b = self.bars
        return (
            float(b.high[lo:hi].max()),
            float(b.low[lo:hi].min()),
            float(b.volume[lo:hi].sum()),
            float(b.turnover[lo:hi].sum()),
        )

    def funding_between(self, t0: int, t1: int) -> list[tuple[int, float]]:
        """Settlements in (t0, t1], oldest first."""
        times = self.funding.time_ms
        lo = int(np.searchsorted(times, t0, side="right"))
        hi = int(np.searchsorted(times, t1, side="right"))
        return [(int(times[i]), float(self.funding.rate[i])) for i in range(lo, hi)]

    def next_funding(self, t: int) -> tuple[int, float] | None:
        """The first settlement after t, with the rate that will be settled then."""
        times = self.funding.time_ms
        i = int(np.searchsorted(times, t, side="right"))
        return (int(times[i]), float(self.funding.rate[i])) if i < len(times) else None

    def funding_interval_min(self) -> int:
        """Minutes between settlements (the median spacing), the default without history."""
        if len(self.funding) < 2:
            return DEFAULT_FUNDING_INTERVAL_H * 60
        return int(np.median(np.diff(self.funding.time_ms)) // MINUTE_MS)

    def funding_interval_min_at(self, t: int) -> int:
        """Minutes between settlements in force at t, as Bybit's instrument info reports it.

        Symbols change interval (SOL settled every 4 h from 2022-11-10 to 2022-12-20, else
        8 h): the whole file's median would report 8 h throughout. The spacing of the latest
        settlements up to t decides (`market.funding.infer_interval_hours`), the median when
        they cannot tell.
        """
        known = int(np.searchsorted(self.funding.time_ms, t, side="right"))
        hours = infer_interval_hours(self.funding.time_ms[:known])
        return self.funding_interval_min() if hours is None else hours * 60

    def open_interest_at(self, t: int) -> float | None:
        if self.open_interest is None:
            return None
        times, values = self.open_interest
        i = int(np.searchsorted(times, t, side="right"))
        return float(values[i - 1]) if i else None


class MarketReplay:
    """Every symbol's tape, loaded once and shared read-only (tests reuse one across servers)."""

    def __init__(self, dataset: DataSet, symbols: Sequence[str] = ()) -> None:
        available = dataset.symbols()
        chosen = list(symbols) or available
        unknown = [s for s in chosen if s not in available]
        if unknown:
            where = ", ".join(str(d) for d in dataset.dirs)
            raise DataFileError(f"no data for {', '.join(unknown)} in {where}")
        with_klines = [s for s in chosen if dataset.intervals(s)]
        if not with_klines:
            raise DataFileError("the data set has no kline files")
        self.dataset = dataset
        self.tapes = {s: SymbolTape(s, dataset, dataset.dirs) for s in with_klines}

    @property
    def symbols(self) -> list[str]:
        return sorted(self.tapes)

    def tape(self, symbol: str) -> SymbolTape | None:
        return self.tapes.get(symbol)

    def common_start_ms(self) -> int:
        """The first moment at which every symbol has data in its finest file (its first bar
        opens): the default start stays where the finest data begin, the coarser bars before
        them are there for a start asked for explicitly."""
        return max(int(t.finest_bars.start_ms[0]) for t in self.tapes.values())

    def end_ms(self) -> int:
        return max(t.last_ms for t in self.tapes.values())

    def default_start(self, warmup_ms: int) -> int:
        """`warmup_ms` after every symbol has data (so indicators have history), on a whole
        finest bar, and never past the end of the data."""
        start = min(self.common_start_ms() + warmup_ms, self.end_ms())
        finest = min(t.finest.ms for t in self.tapes.values())
        return start - start % finest


def _first(source: Candles, start: int | None) -> int:
    if start is None:
        return 0
    return int(np.searchsorted(source.start_ms, start, side="left"))


def _row(c: Candles, i: int) -> Candle:
    return Candle(
        int(c.start_ms[i]),
        float(c.open[i]),
        float(c.high[i]),
        float(c.low[i]),
        float(c.close[i]),
        float(c.volume[i]),
        float(c.turnover[i]),
        True,
    )


def _stitched(series: Sequence[tuple[Interval, Candles]]) -> tuple[Candles, np.ndarray]:
    """The tape: the finest series (first), extended by each coarser one's bars that close
    before it starts or open after it ends; with every bar's end time."""
    first, bars = series[0]
    ends = bars.start_ms + first.ms
    for interval, coarse in series[1:]:
        if not len(coarse):
            continue
        before = coarse.slice(0, int(np.searchsorted(coarse.start_ms + interval.ms,
                                                     bars.start_ms[0], side="right")))  # fmt: skip
        after = coarse.slice(int(np.searchsorted(coarse.start_ms, ends[-1], side="left")))
        parts = [before, bars, after]
        bars = Candles(*(np.concatenate([getattr(p, f.name) for p in parts])
                         for f in fields(Candles)))  # fmt: skip
        ends = np.concatenate([before.start_ms + interval.ms, ends, after.start_ms + interval.ms])
    return bars, ends


def _aggregate(bars: Candles, interval: KlineInterval) -> Candles:
    """Finest bars -> `interval` candles (first open, max high, min low, last close, sums)."""
    bucket = (bars.start_ms - interval.offset_ms) // interval.ms
    first = np.flatnonzero(np.r_[True, bucket[1:] != bucket[:-1]])
    last = np.r_[first[1:] - 1, len(bars) - 1]
    return Candles(
        bucket[first] * interval.ms + interval.offset_ms,
        bars.open[first],
        np.maximum.reduceat(bars.high, first),
        np.minimum.reduceat(bars.low, first),
        bars.close[last],
        np.add.reduceat(bars.volume, first),
        np.add.reduceat(bars.turnover, first),
    )


def _has_funding(dirs: Sequence[Path], symbol: str) -> bool:
    return any((Path(d) / "funding" / f"{symbol}.csv.gz").is_file() for d in dirs)


def _open_interest(dirs: Sequence[Path], symbol: str) -> tuple[np.ndarray, np.ndarray] | None:
    """`open_interest/{SYMBOL}_{interval}.csv.gz` of the finest interval found, if any."""
    found = []
    for directory in dirs:
        for path in sorted((Path(directory) / "open_interest").glob(f"{symbol}_*.csv.gz")):
            try:
                found.append((Interval.parse(path.name[len(symbol) + 1 : -7]).ms, path))
            except ValueError:
                raise DataFileError(f"{path}: file name does not follow SYMBOL_interval") from None
    if not found:
        return None
    finest = min(ms for ms, _ in found)
    parts = [read_table(p, OPEN_INTEREST_HEADER) for ms, p in found if ms == finest]
    times = np.concatenate([t for t, _ in parts])
    values = np.concatenate([v[:, 0] for _, v in parts])
    order = np.argsort(times, kind="stable")
    times, values = times[order], values[order]
    keep = np.r_[True, times[1:] != times[:-1]]
    return times[keep], values[keep]
