"""Trend following on Bybit BTCUSDT 4h candles (2021-11 .. 2025-11): bars where it must enter and
bars where it must not, each re-derived by hand from the raw candles with direct TA-Lib calls.

The daily candles are rebuilt here independently (six 4h bars per UTC day), so the test also
checks which daily candle a 4H bar may see: the one that closed at or before the bar's close.
"""

from __future__ import annotations

import numpy as np
import pytest
import talib
from strategy_support import at, row_at, trend_history
from team_data import DERIVS_TEST

from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.domain.series import Candles
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, PositionSide, SignalFrame, get_strategy


@pytest.fixture(scope="module")
def history() -> MarketHistory:
    return trend_history(DataSet([DERIVS_TEST]), "BTCUSDT")


@pytest.fixture(scope="module")
def btc(history: MarketHistory) -> tuple[Candles, SignalFrame]:
    frame = get_strategy("trend").frames({"BTCUSDT": history})["BTCUSDT"]
    return history.candles[Interval.H4], frame


def hand_values(c4: Candles, close_ms: int) -> dict[str, float]:
    """Every number of the rule at the 4H bar closing at `close_ms`, from raw candles."""
    i = int(np.searchsorted(c4.start_ms, close_ms - Interval.H4.ms))
    assert c4.start_ms[i] + Interval.H4.ms == close_ms
    # daily candles from 00:00 UTC, six 4h bars each; the last one usable closed at or before
    # the 4H bar's close, i.e. the day that started before the bar's close day
    first_day = int(c4.start_ms[0])
    assert first_day % DAY_MS == 0
    days = (close_ms - first_day) // DAY_MS  # complete days closed by close_ms
    rows = days * 6
    shape = (days, 6)
    d_close = c4.close[:rows].reshape(shape)[:, -1]
    d_high = c4.high[:rows].reshape(shape).max(axis=1)
    d_low = c4.low[:rows].reshape(shape).min(axis=1)
    close = c4.close[: i + 1]
    ema9, ema21 = talib.EMA(close, 9), talib.EMA(close, 21)
    return {
        "close": float(close[-1]),
        "ema50_1d": float(talib.EMA(d_close, 50)[-1]),
        "adx_1d": float(talib.ADX(d_high, d_low, d_close, 14)[-1]),
        "ema9": float(ema9[-1]),
        "ema21": float(ema21[-1]),
        "ema9_prev": float(ema9[-2]),
        "ema21_prev": float(ema21[-2]),
        "rsi": float(talib.RSI(close, 14)[-1]),
        "volume": float(c4.volume[i]),
        "volume_avg": float(c4.volume[i - 19 : i + 1].mean()),
        "atr": float(talib.ATR(c4.high[: i + 1], c4.low[: i + 1], close, 14)[-1]),
    }


def test_long_entry_at_a_midnight_bar_uses_the_day_that_just_closed(
    btc: tuple[Candles, SignalFrame],
) -> None:
    c4, frame = btc
    t = at("2023-11-16T00:00Z")  # the 20:00-24:00 bar; the daily candle of 11-15 closes with it
    v = hand_values(c4, t)
    assert v["close"] > v["ema50_1d"]
    assert v["adx_1d"] > 25
    assert v["ema9"] > v["ema21"] and v["ema9_prev"] <= v["ema21_prev"]
    assert 40 <= v["rsi"] <= 70
    assert v["volume"] > 1.2 * v["volume_avg"]
    i = row_at(frame, "2023-11-16T00:00Z")
    assert frame.entry_long[i] and not frame.entry_short[i]
    assert frame.failed(i, PositionSide.LONG) == []
    assert frame.values["ema50_1d"][i] == pytest.approx(v["ema50_1d"], rel=1e-12)
    assert frame.values["adx_1d"][i] == pytest.approx(v["adx_1d"], rel=1e-12)
    assert frame.stop_distance[i] == pytest.approx(2.0 * v["atr"], rel=1e-12)
    assert frame.take_profit_distance[i] == pytest.approx(3.0 * v["atr"], rel=1e-12)
    assert frame.trail_distance[i] == pytest.approx(1.5 * v["atr"], rel=1e-12)
    assert frame.settled[i]


