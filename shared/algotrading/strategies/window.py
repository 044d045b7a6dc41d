"""The candles every indicator is computed from: one window per timeframe, live and backtest alike.

Recursive indicators (EMA, RSI, ATR, ADX, Stochastic RSI) depend on where their history starts.
A live executor can only fetch a bounded history, while a backtest holds years; if each computed
from what it has, their values would differ in the last digits and, at a threshold, in a
decision. So neither computes from "what it has": the value at a close is defined as the value
computed from that timeframe's **window** at that close, and both compute exactly that.

A window is anchored on the timeframe's UTC grid. With `min_bars` (the warm-up) and `max_bars`
(<= 200 for the default parameters), the window at a close starts at the last multiple of
`block = max_bars - min_bars + 1` grid candles that leaves at least `min_bars` closed candles,
so it holds between `min_bars` and `max_bars` candles and moves forward one block at a time.
Because every strategy is prefix-consistent (a row depends only on candles closed by its close:
the no-look-ahead property its tests prove), a frame computed over one window answers every close
whose window starts there: the backtest computes one frame per block, the executor one per close,
and they agree to the bit. A data set starting after the anchor gives a shorter window, which is
settled only once it holds `min_bars` candles; the live exchange, listing the same candles,
gives the same.

`min_bars` comes from the indicators at a seed weight of 1e-2 (`WINDOW_TOLERANCE`), at least 150:
what is left of the arbitrary seed of a recursive indicator after the window is at most 1 % of
the seed's own error, about 0.1 % of a daily EMA(50) on real data (docs/STRATEGIES.md, warm-up).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import FundingHistory, OpenInterestSeries
from algotrading.market.resample import bucket_origin

if TYPE_CHECKING:
    from algotrading.strategies.base import MarketHistory, SignalFrame

WINDOW_TOLERANCE = 1e-2
"""Remaining weight of a recursive indicator's seed that a window's warm-up accepts."""
MIN_WINDOW_BARS = 150
"""The shortest window: a 4h RSI(14) needs only 78 candles for a 1 % seed, but 150 leave 0.005 %
and cost a 4h strategy 25 days of history, a 1h one 6."""
MAX_WINDOW_BARS = 200
"""The longest window of the default parameters: what a live evaluation fetches per timeframe."""
MIN_BLOCK_SHARE = 0.2
"""A warm-up near 200 bars gets a window at least this share longer (fewer recomputations)."""


def warmup(*needs: int) -> int:
    """A timeframe's warm-up: the longest indicator need (at `WINDOW_TOLERANCE`), at least 150."""
    return max(MIN_WINDOW_BARS, *needs)


@dataclass(frozen=True, slots=True)
class Window:
    """Between `min_bars` and `max_bars` closed candles, anchored on the timeframe's grid."""

    min_bars: int
    max_bars: int

    def __post_init__(self) -> None:
        if not 1 <= self.min_bars <= self.max_bars:
            raise ValueError(f"a window needs 1 <= min_bars <= max_bars, got {self}")

    @classmethod
    def for_warmup(cls, min_bars: int) -> Window:
        """The window of a warm-up: up to 200 candles, or a fifth more for long warm-ups."""
        longest = max(MAX_WINDOW_BARS, math.ceil(min_bars * (1 + MIN_BLOCK_SHARE)))
        return cls(min_bars, longest)

    @property
    def block(self) -> int:
        """Candles between two anchors."""
        return self.max_bars - self.min_bars + 1

    def start_ms(self, interval: Interval, close_ms: int) -> int:
        """Open time of the window's first candle at `close_ms` (any time; the last candle is the
        last one closed by then)."""
        return int(self.starts_ms(interval, np.array([close_ms], dtype=np.int64))[0])

    def starts_ms(self, interval: Interval, close_ms: np.ndarray) -> np.ndarray:
        """`start_ms` for many closes at once."""
        origin = bucket_origin(interval)
        last = (close_ms - origin) // interval.ms - 1
        first = (last - self.min_bars + 1) // self.block * self.block
        return origin + first * interval.ms


Frames = dict[str, "SignalFrame"]
Compute = Callable[[Mapping[str, "MarketHistory"], int | None], Frames]


