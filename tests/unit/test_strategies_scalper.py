"""Mean-reversion scalper on the bundled Bybit ETHUSDT 15m and 1h candles (2025-09 .. 2026-03):
bars where it must enter and bars where it must not, each re-derived from the raw candles with
direct TA-Lib calls (Stochastic RSI as TradingView defines it, see docs/market-data.md)."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from candles import complete_groups, drift_returns, random_walk
from strategy_support import at, row_at

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, PositionSide, SignalFrame, get_strategy

M15, H1 = Interval.M15, Interval.H1
LITERAL = {"setup_window_bars": 1}
"""The reference read literally (every condition on the signal bar): the bar-by-bar tests below
check that reading; the default window is tested apart."""


def history(symbol: str) -> MarketHistory:
    data = DataSet()
    return MarketHistory(symbol, {M15: data.candles(symbol, M15), H1: data.candles(symbol, H1)})


@pytest.fixture(scope="module")
def eth() -> MarketHistory:
    return history("ETHUSDT")


@pytest.fixture(scope="module")
def frame(eth: MarketHistory) -> SignalFrame:
    return get_strategy("scalper", LITERAL).frames({"ETHUSDT": eth})["ETHUSDT"]


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
    frame = get_strategy("scalper", LITERAL).frames({"BTCUSDT": btc})["BTCUSDT"]
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
    wide = get_strategy("scalper", {"setup_window_bars": 3}).frames({"ETHUSDT": eth})["ETHUSDT"]
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
    literal = get_strategy("scalper", LITERAL)
    wide = get_strategy("scalper", {"setup_window_bars": 3})
    counts = {"literal": 0, "wide": 0}
    for symbol in data.symbols():
        h = {symbol: history(symbol)}
        for name, strategy in (("literal", literal), ("wide", wide)):
            f = strategy.frames(h)[symbol]
            counts[name] += int((f.entry_long | f.entry_short).sum())
    assert 5 <= counts["literal"] <= 30
    assert counts["wide"] > 5 * counts["literal"]


def test_the_default_setup_window_is_four_bars_and_the_literal_reading_stays() -> None:
    """4 is the value chosen on trade counts (docs/STRATEGIES.md section 7); 1 stays valid."""
    assert get_strategy("scalper").params.setup_window_bars == 4
    assert get_strategy("scalper", LITERAL).params.setup_window_bars == 1


START_MS = 1_759_276_800_000  # 2025-10-01 00:00 UTC, on the hour
TREND_BARS = 2600  # 650 hours: past both timeframes' warm-up


def dip(k: int) -> tuple[MarketHistory, int, int]:
    """A hand-built 15m series: a steady uptrend (+0.1 % a bar, seeded noise), six falling bars,
    the washed-out bar s (-4 % on ten times the volume), k - 1 small losses and the bounce (+1 %)
    on bar i = s + k; the 1h candles are its complete hours. Returns (history, s, i)."""
    returns = np.concatenate([
        drift_returns(TREND_BARS, drift=0.001, volatility=0.002, seed=7), np.full(6, -0.003),
        [-0.04], np.full(k - 1, -0.001), [0.01],
    ])  # fmt: skip
    s, i = TREND_BARS + 6, TREND_BARS + 6 + k
    volume = np.full(len(returns), 100.0)
    volume[s] = 1000.0
    c15 = random_walk(returns, start_ms=START_MS, step=M15, wick=0.0005, volume=volume)
    c1h = complete_groups(c15, 4)  # complete hours only
    return MarketHistory("TESTUSDT", {M15: c15, H1: c1h}), s, i


@pytest.mark.parametrize("k", [1, 3, 4, 6])
def test_a_setup_k_bars_before_the_turn_enters_only_within_the_window(k: int) -> None:
    """The setup (close below the lower band, RSI(7) < 25, volume spike) holds on bar s alone and
    the turn (Stochastic RSI K over D from below 20) and the 1H trend on bar i = s + k alone, as
    TA-Lib computes them; the window w admits the setup when it lies among the last w bars,
    i.e. k < w. The literal reading (w = 1) never enters on such a pair."""
    history, s, i = dip(k)
    close, volume = history.candles[M15].close, history.candles[M15].volume
    _, _, lower = talib.BBANDS(close, 20, 2.0, 2.0, 0)
    setup = (close < lower) & (talib.RSI(close, 7) < 25) & (volume > 2 * talib.SMA(volume, 20))
    assert np.flatnonzero(setup[i - 8 : i + 1]).tolist() == [s - (i - 8)]
    _, k_line = talib.STOCHRSI(close, timeperiod=14, fastk_period=14, fastd_period=3)
    d_line = talib.SMA(k_line, 3)
    assert k_line[i] > d_line[i] and k_line[i - 1] < 20
    assert k_line[i - 1] <= d_line[i - 1] + 1e-9  # both ~0, equal but for TA-Lib's residue
    ema = talib.EMA(history.candles[H1].close[: (i + 1) // 4], 50)  # hours closed by bar i
    assert close[i] > ema[-1]
    for window in range(1, 9):
        strategy = get_strategy("scalper", {"setup_window_bars": window})
        frame = strategy.signals({"TESTUSDT": history})["TESTUSDT"]
        assert frame.settled[i]
        assert bool(frame.entry_long[i]) is (k < window), window
    default = get_strategy("scalper").signals({"TESTUSDT": history})["TESTUSDT"]
    assert bool(default.entry_long[i]) is (k < 4)
