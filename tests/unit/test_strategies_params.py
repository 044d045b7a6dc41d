"""Strategy parameters, the registry and warm-up lengths: bad input is refused with a message
naming what is wrong, and nothing is half-applied."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from candles import from_closes, ohlc

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.strategies import (
    STRATEGIES,
    MarketHistory,
    PositionSide,
    StrategyConfigError,
    get_strategy,
)
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.window import Window


def test_the_four_strategies_and_their_reference_allocation() -> None:
    """Plus ema_cross, the backtest's reference strategy: no allocation, never traded live."""
    assert list(STRATEGIES) == ["trend", "scalper", "carry", "momentum", "ema_cross"]
    allocation = {name: cls.default_allocation_pct for name, cls in STRATEGIES.items()}
    assert allocation == {"trend": 30.0, "scalper": 20.0, "carry": 20.0, "momentum": 30.0,
                          "ema_cross": 0.0}  # fmt: skip
    assert sum(allocation.values()) == 100.0
    timeframes = {name: tuple(map(str, cls.timeframes)) for name, cls in STRATEGIES.items()}
    assert timeframes == {
        "trend": ("4h", "1d"),
        "scalper": ("15m", "1h"),
        "carry": ("1h",),
        "momentum": ("1d",),
        "ema_cross": ("15m",),
    }


def test_unknown_strategy_lists_the_known_ones() -> None:
    known = "unknown strategy 'grid'; known: trend, scalper, carry, momentum, ema_cross"
    with pytest.raises(StrategyConfigError, match=known):
        get_strategy("grid")
    assert get_strategy(" Trend ").id == "trend"


@pytest.mark.parametrize(
    ("name", "overrides", "message"),
    [
        ("trend", {"stop_atr_mult": -2.0}, "'stop_atr_mult' must be greater than 0 (got -2.0)"),
        ("scalper", {"trail_atr_mult": 0}, "'trail_atr_mult' must be greater than 0"),
        ("carry", {"stop_atr_mult": "2.5"}, "'stop_atr_mult' must be a valid number (got '2.5')"),
        ("trend", {"ema_fast": 9.0}, "'ema_fast' must be a valid integer (got 9.0)"),
        ("scalper", {"time_stop_bars": True}, "'time_stop_bars' must be a valid integer"),
        ("carry", {"require_open_interest": "no"}, "'require_open_interest' must be a valid"),
        ("momentum", {"basket_size": 0}, "'basket_size' must be greater than or equal to 1"),
        ("trend", {"leverage": 5}, "'leverage' must be less than or equal to 3"),
        ("trend", {"take_profit_style": "moon"}, "'take_profit_style' must be 'trail' or"),
        ("trend", {"stop_atr_multiple": 2}, "unknown parameter 'stop_atr_multiple'; valid"),
        ("carry", {"stop_atr_mult": float("nan")}, "'stop_atr_mult' must be"),
        ("trend", {"ema_fast": 30}, "'ema_fast' (30) must be below 'ema_slow' (21)"),
        ("carry", {"exit_zscore_band": 2.0}, "'exit_zscore_band' must be below 'zscore_entry'"),
        ("momentum", {"benchmark": "btcusdt"}, "'benchmark' must match pattern"),
        ("momentum", {"benchmark": "BTC"}, "'benchmark' must have at least 5 characters"),
    ],
)
def test_bad_overrides_name_the_parameter(
    name: str, overrides: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError) as caught:
        get_strategy(name, overrides)
    assert isinstance(caught.value, StrategyConfigError)
    assert str(caught.value).startswith(f"{name}: ")
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_overrides_must_be_a_mapping() -> None:
    with pytest.raises(StrategyConfigError, match="must be a mapping"):
        get_strategy("trend", [("stop_atr_mult", 3)])  # type: ignore[arg-type]


def test_valid_overrides_apply_and_leave_the_original_alone() -> None:
    base = get_strategy("trend")
    wider = base.with_overrides({"stop_atr_mult": 3, "take_profit_style": "fixed"})
    assert wider.params.stop_atr_mult == 3.0 and isinstance(wider.params.stop_atr_mult, float)
    assert base.params.stop_atr_mult == 2.0
    assert wider.policy.trail_start is None and base.policy.trail_start is not None
    with pytest.raises(StrategyConfigError):
        wider.with_overrides({"stop_atr_mult": 1, "ema_fast": 99})  # one bad: none applied
    assert wider.params.stop_atr_mult == 3.0
    with pytest.raises(Exception, match="frozen"):
        base.params.stop_atr_mult = 5  # type: ignore[misc]


