"""Metrics against hand calculations, and their edge cases (flat curve, no losses, ruin)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from algotrading.domain.intervals import DAY_MS, HOUR_MS
from algotrading.domain.timefmt import parse_time
from algotrading.portfolio import metrics

T0 = parse_time("2024-01-01")  # a Monday, 00:00 UTC


def _at(day: float, hour: float = 0) -> int:
    return T0 + int(day * DAY_MS) + int(hour * HOUR_MS)


# day 0 closes at 100 (after 95), day 1 at 101 (after 103), day 2 at 98.98, no point on day 3,
# day 4 at 101.9494: daily closes 100, 101, 98.98, 98.98, 101.9494 -> returns .01 -.02 0 .03
CURVE_T = [_at(0, 9), _at(0, 23), _at(1, 1), _at(1, 22), _at(2, 12), _at(4, 6)]
CURVE_E = [95, 100, 103, 101, 98.98, 101.9494]


def test_daily_returns_resample_to_utc_days_and_fill_gaps() -> None:
    days, closes = metrics.daily_closes(CURVE_T, CURVE_E)
    assert list(days) == [_at(d) for d in range(5)]
    assert list(closes) == [100, 101, 98.98, 98.98, 101.9494]
    returns = metrics.daily_returns(CURVE_T, CURVE_E)
    assert returns == pytest.approx([0.01, -0.02, 0.0, 0.03])


def test_sharpe_and_sortino_by_hand() -> None:
    returns = metrics.daily_returns(CURVE_T, CURVE_E)
    # mean 0.005; squared deviations 2.5e-5 + 6.25e-4 + 2.5e-5 + 6.25e-4 = 1.3e-3 over 3
    sharpe = 0.005 / math.sqrt(1.3e-3 / 3) * math.sqrt(365)
    assert sharpe == pytest.approx(4.588867, abs=1e-6)
    assert metrics.sharpe_ratio(returns) == pytest.approx(sharpe, rel=1e-9)
    # downside: only -0.02 counts: sqrt(0.0004 / 4) = 0.01
    assert metrics.sortino_ratio(returns) == pytest.approx(0.005 / 0.01 * math.sqrt(365))


def test_max_drawdown_depth_and_duration_by_hand() -> None:
    stats = metrics.max_drawdown(CURVE_T, CURVE_E)
    assert stats.max_drawdown == pytest.approx((103 - 98.98) / 103)
    assert (stats.peak_ms, stats.trough_ms, stats.recovery_ms) == (_at(1, 1), _at(2, 12), None)
    assert stats.max_duration_ms == _at(4, 6) - _at(1, 1)  # still under water at the end
    days = [_at(d) for d in range(6)]
    stats = metrics.max_drawdown(days, [100, 120, 90, 110, 130, 117])
    assert stats.max_drawdown == pytest.approx(0.25)  # 120 -> 90
    assert (stats.peak_ms, stats.trough_ms, stats.recovery_ms) == (days[1], days[2], days[4])
    assert stats.max_duration_ms == 3 * DAY_MS  # day 1 to day 4; the 130 -> 117 dip is 1 day


def test_cagr_and_calmar_by_hand() -> None:
    times = [_at(0), _at(365), _at(730)]
    equity = [100, 80, 121]  # 21 % in two years = 10 % a year, after a 20 % drawdown
    assert metrics.cagr(times, equity) == pytest.approx(0.10)
    assert metrics.calmar_ratio(times, equity) == pytest.approx(0.5)
    assert metrics.cagr([_at(0), _at(0, 23)], [100, 110]) is None  # under a day: not annualized


def test_flat_curve_has_no_ratios() -> None:
    days = [_at(d) for d in range(10)]
    summary = metrics.summarize(days, [1000.0] * 10)
    assert (summary.sharpe, summary.sortino, summary.calmar) == (None, None, None)
    assert summary.total_return == 0 and summary.cagr == 0
    assert summary.drawdown == metrics.DrawdownStats(0.0, None, None, None, 0)


def test_only_rising_days_have_a_sharpe_but_no_sortino() -> None:
    days = [_at(d) for d in range(4)]
    returns = metrics.daily_returns(days, [100, 101, 103, 104])
    assert metrics.sharpe_ratio(returns) is not None
    assert metrics.sortino_ratio(returns) is None
    assert metrics.sharpe_ratio([0.01]) is None  # one return: no deviation


def test_returns_stop_at_ruin() -> None:
    days = [_at(d) for d in range(4)]
    assert list(metrics.daily_returns(days, [100, 50, 0, 10])) == [-0.5, -1.0]
    assert metrics.cagr([_at(0), _at(2)], [100, -5]) == -1.0


def test_trade_statistics_by_hand() -> None:
    stats = metrics.trade_stats([10, -5, 0, 20, -15])
    assert (stats.count, stats.wins, stats.losses) == (5, 2, 2)
    assert stats.win_rate == 0.4  # the break-even trade counts, but not as a win
    assert stats.profit_factor == pytest.approx(1.5)  # 30 / 20
    assert (stats.expectancy, stats.avg_win, stats.avg_loss) == (2.0, 15.0, -10.0)


def test_trade_statistics_edge_cases() -> None:
    winners = metrics.trade_stats([5.0, 7.0])
    assert (winners.win_rate, winners.profit_factor, winners.avg_loss) == (1.0, None, None)
    losers = metrics.trade_stats(np.array([-1.0, -3.0]))
    assert (losers.win_rate, losers.profit_factor, losers.avg_win) == (0.0, 0.0, None)
    none = metrics.trade_stats([])
    assert (none.count, none.win_rate, none.profit_factor, none.expectancy) == (0, None, None, None)
    with pytest.raises(ValueError, match="finite"):
        metrics.trade_stats([1.0, float("inf")])


@pytest.mark.parametrize(
    ("times", "equity", "message"),
    [
        ([1, 2], [1.0], "equally long"),
        ([], [], "at least one point"),
        ([2, 1], [1.0, 2.0], "strictly increasing"),
        ([1, 1], [1.0, 2.0], "strictly increasing"),
        ([1, 2], [1.0, float("nan")], "finite"),
    ],
)
def test_bad_curves_are_refused(times: list[int], equity: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metrics.summarize(times, equity)
