"""Putting values of another timeframe (or of funding and open interest) onto the entry bars,
without look-ahead.

The rule: a bar closing at T may use a value only if that value was known at T. A candle is
known from its close (open + interval), so the 4H bar closing at 00:00 sees the daily candle that
closed at 00:00, and the 4H bar closing at 04:00 sees the same one, never the day still forming.
Funding settlements and open-interest snapshots are known from their time stamp plus a small lag
(`lag_ms`: what the live poller needs before the number is in the database).

Stale values are not used: when the source row the rule picks is older than `max_age_ms` (a
missing daily candle, funding data that stopped), the aligned value is NaN, and every condition
on it is false, rather than carrying an old value forward as if it were current.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]


def close_times(candles: Candles, interval: Interval) -> I64:
    """When each candle became known: its open time + the interval."""
    return candles.start_ms + np.int64(interval.ms)


def last_known(known_ms: I64, at_ms: I64, max_age_ms: int | None = None, lag_ms: int = 0) -> Ints:
    """For each time in `at_ms`, the index of the last source row with known_ms + lag <= t,
    or -1 when there is none or it is older than `max_age_ms` (measured from its time stamp)."""
    idx = np.searchsorted(known_ms, at_ms - lag_ms, side="right").astype(np.intp) - 1
    if max_age_ms is not None and len(known_ms):
        age = at_ms - known_ms[np.maximum(idx, 0)]
        idx[age > max_age_ms] = -1
    return idx


def take(values: npt.ArrayLike, idx: Ints) -> F64:
    """values[idx] as float, NaN where idx is -1."""
    source = np.asarray(values, dtype=np.float64)
    if len(source) == 0:
        return np.full(len(idx), np.nan)
    out = source[np.maximum(idx, 0)]
    out[idx < 0] = np.nan
    return out


def align_candles(candles: Candles, interval: Interval, values: npt.ArrayLike, at_ms: I64) -> F64:
    """`values` (one per candle of `interval`) as known at each time in `at_ms`.

    A candle older than one interval at time t means the candle after it is missing (a gap in
    the data, or a bucket the resampler dropped as incomplete): NaN then.
    """
    idx = last_known(close_times(candles, interval), at_ms, max_age_ms=interval.ms - 1)
    return take(values, idx)


def closed_count(candles: Candles, interval: Interval, at_ms: I64) -> I64:
    """How many candles of `interval` had closed at each time in `at_ms` (for warm-up)."""
    found = np.searchsorted(close_times(candles, interval), at_ms, side="right")
    return found.astype(np.int64)
