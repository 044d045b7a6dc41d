"""The position-policy stepper: gaps, double touches, trailing, partial exits, time stops and
indicator exits on hand-made bars whose outcome is known, then every trend trade on real BTC
data walked to its end."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from strategy_support import trend_history
from team_data import DERIVS_TEST

from algotrading.domain.fills import Bar
from algotrading.market.datafiles import DataSet
from algotrading.strategies import (
    ExitAction,
    ExitReason,
    FillTiming,
    PositionPolicy,
    PositionSide,
    PositionState,
    SignalRow,
    TakeProfitMode,
    TrailStart,
    get_strategy,
    open_position,
    step,
)

LONG, SHORT = PositionSide.LONG, PositionSide.SHORT
HOUR = 3_600_000
TREND = get_strategy("trend").policy
SCALPER = get_strategy("scalper").policy
CARRY = get_strategy("carry").policy


def row(
    n: int = 0,
    *,
    stop: float = 2.0,
    tp: float = float("nan"),
    target: float = float("nan"),
    trail: float = float("nan"),
    exit_long: bool = False,
    exit_short: bool = False,
    time_stop: int | None = None,
) -> SignalRow:
    """The frame row of the bar closing n hours after the signal bar."""
    return SignalRow(
        symbol="TESTUSDT", close_ms=n * HOUR, entry_long=n == 0, entry_short=False,
        exit_long=exit_long, exit_short=exit_short, stop_distance=stop,
        take_profit_distance=tp, target_price=target, trail_distance=trail, weight=None,
        time_stop_bars=time_stop, settled=True,
    )  # fmt: skip


def bar(o: float, h: float, lo: float, c: float) -> Bar:
    return Bar(open=o, high=h, low=lo, close=c)


def walk(
    state: PositionState, bars: list[Bar], rows: list[SignalRow], policy: PositionPolicy
) -> tuple[PositionState, list[list[ExitAction]]]:
    out = []
    for b, r in zip(bars, rows, strict=True):
        state, actions = step(state, b, r, policy)
        out.append(actions)
    return state, out


def test_a_gap_through_the_stop_fills_at_the_open() -> None:
    state = open_position(row(stop=2.0, tp=3.0, trail=1.5), 100.0, LONG, TREND)
    assert state.stop == 98.0 and state.take_profit == 103.0
    state, actions = step(state, bar(96.5, 97.0, 95.0, 96.0), row(1), TREND)
    assert actions == [ExitAction(ExitReason.STOP_LOSS, 1.0, FillTiming.INTRABAR, 96.5)]
    assert not state.is_open


def test_a_stop_touched_inside_the_bar_fills_at_the_stop() -> None:
    state = open_position(row(stop=2.0), 100.0, SHORT, CARRY)
    assert state.stop == 102.0
    state, actions = step(state, bar(100.5, 102.4, 99.0, 101.0), row(1), CARRY)
    assert actions == [ExitAction(ExitReason.STOP_LOSS, 1.0, FillTiming.INTRABAR, 102.0)]


def test_stop_and_take_profit_in_one_bar_take_the_stop() -> None:
    fixed = get_strategy("trend", {"take_profit_style": "fixed"}).policy
    state = open_position(row(stop=2.0, tp=3.0), 100.0, LONG, fixed)
    state, actions = step(state, bar(100.0, 104.0, 97.0, 103.5), row(1), fixed)
    assert [a.reason for a in actions] == [ExitReason.STOP_LOSS]
    assert actions[0].price == 98.0


def test_fixed_take_profit_closes_everything_at_the_level() -> None:
    fixed = get_strategy("trend", {"take_profit_style": "fixed"}).policy
    state = open_position(row(stop=2.0, tp=3.0), 100.0, LONG, fixed)
    state, actions = step(state, bar(100.0, 104.0, 99.0, 103.5), row(1), fixed)
    assert actions == [ExitAction(ExitReason.TAKE_PROFIT, 1.0, FillTiming.INTRABAR, 103.0)]


def test_trend_trails_after_the_take_profit_level_is_touched() -> None:
    state = open_position(row(stop=2.0, tp=3.0, trail=1.5), 100.0, LONG, TREND)
    # bar 1 touches 103 (activation) and also dips to 101.5: no trailing exit inside the bar
    # that armed it, the path inside the bar is unknown
    state, actions = step(state, bar(100.0, 103.5, 101.5, 103.0), row(1), TREND)
    assert actions == [] and state.is_open
    assert state.trail_active and state.best_price == 103.5 and state.trail_stop == 102.0
    # bar 2 rises: the trail ratchets up; bar 3 falls back: the trail holds, then is hit
    state, _ = step(state, bar(103.0, 106.0, 104.0, 105.0), row(2), TREND)
    assert state.trail_stop == 104.5
    state, actions = step(state, bar(105.0, 105.5, 104.6, 104.8), row(3), TREND)
    assert actions == [] and state.trail_stop == 104.5  # never loosens
    state, actions = step(state, bar(104.8, 105.0, 104.0, 104.2), row(4), TREND)
    assert actions == [ExitAction(ExitReason.TRAILING_STOP, 1.0, FillTiming.INTRABAR, 104.5)]


def test_without_activation_the_initial_stop_holds() -> None:
    state = open_position(row(stop=2.0, tp=3.0, trail=1.5), 100.0, LONG, TREND)
    state, _ = step(state, bar(100.0, 102.9, 99.0, 102.0), row(1), TREND)
    assert not state.trail_active and state.active_stop() == (98.0, ExitReason.STOP_LOSS)


def test_scalper_takes_half_at_the_middle_band_then_trails_the_rest() -> None:
    first = row(stop=1.5, target=101.0, trail=0.5)
    state = open_position(first, 100.0, LONG, SCALPER)
    assert (state.stop, state.target) == (98.5, 101.0)
    state, actions = step(state, bar(100.0, 101.2, 99.8, 101.1), row(1, target=100.9), SCALPER)
    assert actions == [ExitAction(ExitReason.PARTIAL_TAKE_PROFIT, 0.5, FillTiming.INTRABAR, 101.0)]
    assert state.qty_fraction == 0.5 and state.partial_done
    assert state.trail_active and state.trail_stop == pytest.approx(100.7)
    # the target is not taken a second time, the rest leaves on the trailing stop
    state, actions = step(state, bar(101.0, 101.3, 100.6, 100.8), row(2, target=100.9), SCALPER)
    assert actions == [ExitAction(ExitReason.TRAILING_STOP, 0.5, FillTiming.INTRABAR, 100.7)]
    assert not state.is_open


def test_the_target_follows_the_band_but_only_from_the_next_bar() -> None:
    state = open_position(row(stop=1.5, target=102.0, trail=0.5), 100.0, LONG, SCALPER)
    # bar 1 reaches 101.6 < 102: no partial, although this bar's own middle band is 101.5
    state, actions = step(state, bar(100.0, 101.6, 99.9, 101.0), row(1, target=101.5), SCALPER)
    assert actions == [] and state.target == 101.5
    state, actions = step(state, bar(101.0, 101.55, 100.5, 101.2), row(2, target=101.4), SCALPER)
    assert [a.reason for a in actions] == [ExitReason.PARTIAL_TAKE_PROFIT]
    assert actions[0].price == 101.5


def test_a_target_on_the_losing_side_is_not_a_take_profit() -> None:
    state = open_position(row(stop=1.5, target=99.0, trail=0.5), 100.0, LONG, SCALPER)
    state, actions = step(state, bar(100.0, 100.5, 99.0, 99.5), row(1, target=99.0), SCALPER)
    assert actions == [] and state.is_open


def test_a_gap_through_the_target_fills_the_partial_at_the_open() -> None:
    state = open_position(row(stop=1.5, target=99.5, trail=0.5), 100.0, SHORT, SCALPER)
    assert state.stop == 101.5
    state, actions = step(state, bar(99.0, 99.4, 98.0, 99.2), row(1, target=99.6), SCALPER)
    assert actions == [ExitAction(ExitReason.PARTIAL_TAKE_PROFIT, 0.5, FillTiming.INTRABAR, 99.0)]


def test_time_stop_closes_at_the_next_open_after_twelve_bars() -> None:
    state = open_position(row(stop=1.5, target=103.0, trail=0.5), 100.0, LONG, SCALPER)
    quiet = [bar(100.0, 100.4, 99.6, 100.0)] * 12
    state, actions = walk(state, quiet, [row(n) for n in range(1, 13)], SCALPER)
    assert all(a == [] for a in actions[:11])
    assert actions[11] == [ExitAction(ExitReason.TIME_STOP, 1.0, FillTiming.NEXT_OPEN)]
    assert state.bars_held == 12 and not state.is_open


def test_carry_time_stop_comes_from_the_entry_bar() -> None:
    state = open_position(row(stop=2.0, time_stop=24), 100.0, SHORT, CARRY)
    assert state.time_stop_bars == 24
    quiet = [bar(100.0, 100.4, 99.6, 100.0)] * 24
    state, actions = walk(state, quiet, [row(n) for n in range(1, 25)], CARRY)
    assert actions[22] == [] and actions[23][0].reason is ExitReason.TIME_STOP


def test_an_indicator_exit_closes_at_the_next_open_for_our_side_only() -> None:
    state = open_position(row(stop=2.0, tp=3.0, trail=1.5), 100.0, LONG, TREND)
    calm = bar(100.0, 100.5, 99.5, 100.2)
    state, actions = step(state, calm, row(1, exit_short=True), TREND)
    assert actions == []
    state, actions = step(state, calm, row(2, exit_long=True), TREND)
    assert actions == [ExitAction(ExitReason.SIGNAL, 1.0, FillTiming.NEXT_OPEN)]


def test_partial_and_signal_exit_in_the_same_bar() -> None:
    state = open_position(row(stop=1.5, target=101.0, trail=0.5), 100.0, LONG, SCALPER)
    state, actions = step(state, bar(100.0, 101.2, 99.9, 101.1), row(1, exit_long=True), SCALPER)
    assert [(a.reason, a.fraction) for a in actions] == [
        (ExitReason.PARTIAL_TAKE_PROFIT, 0.5),
        (ExitReason.SIGNAL, 0.5),
    ]


def test_state_round_trips_through_json() -> None:
    state = open_position(row(stop=1.5, target=101.0, trail=0.5), 100.0, SHORT, SCALPER)
    state, _ = step(state, bar(100.0, 100.2, 99.0, 99.5), row(1, target=99.8), SCALPER)
    again = PositionState.from_dict(json.loads(json.dumps(state.as_dict())))
    assert again == state and again.side is SHORT


def test_bad_use_is_refused() -> None:
    with pytest.raises(ValueError, match="stop_distance"):
        open_position(row(stop=float("nan")), 100.0, LONG, TREND)
    with pytest.raises(ValueError, match="stop"):
        open_position(row(stop=150.0), 100.0, LONG, TREND)
    with pytest.raises(ValueError, match="entry price"):
        open_position(row(), 0.0, LONG, TREND)
    state = open_position(row(stop=2.0, tp=3.0, trail=1.5), 100.0, LONG, TREND)
    with pytest.raises(ValueError, match="not after"):
        step(state, bar(100, 101, 99, 100), row(0), TREND)
    closed = replace(state, qty_fraction=0.0)
    with pytest.raises(ValueError, match="closed"):
        step(closed, bar(100, 101, 99, 100), row(1), TREND)
    with pytest.raises(ValueError, match="needs a level"):
        PositionPolicy(partial_fraction=0.5)
    with pytest.raises(ValueError, match="partial_fraction"):
        PositionPolicy(take_profit=TakeProfitMode.TARGET, trail_start=TrailStart.PARTIAL)


def test_every_trend_trade_on_real_btc_data_ends_cleanly() -> None:
    """Enter at the next open after each entry signal and step until the position is closed:
    all of it leaves exactly once, at prices the bars traded, with a trail that only tightens."""
    history = trend_history(DataSet([DERIVS_TEST]), "BTCUSDT")
    strategy = get_strategy("trend")
    frame = strategy.frames({"BTCUSDT": history})["BTCUSDT"]
    c = history.candles[strategy.entry_interval]
    reasons: set[ExitReason] = set()
    for side, flags in ((LONG, frame.entry_long), (SHORT, frame.entry_short)):
        for i in np.flatnonzero(flags & frame.settled)[:-1]:  # the last may run past the data
            state = open_position(frame.row(i), float(c.open[i + 1]), side, strategy.policy)
            closed, j, trail = 0.0, i + 1, None
            while state.is_open and j < len(c):
                b = Bar(c.open[j], c.high[j], c.low[j], c.close[j])
                state, actions = step(state, b, frame.row(j), strategy.policy)
                for a in actions:
                    closed += a.fraction
                    reasons.add(a.reason)
                    if a.timing is FillTiming.INTRABAR:
                        assert a.price is not None and b.low <= a.price <= b.high
                if state.trail_stop is not None and trail is not None:
                    assert side.sign * (state.trail_stop - trail) >= 0
                trail, j = state.trail_stop, j + 1
            assert not state.is_open and closed == pytest.approx(1.0)
    assert {ExitReason.STOP_LOSS, ExitReason.SIGNAL, ExitReason.TRAILING_STOP} <= reasons