def test_the_previous_4h_bar_sees_the_day_before(btc: tuple[Candles, SignalFrame]) -> None:
    """20:00 on 11-15 must not see the daily candle of 11-15 (it closes four hours later)."""
    c4, frame = btc
    t = at("2023-11-15T20:00Z")
    i = frame.index_of(t)
    assert frame.values["ema50_1d"][i] == pytest.approx(hand_values(c4, t)["ema50_1d"], rel=1e-12)
    assert frame.values["ema50_1d"][i] != frame.values["ema50_1d"][i + 1]


def test_short_entry(btc: tuple[Candles, SignalFrame]) -> None:
    c4, frame = btc
    v = hand_values(c4, at("2023-08-24T20:00Z"))
    assert v["close"] < v["ema50_1d"]
    assert v["adx_1d"] > 25
    assert v["ema9"] < v["ema21"] and v["ema9_prev"] >= v["ema21_prev"]
    assert 30 <= v["rsi"] <= 60
    assert v["volume"] > 1.2 * v["volume_avg"]
    i = row_at(frame, "2023-08-24T20:00Z")
    assert frame.entry_short[i] and not frame.entry_long[i]
    assert frame.stop_distance[i] == pytest.approx(2.0 * v["atr"], rel=1e-12)


def test_no_short_when_volume_is_above_average_but_not_1_2x(
    btc: tuple[Candles, SignalFrame],
) -> None:
    c4, frame = btc
    v = hand_values(c4, at("2024-07-12T04:00Z"))
    assert v["close"] < v["ema50_1d"] and v["adx_1d"] > 25 and 30 <= v["rsi"] <= 60
    assert v["ema9"] < v["ema21"] and v["ema9_prev"] >= v["ema21_prev"]
    assert v["volume_avg"] < v["volume"] <= 1.2 * v["volume_avg"]  # 1.056x: not enough
    i = row_at(frame, "2024-07-12T04:00Z")
    assert not frame.entry_short[i]
    assert frame.failed(i, PositionSide.SHORT) == ["volume>1.2x_avg"]


def test_no_long_when_the_daily_trend_is_weak(btc: tuple[Candles, SignalFrame]) -> None:
    c4, frame = btc
    v = hand_values(c4, at("2023-10-16T00:00Z"))
    assert v["close"] > v["ema50_1d"]
    assert v["ema9"] > v["ema21"] and v["ema9_prev"] <= v["ema21_prev"]
    assert 40 <= v["rsi"] <= 70 and v["volume"] > 1.2 * v["volume_avg"]
    assert v["adx_1d"] <= 25
    i = row_at(frame, "2023-10-16T00:00Z")
    assert not frame.entry_long[i]
    assert frame.failed(i, PositionSide.LONG) == ["adx_1d>25"]


def test_exits_are_the_opposite_cross_or_adx_below_20(btc: tuple[Candles, SignalFrame]) -> None:
    c4, frame = btc
    fast, slow = talib.EMA(c4.close, 9), talib.EMA(c4.close, 21)
    down = np.zeros(len(c4), dtype=bool)
    down[1:] = (fast[1:] < slow[1:]) & (fast[:-1] >= slow[:-1])
    weak = frame.values["adx_1d"] < 20
    np.testing.assert_array_equal(frame.exit_long, down | weak)
    assert weak.any() and down.any()
    assert not (frame.entry_long & frame.exit_long).any()


def test_entries_are_exactly_the_conjunction_of_named_conditions(
    btc: tuple[Candles, SignalFrame],
) -> None:
    _, frame = btc
    for side, names, entries in (
        (PositionSide.LONG, frame.long_entry, frame.entry_long),
        (PositionSide.SHORT, frame.short_entry, frame.entry_short),
    ):
        np.testing.assert_array_equal(
            entries, np.logical_and.reduce([frame.conditions[n] for n in names])
        )
        assert len(names) == 6, side  # five rules + a usable stop distance
    assert 10 <= frame.entry_long.sum() <= 60
    assert 10 <= frame.entry_short.sum() <= 60


def test_fixed_take_profit_style_has_no_trail(history: MarketHistory) -> None:
    strategy = get_strategy("trend", {"take_profit_style": "fixed"})
    assert strategy.policy.trail_start is None
    frame = strategy.frames({"BTCUSDT": history})["BTCUSDT"]
    assert np.isnan(frame.trail_distance).all()
    assert np.isfinite(frame.take_profit_distance[frame.entry_long]).all()
