"""Building longer candles from shorter ones, aligned to UTC, complete buckets only.

Buckets start at multiples of the target length counted from the Unix epoch (00:00 UTC), except
weeks, which start on Monday 00:00 UTC as Bybit's weekly klines do (the epoch was a Thursday, so
weeks are counted from 1970-01-05). A bucket is emitted only when every one of its source candles
is present: a bucket cut by the start or end of the data, or by a gap, would show a high, low and
volume that never happened, and a strategy must never see a candle that has not fully closed.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.domain.series import Candles

WEEK_ANCHOR_MS = 4 * DAY_MS
"""1970-01-05 00:00 UTC, the first Monday after the epoch: where weekly buckets are counted from."""


def bucket_origin(interval: Interval) -> int:
    """Where the bucket grid of `interval` is anchored (0 = the epoch)."""
    return WEEK_ANCHOR_MS if interval is Interval.W1 else 0


def bucket_start(time_ms: int, interval: Interval) -> int:
    """Open time of the `interval` candle that contains `time_ms`."""
    origin = bucket_origin(interval)
    return origin + (time_ms - origin) // interval.ms * interval.ms


def resample(candles: Candles, source: Interval, target: Interval) -> Candles:
    """`target` candles from `source` candles: open first, high max, low min, close last,
    volume and turnover summed; only buckets with all their source candles present.

    Raises ValueError when `target` is not a whole multiple of `source`, or when the candles are
    not on the `source` grid or not strictly ascending (then they are not `source` candles).
    """
    _check(candles, source, target)
    if target is source or len(candles) == 0:
        return candles
    origin = bucket_origin(target)
    buckets = (candles.start_ms - origin) // target.ms
    starts = np.flatnonzero(np.diff(buckets, prepend=buckets[0] - 1))
    counts = np.diff(starts, append=len(buckets))
    complete = counts == target.ms // source.ms
    first = starts[complete]
    last = first + counts[complete] - 1
    return Candles(
        start_ms=buckets[first] * target.ms + origin,
        open=candles.open[first],
        high=_reduce(np.maximum, candles.high, starts, complete),
        low=_reduce(np.minimum, candles.low, starts, complete),
        close=candles.close[last],
        volume=_reduce(np.add, candles.volume, starts, complete),
        turnover=_reduce(np.add, candles.turnover, starts, complete),
    )


def _reduce(
    ufunc: np.ufunc, values: npt.NDArray[np.float64], starts: npt.NDArray[np.intp], keep: np.ndarray
) -> npt.NDArray[np.float64]:
    reduced: npt.NDArray[np.float64] = ufunc.reduceat(values, starts)[keep]
    return reduced


def _check(candles: Candles, source: Interval, target: Interval) -> None:
    if target.ms < source.ms or target.ms % source.ms:
        raise ValueError(
            f"cannot build {target.value} candles from {source.value}: "
            f"{target.value} is not a whole multiple of {source.value}"
        )
    times = candles.start_ms
    if len(times) == 0:
        return
    off_grid = (times - bucket_origin(source)) % source.ms
    if off_grid.any():
        bad = int(times[np.flatnonzero(off_grid)[0]])
        raise ValueError(f"candle open time {bad} is not on the {source.value} grid")
    if len(times) > 1 and (np.diff(times) <= 0).any():
        raise ValueError("candles must be strictly ascending in time (no duplicates)")
