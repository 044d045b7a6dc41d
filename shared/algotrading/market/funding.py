"""Funding rates: where a symbol's funding stands at a time, and what a settlement pays.

Everything is computed from the settlement history as it was known at time t (settlements at or
before t), so the same code serves the live poller, the CLI over data files and the backtest.
Bybit symbols settle every 1, 2, 4 or 8 hours and change interval over time (XTZ went 8h -> 1h
-> 4h in 2025), so the interval is never assumed: it comes from instrument info when the caller
has it, else from the spacing of the latest settlements (see `infer_interval_hours`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

import numpy as np

from algotrading.domain import fills
from algotrading.domain.intervals import DAY_MS, HOUR_MS
from algotrading.domain.series import FundingHistory
from algotrading.market.datafiles import DataSet

FUNDING_INTERVALS_HOURS = (1, 2, 4, 8)
SPACING_LOOKBACK = 6
"""Settlement spacings looked at when inferring the interval: enough to outvote one gap."""

Money = TypeVar("Money", float, Decimal)


@dataclass(frozen=True, slots=True)
class FundingSnapshot:
    """Funding of one symbol as known at `as_of_ms`.

    Rates are per settlement (0.0001 = 0.01 %). `zscore_30d` is NaN when the 30-day window has
    fewer than two settlements or no variation; interval-derived fields are None when the
    interval is neither known nor inferable (fewer than two settlements).
    """

    symbol: str
    as_of_ms: int
    current_rate: float
    current_time_ms: int
    avg_7d: float
    settlements_7d: int
    zscore_30d: float
    settlements_30d: int
    interval_hours: int | None
    interval_source: str
    next_settlement_ms: int | None
    annualized: float | None


def check_interval_hours(hours: object) -> int:
    """Bybit's intervals; anything else is a unit mix-up (minutes, seconds) we must not use."""
    if isinstance(hours, bool) or hours not in FUNDING_INTERVALS_HOURS:
        allowed = ", ".join(str(h) for h in FUNDING_INTERVALS_HOURS)
        raise ValueError(f"funding interval must be one of {allowed} hours, got {hours!r}")
    return int(hours)


def infer_interval_hours(times_ms: np.ndarray, lookback: int = SPACING_LOOKBACK) -> int | None:
    """The funding interval implied by the latest settlement times, or None if there are < 2.

    The last spacing alone is fragile: a missed settlement doubles it, and the data we hold
    has such gaps. So: if the last two spacings agree on a valid interval, that is it (an
    interval change is picked up after its second settlement); otherwise the most common valid
    spacing of the last `lookback` wins, ties going to the most recent.
    """
    spacings = _hours(np.diff(np.asarray(times_ms, dtype=np.int64)[-(lookback + 1) :]))
    return _interval_from_spacings(spacings)


def _hours(diffs_ms: np.ndarray) -> list[int]:
    return [int(h) for h in np.rint(diffs_ms / HOUR_MS)]


def _interval_from_spacings(spacings: list[int]) -> int | None:
    valid = [h for h in spacings if h in FUNDING_INTERVALS_HOURS]
    if not valid:
        return None
    if len(spacings) >= 2 and spacings[-1] == spacings[-2] and spacings[-1] in valid:
        return spacings[-1]
    counts = Counter(valid)
    top = max(counts.values())
    return next(h for h in reversed(valid) if counts[h] == top)


def interval_per_settlement(times_ms: np.ndarray) -> list[int | None]:
    """For each settlement, the interval in force when it settled (inferred as of that row)."""
    spacings = _hours(np.diff(np.asarray(times_ms, dtype=np.int64)))
    out: list[int | None] = [None]
    for i in range(1, len(spacings) + 1):
        out.append(_interval_from_spacings(spacings[max(0, i - SPACING_LOOKBACK) : i]))
    return out[: len(times_ms)]