def test_defaults_are_the_reference_numbers() -> None:
    trend = get_strategy("trend").params
    assert (trend.daily_ema_period, trend.adx_period, trend.adx_entry_above) == (50, 14, 25.0)
    assert (trend.ema_fast, trend.ema_slow, trend.volume_mult) == (9, 21, 1.2)
    assert (trend.stop_atr_mult, trend.take_profit_atr_mult, trend.trail_atr_mult) == (2, 3, 1.5)
    scalper = get_strategy("scalper").params
    assert (scalper.bb_period, scalper.bb_mult, scalper.rsi_period) == (20, 2.0, 7)
    assert (scalper.stop_atr_mult, scalper.trail_atr_mult, scalper.time_stop_bars) == (1.5, 0.5, 12)
    carry = get_strategy("carry").params
    assert (carry.zscore_entry, carry.avg_rate_threshold_8h, carry.exit_zscore_band) == (
        1.5,
        0.0001,
        0.5,
    )
    momentum = get_strategy("momentum").params
    assert (momentum.basket_size, momentum.drawdown_exclude_pct) == (5, 60.0)
    assert StrategyParams.model_config["strict"] is True


def test_warmup_lengths_leave_one_percent_of_a_seed() -> None:
    """Hand arithmetic: an EMA(n) needs n + ceil(ln 100 / -ln(1 - 2/(n+1))) bars, Wilder's
    smoothing (RSI, ATR) n + 1 + ceil(ln 100 / -ln(1 - 1/n)); ADX 2n + m with
    (m + 1)(1 - 1/n)^m <= 0.01; the RSI inside Stochastic RSI settles to 1e-4; at least 150."""
    assert get_strategy("trend").warmup_bars == {
        Interval.H4: 150,  # the floor: RSI/ATR(14) need 15 + ceil(62.14), EMA(21) + 1: 21 + 49 + 1
        Interval.D1: 166,  # EMA(50): 50 + ceil(115.14); ADX(14): 28 + 128 = 156
    }
    assert get_strategy("scalper").warmup_bars == {
        Interval.M15: 158,  # RSI(14) to 1e-4: 15 + 125, + 13 + 2 + 2, + 1 for the cross
        Interval.H1: 166,
    }
    assert get_strategy("carry").warmup_bars == {Interval.H1: 150}  # RSI, ATR: 78, the floor
    assert get_strategy("momentum").warmup_bars == {Interval.D1: 166}
    slow = get_strategy("trend", {"ema_slow": 200, "adx_period": 30})
    assert slow.warmup_bars[Interval.H4] == 662  # 200 + ceil(460.5) + 1
    assert slow.windows[Interval.H4] == Window(662, 795)  # a fifth longer than 200 allows
    assert get_strategy("trend").windows == {
        Interval.H4: Window(150, 200),
        Interval.D1: Window(166, 200),
    }
    assert get_strategy("carry").funding_history_ms == 31 * 86_400_000 + 5 * 60_000
    assert get_strategy("carry").open_interest_history_ms == 40 * 3_600_000 + 5 * 60_000


def _candles(starts: list[int]) -> Candles:
    """Candles at the given open times, every price and volume 1."""
    ones = np.ones(len(starts))
    return ohlc(ones, ones, ones, ones, times=starts)


def test_bad_histories_are_refused_with_the_reason() -> None:
    hour = Interval.H1.ms
    with pytest.raises(ValueError, match="BTCUSDT 1h candles must be strictly ascending"):
        MarketHistory("BTCUSDT", {Interval.H1: _candles([2 * hour, hour])})
    with pytest.raises(ValueError, match="not on the 1h grid"):
        MarketHistory("BTCUSDT", {Interval.H1: _candles([hour + 60_000])})
    with pytest.raises(ValueError, match="funding interval must be one of"):
        MarketHistory("BTCUSDT", {}, funding_interval_hours=3)
    ok = MarketHistory("BTCUSDT", {Interval.H1: _candles([hour, 2 * hour])})
    with pytest.raises(ValueError, match="trend needs 4h candles for BTCUSDT; given: 1h"):
        get_strategy("trend").frames({"BTCUSDT": ok})
    with pytest.raises(ValueError, match="history for BTCUSDT passed under the key ETHUSDT"):
        get_strategy("carry").frames({"ETHUSDT": ok})


def test_explain_is_json_for_the_signal_log() -> None:
    """Conditions and values of a row, NaN as null; carry without funding data explains why."""
    n = 400
    prices = 100 + np.sin(np.arange(n) / 7)
    candles = from_closes(prices, step=Interval.H1, spread=1.0, volume=10.0, turnover=1000.0)
    history = MarketHistory("XUSDT", {Interval.H1: candles})
    frame = get_strategy("carry").frames({"XUSDT": history})["XUSDT"]
    details = json.loads(json.dumps(frame.explain(-1)))
    assert details["values"]["funding_z"] is None
    assert details["values"]["rsi"] == pytest.approx(frame.values["rsi"][-1])
    assert details["conditions"]["funding_z>1.5"] is False
    assert details["settled"] is False  # no funding history: never settled
    assert "funding_z>1.5" in frame.failed(-1, PositionSide.SHORT)
