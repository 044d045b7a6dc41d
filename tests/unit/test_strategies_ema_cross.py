"""ema_cross, the backtest's reference strategy: its rules on real data, its timeframe parameter,
no look-ahead, and that it can never hold a live sleeve."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import talib
from strategy_support import DERIVS, at, frame_arrays, known_at

from algotrading.domain.allocation import AllocationError, AllocationTable
from algotrading.domain.intervals import Interval
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, StrategyConfigError, get_strategy
from algotrading.strategies.registry import sleeve_ids


@pytest.fixture(scope="module")
def btc(shared_data: Path) -> MarketHistory:
    candles = DataSet([shared_data / DERIVS]).candles("BTCUSDT", Interval.M15)
    return MarketHistory("BTCUSDT", {Interval.M15: candles})


def test_rules_on_real_data(btc: MarketHistory) -> None:
    frame = get_strategy("ema_cross").signals({"BTCUSDT": btc})["BTCUSDT"]
    close = btc.candles[Interval.M15].close
    fast, slow = talib.EMA(close, 9), talib.EMA(close, 21)
    above = fast > slow
    up = np.flatnonzero(frame.entry_long)
    assert len(up) > 600 and (above[up] & ~above[up - 1]).all()
    down = np.flatnonzero(frame.entry_short)
    assert len(down) > 600 and (~above[down] & above[down - 1]).all()
    assert abs(len(up) - len(down)) <= 1  # crosses alternate
    assert np.array_equal(frame.exit_long, frame.entry_short)
    assert np.array_equal(frame.exit_short, frame.entry_long)
    c = btc.candles[Interval.M15]
    width = talib.ATR(c.high, c.low, c.close, 14)
    assert np.allclose(frame.stop_distance[100:], 2 * width[100:], rtol=0, atol=0)
    assert int(np.flatnonzero(frame.settled)[0]) == 325  # 326 bars: ATR(14)'s seed decays
    policy = get_strategy("ema_cross").policy
    assert (policy.initial_stop, policy.take_profit.value, policy.exit_on_signal) == (
        True, "none", True)  # fmt: skip


def test_no_look_ahead(btc: MarketHistory) -> None:
    strategy = get_strategy("ema_cross")
    full = strategy.signals({"BTCUSDT": btc})["BTCUSDT"]
    t = at("2024-06-03T10:15")
    cut = strategy.signals({"BTCUSDT": known_at(btc, t)})["BTCUSDT"]
    rows = slice(0, len(cut))
    assert cut.close_ms[-1] == t
    for name, values in frame_arrays(cut, rows).items():
        assert np.array_equal(values, frame_arrays(full, rows)[name], equal_nan=True), name


def test_the_timeframe_is_a_parameter() -> None:
    hourly = get_strategy("ema_cross", {"interval": "1h", "ema_fast": 5, "ema_slow": 20})
    assert hourly.timeframes == (Interval.H1,) and hourly.entry_interval is Interval.H1
    assert set(hourly.warmup_bars) == {Interval.H1}
    assert get_strategy("ema_cross").timeframes == (Interval.M15,)
    with pytest.raises(StrategyConfigError, match="'ema_fast' \\(21\\) must be below"):
        get_strategy("ema_cross", {"ema_fast": 21})
    with pytest.raises(StrategyConfigError, match="'interval'"):
        get_strategy("ema_cross", {"interval": "2h"})


def test_it_can_never_hold_a_live_sleeve() -> None:
    assert "ema_cross" not in sleeve_ids()
    with pytest.raises(AllocationError, match="ema_cross"):
        AllocationTable.from_mapping({"ema_cross": 100}, sleeve_ids())
