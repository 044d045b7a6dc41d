"""UTC calendar periods, their returns, and the strategy_performance rows built from them."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from algotrading.domain.intervals import DAY_MS, HOUR_MS
from algotrading.domain.performance import Period
from algotrading.domain.timefmt import parse_time
from algotrading.portfolio.performance import (
    ClosedTrade,
    next_period_start,
    performance_rows,
    period_returns,
    period_start,
)

T0 = parse_time("2024-01-01")  # a Monday


def _at(day: float, hour: float = 0) -> int:
    return T0 + int(day * DAY_MS) + int(hour * HOUR_MS)


@pytest.mark.parametrize(
    ("moment", "period", "start"),
    [
        ("2024-01-03T12:00:00Z", "weekly", "2024-01-01"),  # Wednesday -> Monday
        ("2024-01-07T23:59:59Z", "weekly", "2024-01-01"),  # Sunday night, same week
        ("2024-01-08T00:00:00Z", "weekly", "2024-01-08"),  # Monday 00:00 opens a new week
        ("2024-02-29T18:00:00Z", "monthly", "2024-02-01"),
        ("2024-02-29T18:00:00Z", "daily", "2024-02-29"),
        ("1970-01-01T05:00:00Z", "weekly", "1969-12-29"),
    ],
)
def test_period_start(moment: str, period: str, start: str) -> None:
    assert period_start(parse_time(moment), period) == parse_time(start)


def test_next_period_rolls_over_the_year() -> None:
    assert next_period_start(parse_time("2024-12-01"), Period.MONTHLY) == parse_time("2025-01-01")
    assert next_period_start(T0, "weekly") == parse_time("2024-01-08")
    with pytest.raises(ValueError, match="no calendar start"):
        period_start(T0, Period.ALL)


def test_daily_returns_per_period_with_a_gap_day() -> None:
    times = [_at(0, 9), _at(0, 23), _at(1, 1), _at(1, 22), _at(2, 12), _at(4, 6)]
    equity = [95, 100, 103, 101, 98.98, 101.9494]
    result = period_returns(times, equity, "daily")
    assert [r.start_ms for r in result] == [_at(d) for d in range(5)]
    # the first day opens at its first point; later days at the previous day's close
    expected = [100 / 95 - 1, 0.01, -0.02, 0.0, 0.03]
    assert [r.value for r in result] == pytest.approx(expected)


def test_weekly_and_monthly_returns() -> None:
    times = [_at(0), _at(6, 23), _at(7), _at(9)]
    weeks = period_returns(times, [100, 110, 105, 99], "weekly")
    assert [(w.start_ms, w.end_ms) for w in weeks] == [(_at(0), _at(7)), (_at(7), _at(14))]
    assert [w.value for w in weeks] == pytest.approx([0.1, -0.1])  # 110/100, then 99/110
    months = period_returns(
        [parse_time("2024-01-31"), parse_time("2024-02-15"), parse_time("2024-03-01")],
        [100, 120, 90],
        "monthly",
    )
    assert [m.value for m in months] == pytest.approx([0.0, 0.2, -0.25])


def test_performance_rows_by_hand() -> None:
    now = _at(1, 12)
    times = [_at(0), _at(0, 12), _at(1), _at(1, 6), _at(1, 12), _at(1, 18)]
    equity = [1000, 1010, 990, 1020, 1030, 5000]  # the 18:00 point is after `now`
    trades = [ClosedTrade(_at(0, 10), 10), ClosedTrade(_at(1, 3), -5),
              ClosedTrade(_at(1, 5), 15), ClosedTrade(_at(1, 20), 999)]  # fmt: skip
    rows = performance_rows("trend", times, equity, trades, now)
    assert [(r.period, r.as_of_ms) for r in rows] == [
        (Period.DAILY, _at(0)), (Period.DAILY, _at(1)),
        (Period.WEEKLY, _at(0)),  # the week before has no data: no row
        (Period.MONTHLY, _at(0)), (Period.ALL, _at(1)),
    ]  # fmt: skip
    day0, day1, week, month, total = rows
    assert day0.period_return == pytest.approx(0.01)
    assert (day0.max_drawdown, day0.trade_count) == (0.0, 1)
    assert (day0.win_rate, day0.profit_factor) == (1.0, None)
    assert day1.period_return == pytest.approx(1030 / 1010 - 1)
    assert day1.max_drawdown == pytest.approx(20 / 1010)
    assert (day1.trade_count, day1.win_rate, day1.profit_factor) == (2, 0.5, 3.0)
    assert (day1.sharpe, day1.sortino, day1.calmar) == (None, None, None)
    assert week.period_return == pytest.approx(0.03) and week.trade_count == 3
    assert week.profit_factor == pytest.approx(5.0)
    assert replace(month, period=Period.WEEKLY) == week  # January so far = this week so far
    growth = math.exp(math.log(1.03) * 365 / 1.5) - 1  # 1.5 days from the first point
    assert total.period_return == pytest.approx(0.03) and total.sharpe is None  # one return
    assert total.calmar == pytest.approx(growth / (20 / 1010))
    assert total.trade_count == 3


def test_values_too_large_for_their_column_are_dropped() -> None:
    rows = performance_rows("carry", [_at(0), _at(2)], [100, 150], [], _at(2))
    total = rows[-1]
    assert total.period_return == pytest.approx(0.5)
    assert total.calmar is None  # max drawdown 0: undefined anyway
    rows = performance_rows("carry", [_at(0), _at(1), _at(2)], [100, 90, 150], [], _at(2))
    assert rows[-1].calmar is None  # 1.5^182.5 - 1 is about 1e32: not a NUMERIC(16, 6)
    assert rows[-1].max_drawdown == pytest.approx(0.1)


def test_periods_back_and_empty_input() -> None:
    rows = performance_rows("scalper", [_at(0), _at(1, 12)], [1, 2], [], _at(1, 12), 0)
    assert [r.period for r in rows] == ["daily", "weekly", "monthly", "all"]
    assert performance_rows("scalper", [_at(5)], [1.0], [], _at(1)) == []
    with pytest.raises(ValueError, match="periods_back"):
        performance_rows("scalper", [_at(0)], [1.0], [], _at(1), -1)
