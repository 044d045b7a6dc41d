"""Calendar-period returns and the rows of `strategy_performance` (pure).

Periods are UTC calendar periods: days, ISO weeks (Monday 00:00 UTC, the momentum rebalance
time) and months. A point at exactly a period's start belongs to the new period. A period's
return is its close (last point before its end) over its open (the previous period's close, or
the curve's first point for the first period) minus 1.

Rows, one per (scope, period, as_of):

- `daily` / `weekly` / `monthly`, as_of = the period's start: the period's return, the max
  drawdown inside it (from its open), and the trades closed in it (count, win rate, profit
  factor). Sharpe, Sortino and Calmar are left empty: a handful of daily returns is noise.
- `all`, as_of = the start of the current UTC day: everything since the first point (total
  return, Sharpe, Sortino, Calmar, max drawdown, trades). One row per day, updated in place by
  every snapshot that day, so the table keeps a daily history of the since-inception figures.

`performance_rows` returns the current period of each kind and `periods_back` earlier ones, so
the last snapshot of a day still finalises that day's row after midnight. A value that cannot be
stored in its NUMERIC column (say the Calmar ratio of a two-day-old account) becomes None.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import DAY_MS
from algotrading.domain.performance import PerformanceRow, Period
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.portfolio import metrics

_WEEK_MS = 7 * DAY_MS
_EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)


def period_start(ms: int, period: Period | str) -> int:
    """Start (UTC ms) of the calendar period containing `ms`."""
    period = Period(period)
    day = ms // DAY_MS
    if period is Period.DAILY:
        return day * DAY_MS
    if period is Period.WEEKLY:
        return (day - (day + _EPOCH_WEEKDAY) % 7) * DAY_MS
    if period is Period.MONTHLY:
        dt = ms_to_datetime(ms)
        return datetime_to_ms(datetime(dt.year, dt.month, 1, tzinfo=UTC))
    raise ValueError("the 'all' period has no calendar start")


def next_period_start(start_ms: int, period: Period | str) -> int:
    period = Period(period)
    if period is Period.DAILY:
        return start_ms + DAY_MS
    if period is Period.WEEKLY:
        return start_ms + _WEEK_MS
    dt = ms_to_datetime(start_ms)
    year, month = (dt.year + 1, 1) if dt.month == 12 else (dt.year, dt.month + 1)
    return datetime_to_ms(datetime(year, month, 1, tzinfo=UTC))


@dataclass(frozen=True, slots=True)
class PeriodReturn:
    start_ms: int
    end_ms: int
    value: float | None


def period_returns(
    times_ms: npt.ArrayLike, equity: npt.ArrayLike, period: Period | str
) -> list[PeriodReturn]:
    """The return of every calendar period from the first point's to the last point's."""
    t, e = metrics.as_curve(times_ms, equity)
    result = []
    start = period_start(int(t[0]), period)
    while start <= t[-1]:
        end = next_period_start(start, period)
        result.append(PeriodReturn(start, end, _window_return(t, e, start, end)))
        start = end
    return result


def _window(t: np.ndarray, e: np.ndarray, start: int, end: int) -> np.ndarray | None:
    """The period's open followed by its points, or None if the curve starts after it."""
    first_in = int(np.searchsorted(t, start, side="left"))
    stop = int(np.searchsorted(t, end, side="left"))
    if first_in > 0:
        return e[first_in - 1 : stop]
    return e[:stop] if stop > 0 else None


def _window_return(t: np.ndarray, e: np.ndarray, start: int, end: int) -> float | None:
    window = _window(t, e, start, end)
    if window is None or window[0] <= 0:
        return None
    return float(window[-1] / window[0] - 1.0)


@dataclass(frozen=True, slots=True)
class ClosedTrade:
    """A finished trade: when it closed and its net PnL (after fees and funding)."""

    close_ms: int
    pnl: float


def performance_rows(
    scope: str,
    times_ms: npt.ArrayLike,
    equity: npt.ArrayLike,
    trades: Sequence[ClosedTrade],
    now_ms: int,
    periods_back: int = 1,
) -> list[PerformanceRow]:
    """Rows for the current and `periods_back` previous periods of each kind, plus `all`.

    Only points and trades up to `now_ms` count; an empty curve gives no rows.
    """
    if periods_back < 0:
        raise ValueError("periods_back must be >= 0")
    t, e = metrics.as_curve(times_ms, equity)
    keep = t <= now_ms
    if not keep.any():
        return []
    t, e = t[keep], e[keep]
    trades = [tr for tr in trades if tr.close_ms <= now_ms]
    rows: list[PerformanceRow] = []
    for period in (Period.DAILY, Period.WEEKLY, Period.MONTHLY):
        start = period_start(now_ms, period)
        starts = [start]
        for _ in range(periods_back):
            starts.insert(0, _previous_start(starts[0], period))
        rows.extend(
            row for s in starts if (row := _period_row(scope, period, t, e, trades, s)) is not None
        )
    rows.append(_all_row(scope, t, e, trades, period_start(now_ms, Period.DAILY)))
    return rows


def _previous_start(start_ms: int, period: Period) -> int:
    return period_start(start_ms - 1, period)


def _period_row(
    scope: str, period: Period, t: np.ndarray, e: np.ndarray, trades: Sequence[ClosedTrade],
    start: int,
) -> PerformanceRow | None:  # fmt: skip
    end = next_period_start(start, period)
    window = _window(t, e, start, end)
    if window is None:
        return None
    closed = [tr.pnl for tr in trades if start <= tr.close_ms < end]
    stats = metrics.trade_stats(closed)
    depth = metrics.max_drawdown(np.arange(len(window)), window).max_drawdown
    ret = float(window[-1] / window[0] - 1.0) if window[0] > 0 else None
    return PerformanceRow(
        scope, period, start, _fit(ret, 8), None, None, None, _fit(depth, 4),
        _fit(stats.win_rate, 2), _fit(stats.profit_factor, 10), stats.count,
    )  # fmt: skip


def _all_row(
    scope: str, t: np.ndarray, e: np.ndarray, trades: Sequence[ClosedTrade], as_of: int
) -> PerformanceRow:
    summary = metrics.summarize(t, e, [tr.pnl for tr in trades])
    return PerformanceRow(
        scope, Period.ALL, as_of, _fit(summary.total_return, 8), _fit(summary.sharpe, 10),
        _fit(summary.sortino, 10), _fit(summary.calmar, 10),
        _fit(summary.drawdown.max_drawdown, 4), _fit(summary.trades.win_rate, 2),
        _fit(summary.trades.profit_factor, 10), summary.trades.count,
    )  # fmt: skip


def _fit(value: float | None, integer_digits: int) -> float | None:
    """None when `value` is missing, not finite, or too large for its NUMERIC column."""
    if value is None or not np.isfinite(value) or abs(value) >= 10.0**integer_digits:
        return None
    return float(value)