def windowed_frames(
    windows: Mapping[Interval, Window],
    entry: Interval,
    histories: Mapping[str, MarketHistory],
    compute: Compute,
    since_ms: int | None = None,
    lookbacks: tuple[int, int] = (0, 0),
) -> Frames:
    """Each symbol's frame, every row computed from the windows at its close (see module doc).

    `compute(histories, since_ms)` is the strategy's rule over whatever history it is given.
    Rows closing before `since_ms` are computed once from all that is given, not from their
    windows, and may skip costly work (momentum's rankings): a caller passing `since_ms` reads
    them only after an outage longer than its spare bars. `lookbacks` (funding, open interest)
    trim the settlements and snapshots before each stretch as a live fetch would (0: keep all).
    """
    every = _entry_closes(histories, entry, None)
    if not len(every):
        return compute(histories, since_ms)
    closes = every if since_ms is None else every[every >= since_ms]
    pieces: dict[str, list[SignalFrame]] = defaultdict(list)
    if len(closes) < len(every):
        first, last = int(every[0]), int(every[len(every) - len(closes) - 1])
        early = {s: _cut(h, {}, last, None, lookbacks) for s, h in histories.items()}
        for symbol, frame in compute(early, since_ms).items():
            pieces[symbol].append(frame_between(frame, first, last))
    if not len(closes):
        return {s: concat_frames(p) for s, p in pieces.items()}
    keys = np.stack([windows[iv].starts_ms(iv, closes) for iv in windows], axis=1)
    edges = np.flatnonzero((np.diff(keys, axis=0) != 0).any(axis=1)) + 1
    for lo, hi in zip(np.r_[0, edges], np.r_[edges, len(closes)], strict=True):
        first, last = int(closes[lo]), int(closes[hi - 1])
        starts = dict(zip(windows, (int(k) for k in keys[lo]), strict=True))
        cuts = {s: _cut(h, starts, last, first, lookbacks) for s, h in histories.items()}
        segment = {s: h for s, h in cuts.items() if entry in h.candles and len(h.candles[entry])}
        for symbol, frame in compute(segment, first).items():
            pieces[symbol].append(frame_between(frame, first, last))
    whole = {s: concat_frames(p) for s, p in pieces.items()}
    return {s: whole[s] for s in histories if s in whole}


def _entry_closes(
    histories: Mapping[str, MarketHistory], entry: Interval, since_ms: int | None
) -> np.ndarray:
    """Every close of the entry timeframe any symbol has, from `since_ms` on."""
    times = [h.candles[entry].start_ms for h in histories.values() if entry in h.candles]
    if not times:
        return np.empty(0, dtype=np.int64)
    closes = np.unique(np.concatenate(times)) + entry.ms
    return closes if since_ms is None else closes[closes >= since_ms]


def _cut(
    history: MarketHistory,
    starts: Mapping[Interval, int],
    end_ms: int,
    first_ms: int | None,
    lookbacks: tuple[int, int],
) -> MarketHistory:
    """The history a live evaluation at `end_ms` would fetch: each timeframe's window, the
    settlements and snapshots known by then (from the look-back before `first_ms`)."""
    candles = {}
    for iv, c in history.candles.items():
        interval = Interval(iv)
        start = starts.get(interval)
        lo = 0 if start is None else int(np.searchsorted(c.start_ms, start, "left"))
        hi = int(np.searchsorted(c.start_ms, end_ms - interval.ms, "right"))
        candles[iv] = c.slice(lo, max(lo, hi))
    funding, oi = history.funding, history.open_interest
    if funding is not None:
        lo, hi = _span(funding.time_ms, first_ms, lookbacks[0], end_ms)
        funding = FundingHistory(funding.time_ms[lo:hi], funding.rate[lo:hi])
    if oi is not None:
        lo, hi = _span(oi.time_ms, first_ms, lookbacks[1], end_ms)
        oi = OpenInterestSeries(oi.time_ms[lo:hi], oi.value[lo:hi])
    return replace(history, candles=candles, funding=funding, open_interest=oi)


def _span(times: np.ndarray, first_ms: int | None, lookback: int, end_ms: int) -> tuple[int, int]:
    """Rows in [first - lookback, end] (from the start when there is no look-back)."""
    lo = 0
    if first_ms is not None and lookback > 0:
        lo = int(np.searchsorted(times, first_ms - lookback, "left"))
    return lo, int(np.searchsorted(times, end_ms, "right"))


def frame_between(frame: SignalFrame, first_ms: int, last_ms: int) -> SignalFrame:
    """The rows closing in [first_ms, last_ms]."""
    lo = int(np.searchsorted(frame.close_ms, first_ms, "left"))
    hi = int(np.searchsorted(frame.close_ms, last_ms, "right"))
    return _joined([frame], lambda parts: parts[0][lo:hi])


def concat_frames(frames: list[SignalFrame]) -> SignalFrame:
    """One frame from consecutive pieces of the same symbol and strategy."""
    return frames[0] if len(frames) == 1 else _joined(frames, np.concatenate)


def _joined(
    frames: list[SignalFrame], join: Callable[[list[np.ndarray]], np.ndarray]
) -> SignalFrame:
    """The first frame with every array (fields, conditions, values) replaced by `join` of
    that array in each frame, read-only like the frames a strategy builds."""
    head = frames[0]
    changes: dict[str, Any] = {}
    for f in fields(head):
        value = getattr(head, f.name)
        if isinstance(value, np.ndarray):
            changes[f.name] = _readonly(join([getattr(x, f.name) for x in frames]))
        elif f.name in ("conditions", "values"):
            changes[f.name] = MappingProxyType(
                {k: _readonly(join([getattr(x, f.name)[k] for x in frames])) for k in value}
            )
    return replace(head, **changes)


def _readonly(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array
