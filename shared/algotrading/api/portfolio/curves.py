"""Equity curves and performance metrics of one account, as the snapshot job stored them.

A range counts back from the account's newest snapshot, which for a running account is now
(snapshots come every 5 minutes) and for a replayed or stopped one is its last day: a "1d"
chart is never empty only because the account stopped. Performance rows are those
`portfolio.performance` computed at each snapshot (`db.performance`), the newest of each
period kind; nothing is recomputed here.
"""

from __future__ import annotations

from datetime import datetime

import psycopg

from algotrading.api.errors import bad_request
from algotrading.api.schemas.portfolio import (
    CurvePoint,
    CurveRange,
    CurveSeries,
    EquityCurve,
    Performance,
    PerformanceOut,
)
from algotrading.db.performance import load_performance
from algotrading.db.snapshots import latest_snapshots, load_snapshots
from algotrading.domain.intervals import DAY_MS
from algotrading.domain.performance import Period
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.strategies.registry import sleeve_ids

RANGE_MS = {
    CurveRange.DAY: DAY_MS, CurveRange.WEEK: 7 * DAY_MS, CurveRange.MONTH: 30 * DAY_MS,
    CurveRange.QUARTER: 91 * DAY_MS, CurveRange.ALL: None,
}  # fmt: skip


def _window(
    newest_ms: int | None, span: CurveRange, start: datetime | None, end: datetime | None
) -> tuple[int | None, int | None]:
    """(start, end) in ms: explicit times win over the range."""
    if start is not None or end is not None:
        lo = None if start is None else datetime_to_ms(start)
        hi = None if end is None else datetime_to_ms(end)
        if lo is not None and hi is not None and lo > hi:
            raise bad_request("start must not be after end", "start")
        return lo, hi
    back = RANGE_MS[span]
    if newest_ms is None or back is None:
        return None, None
    return newest_ms - back, newest_ms


def equity_curve(
    conn: psycopg.Connection, account_id: int, span: CurveRange,
    start: datetime | None, end: datetime | None,
) -> EquityCurve:  # fmt: skip
    """The portfolio's curve and each strategy's, oldest point first."""
    newest = latest_snapshots(conn, account_id).get(PORTFOLIO)
    lo, hi = _window(None if newest is None else newest.time_ms, span, start, end)
    series = []
    for scope in (PORTFOLIO, *sleeve_ids()):
        rows = load_snapshots(conn, account_id, scope, lo, hi)
        points = [CurvePoint(time=ms_to_datetime(r.time_ms), equity=r.equity) for r in rows]
        if points:
            series.append(CurveSeries(scope=scope, points=points))
    return EquityCurve(
        start=None if lo is None else ms_to_datetime(lo),
        end=None if hi is None else ms_to_datetime(hi), series=series,
    )  # fmt: skip


def performance(conn: psycopg.Connection, account_id: int, scope: str) -> Performance:
    """The newest stored row of each period kind of one scope (none before the first
    snapshot)."""
    periods = []
    for period in (Period.ALL, Period.DAILY, Period.WEEKLY, Period.MONTHLY):
        for row in load_performance(conn, account_id, scope, period, limit=1):
            periods.append(
                PerformanceOut(
                    period=row.period, as_of=ms_to_datetime(row.as_of_ms),
                    period_return=row.period_return, sharpe=row.sharpe, sortino=row.sortino,
                    calmar=row.calmar, max_drawdown=row.max_drawdown, win_rate=row.win_rate,
                    profit_factor=row.profit_factor, trade_count=row.trade_count,
                )
            )  # fmt: skip
    return Performance(scope=scope, periods=periods)