def next_settlement_ms(last_settlement_ms: int, as_of_ms: int, interval_hours: int) -> int:
    """First settlement strictly after `as_of_ms` on the schedule of the last settlement."""
    step = check_interval_hours(interval_hours) * HOUR_MS
    return last_settlement_ms + ((as_of_ms - last_settlement_ms) // step + 1) * step


def annualize(rate: float, interval_hours: int) -> float:
    """Per-settlement rate as a yearly rate (settlements per day x 365), not compounded."""
    return rate * (24 / check_interval_hours(interval_hours)) * 365


def funding_snapshot(
    symbol: str,
    history: FundingHistory,
    as_of_ms: int,
    known_interval_hours: int | None = None,
) -> FundingSnapshot:
    """Current rate, 7-day mean, 30-day z-score, interval, next settlement and annualised rate."""
    if known_interval_hours is not None:
        check_interval_hours(known_interval_hours)
    end = int(np.searchsorted(history.time_ms, as_of_ms, side="right"))
    if end == 0:
        raise ValueError(f"no funding settlement of {symbol} at or before {as_of_ms}")
    times, rates = history.time_ms[:end], history.rate[:end]
    current, current_time = float(rates[-1]), int(times[-1])
    week = rates[times > as_of_ms - 7 * DAY_MS]
    month = rates[times > as_of_ms - 30 * DAY_MS]
    interval: int | None
    if known_interval_hours is not None:
        interval, source = known_interval_hours, "instrument"
    else:
        interval = infer_interval_hours(times)
        source = "inferred" if interval is not None else "unknown"
    return FundingSnapshot(
        symbol=symbol,
        as_of_ms=as_of_ms,
        current_rate=current,
        current_time_ms=current_time,
        avg_7d=float(week.mean()) if len(week) else math.nan,
        settlements_7d=len(week),
        zscore_30d=_zscore(current, month),
        settlements_30d=len(month),
        interval_hours=interval,
        interval_source=source,
        next_settlement_ms=None
        if interval is None
        else next_settlement_ms(current_time, as_of_ms, interval),
        annualized=None if interval is None else annualize(current, interval),
    )


_PINNED_RELATIVE = 1e-9
_TINY_RATE = 1e-12


def _zscore(current: float, window: np.ndarray) -> float:
    """NaN when the window does not vary: summing a pinned rate (e.g. 0.01 % for 30 days) leaves
    floating-point residue of ~1e-20 in the deviation, which would turn noise into a z-score."""
    if len(window) < 2:
        return math.nan
    mean = float(window.mean())
    std = float(window.std(ddof=1))
    if not math.isfinite(std) or std <= _PINNED_RELATIVE * max(abs(mean), _TINY_RATE):
        return math.nan
    return (current - mean) / std


def funding_payment(position_value: Money, rate: Money, side: str) -> Money:
    """Funding a position receives at one settlement (negative: it pays).

    Bybit charges position value x rate: with a positive rate longs pay shorts, with a
    negative rate shorts pay longs. `position_value` is the absolute value (size x mark price).
    This checks the input; the rule itself is the fill model's, shared with the simulator.
    """
    if not position_value >= 0 or not math.isfinite(position_value):
        raise ValueError(f"position value must be a finite number >= 0, got {position_value!r}")
    if not math.isfinite(rate):
        raise ValueError(f"funding rate must be finite, got {rate!r}")
    direction = side.strip().lower() if isinstance(side, str) else side
    if direction in ("long", "buy", "short", "sell"):
        return fills.funding_payment(position_value, rate, is_long=direction in ("long", "buy"))
    raise ValueError(f"side must be long/buy or short/sell, got {side!r}")


def funding_symbols(dataset: DataSet) -> list[str]:
    """Symbols that have a funding file in the data set."""
    names = {
        path.name.removesuffix(".csv.gz")
        for directory in dataset.dirs
        for path in (directory / "funding").glob("*.csv.gz")
    }
    return sorted(names)


def dataset_snapshots(dataset: DataSet, as_of_ms: int | None = None) -> list[FundingSnapshot]:
    """A snapshot per symbol with settlements at or before `as_of_ms`.

    `as_of_ms` defaults to the end of the data: the latest settlement of any symbol.
    """
    histories = {s: dataset.funding(s) for s in funding_symbols(dataset)}
    histories = {s: h for s, h in histories.items() if len(h)}
    if as_of_ms is None:
        if not histories:
            return []
        as_of_ms = max(int(h.time_ms[-1]) for h in histories.values())
    return [
        funding_snapshot(symbol, history, as_of_ms)
        for symbol, history in histories.items()
        if history.time_ms[0] <= as_of_ms
    ]
