"""Mean-reversion scalper on the bundled Bybit ETHUSDT 15m and 1h candles (2025-09 .. 2026-03):
bars where it must enter and bars where it must not, each re-derived from the raw candles with
direct TA-Lib calls (Stochastic RSI as TradingView defines it, see docs/market-data.md)."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from strategy_support import at, row_at

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, PositionSide, SignalFrame, get_strategy

M15, H1 = Interval.M15, Interval.H1


def history(symbol: str) -> MarketHistory:
    data = DataSet()
    return MarketHistory(symbol, {M15: data.candles(symbol, M15), H1: data.candles(symbol, H1)})


@pytest.fixture(scope="module")
def eth() -> MarketHistory:
    return history("ETHUSDT")


@pytest.fixture(scope="module")
def frame(eth: MarketHistory) -> SignalFrame:
    return get_strategy("scalper").signals({"ETHUSDT": eth})["ETHUSDT"]


def hand_values(eth: MarketHistory, close_ms: int) -> dict[str, float]:
    c: Candles = eth.candles[M15]
    i = int(np.searchsorted(c.start_ms, close_ms - M15.ms))
    assert c.start_ms[i] + M15.ms == close_ms
    close = c.close[: i + 1]
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, 0)
    _, k = talib.STOCHRSI(close, timeperiod=14, fastk_period=14, fastd_period=3)
    d = talib.SMA(k, 3)
    h = eth.candles[H1]
    j = int(np.searchsorted(h.start_ms + H1.ms, close_ms, side="right")) - 1  # closed by T
    return {
        "close": float(close[-1]),
        "upper": float(upper[-1]),
        "middle": float(middle[-1]),
        "lower": float(lower[-1]),
        "rsi7": float(talib.RSI(close, 7)[-1]),
        "k": float(k[-1]),
        "d": float(d[-1]),
        "k_prev": float(k[-2]),
        "d_prev": float(d[-2]),
        "volume": float(c.volume[i]),
        "volume_avg": float(c.volume[i - 19 : i + 1].mean()),
        "ema50_1h": float(talib.EMA(h.close[: j + 1], 50)[-1]),
        "ema50_1h_start": float(h.start_ms[j]),
        "atr": float(talib.ATR(c.high[: i + 1], c.low[: i + 1], close, 14)[-1]),
    }


def test_long_entry(eth: MarketHistory, frame: SignalFrame) -> None:
    v = hand_values(eth, at("2025-12-29T10:00Z"))
    assert v["ema50_1h_start"] == at("2025-12-29T09:00Z")  # the hour that closed with this bar
    assert v["close"] < v["lower"]
    assert v["rsi7"] < 25
    assert v["k"] > v["d"] and v["k_prev"] <= v["d_prev"] and v["k_prev"] < 20
    assert v["volume"] > 2 * v["volume_avg"]
    assert v["close"] > v["ema50_1h"]
    i = row_at(frame, "2025-12-29T10:00Z")
    assert frame.entry_long[i] and not frame.entry_short[i] and frame.settled[i]
    assert frame.values["ema50_1h"][i] == pytest.approx(v["ema50_1h"], rel=1e-12)
    assert frame.values["stoch_k"][i] == pytest.approx(v["k"], abs=1e-9)
    assert frame.stop_distance[i] == pytest.approx(1.5 * v["atr"], rel=1e-12)
    assert frame.target_price[i] == pytest.approx(v["middle"], rel=1e-12)
    assert frame.trail_distance[i] == pytest.approx(0.5 * v["atr"], rel=1e-12)
    assert v["middle"] > v["close"]  # the target is above the entry: a take-profit


def test_short_entry() -> None:
    btc = history("BTCUSDT")
    frame = get_strategy("scalper").signals({"BTCUSDT": btc})["BTCUSDT"]
    v = hand_values(btc, at("2026-03-28T14:00Z"))
    assert v["close"] > v["upper"]
    assert v["rsi7"] > 75
    assert v["k"] < v["d"] and v["k_prev"] >= v["d_prev"] and v["k_prev"] > 80
    assert v["volume"] > 2 * v["volume_avg"]
    assert v["close"] < v["ema50_1h"]
    i = row_at(frame, "2026-03-28T14:00Z")
    assert frame.entry_short[i] and not frame.entry_long[i]
    assert frame.target_price[i] == pytest.approx(v["middle"], rel=1e-12)
    assert v["middle"] < v["close"]


def test_no_short_on_a_cross_made_of_rounding_residue(
    eth: MarketHistory, frame: SignalFrame
) -> None:
    """K and D both sit at 100; TA-Lib's running sums leave K at 99.99999999999996, which a
    bare `K < D` would read as a bearish cross. It is not one, and a shorter (live) history does
    not even show the residue, so counting it would make live and backtest disagree."""
    v = hand_values(eth, at("2026-01-30T12:00Z"))
    assert v["close"] > v["upper"] and v["rsi7"] > 75 and v["volume"] > 2 * v["volume_avg"]
    assert v["close"] < v["ema50_1h"]
    assert v["k"] < v["d"] and v["d"] - v["k"] < 1e-9  # "below" by float residue only
    i = row_at(frame, "2026-01-30T12:00Z")
    assert not frame.entry_short[i]
    assert frame.failed(i, PositionSide.SHORT) == ["stoch_k crossed below d from above 80"]


def test_no_long_against_the_1h_trend(eth: MarketHistory, frame: SignalFrame) -> None:
    """A textbook oversold bar, but below the 1H EMA(50): a falling knife, no entry."""
    v = hand_values(eth, at("2025-10-30T13:00Z"))
    assert v["close"] < v["lower"] and v["rsi7"] < 25 and v["volume"] > 2 * v["volume_avg"]
    assert v["k"] > v["d"] and v["k_prev"] <= v["d_prev"] and v["k_prev"] < 20
    assert v["close"] < v["ema50_1h"]
    i = row_at(frame, "2025-10-30T13:00Z")
    assert not frame.entry_long[i]
    assert frame.failed(i, PositionSide.LONG) == ["close>ema50_1h"]


def test_no_long_without_the_volume_spike(eth: MarketHistory, frame: SignalFrame) -> None:
    v = hand_values(eth, at("2025-10-27T20:30Z"))
    assert v["close"] < v["lower"] and v["rsi7"] < 25 and v["close"] > v["ema50_1h"]
    assert v["k"] > v["d"] and v["k_prev"] <= v["d_prev"] and v["k_prev"] < 20
    assert v["volume_avg"] < v["volume"] <= 2 * v["volume_avg"]
    i = row_at(frame, "2025-10-27T20:30Z")
    assert frame.failed(i, PositionSide.LONG) == ["volume>2x_avg"]


def test_no_long_while_stochastic_rsi_still_falls(eth: MarketHistory, frame: SignalFrame) -> None:
    v = hand_values(eth, at("2025-10-24T14:30Z"))
    assert v["close"] < v["lower"] and v["rsi7"] < 25 and v["volume"] > 2 * v["volume_avg"]
    assert v["k"] < v["d"]  # no cross yet
    i = row_at(frame, "2025-10-24T14:30Z")
    assert frame.failed(i, PositionSide.LONG) == ["stoch_k crossed above d from below 20"]


def test_exits_when_rsi_is_back_to_neutral(frame: SignalFrame) -> None:
    r = frame.values["rsi"]
    np.testing.assert_array_equal(frame.exit_long, r >= 40)
    np.testing.assert_array_equal(frame.exit_short, r <= 60)


def test_a_setup_window_adds_entries_where_the_turn_comes_a_bar_later(
    eth: MarketHistory, frame: SignalFrame
) -> None:
    wide = get_strategy("scalper", {"setup_window_bars": 3}).signals({"ETHUSDT": eth})["ETHUSDT"]
    assert (wide.entry_long >= frame.entry_long).all()  # every literal entry stays
    assert wide.entry_long.sum() > frame.entry_long.sum()
    setup = (
        wide.conditions["close<bb_lower"]
        & wide.conditions["rsi7<25"]
        & wide.conditions["volume>2x_avg"]
    )
    for i in np.flatnonzero(wide.entry_long):
        assert setup[max(0, i - 2) : i + 1].any()
        assert wide.conditions["stoch_k crossed above d from below 20"][i]
        assert wide.conditions["close>ema50_1h"][i]


def test_the_literal_rule_is_rare_on_real_data() -> None:
    """The documented consequence of the literal same-bar reading (docs/STRATEGIES.md): a few
    entries per symbol in six months; a 3-bar setup window gives several times more."""
    data = DataSet()
    literal, wide = get_strategy("scalper"), get_strategy("scalper", {"setup_window_bars": 3})
    counts = {"literal": 0, "wide": 0}
    for symbol in data.symbols():
        h = {symbol: history(symbol)}
        for name, strategy in (("literal", literal), ("wide", wide)):
            f = strategy.signals(h)[symbol]
            counts[name] += int((f.entry_long | f.entry_short).sum())
    assert 5 <= counts["literal"] <= 30
    assert counts["wide"] > 5 * counts["literal"]
