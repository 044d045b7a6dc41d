"""Each indicator's documented minimum history is enough, and for recursive ones needed.

Computing on just the last `min_history` bars must give the full-history last value to a
relative 1e-8, at many end points of several real series (a cheap BTC, a sub-cent PEPE, a
thin APE, XTZ through its quiet months). Half of it must not be enough for the recursive
indicators: that proves the seed really matters and the number is not padding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from team_data import BUNDLED, TEST_DATA, in_ci, shared_data, shared_data_present

from algotrading.domain.series import Candles
from algotrading.indicators import INDICATORS, get_indicator
from algotrading.market.datafiles import DataSet

CASES: list[tuple[str, dict[str, Any]]] = [
    ("sma", {"period": 50}),
    ("ema", {"period": 9}),
    ("ema", {"period": 50}),
    ("ema", {"period": 200}),
    ("rsi", {}),
    ("rsi", {"period": 7}),
    ("atr", {}),
    ("atr", {"period": 50}),
    ("bollinger", {}),
    ("bb_width", {}),
    ("adx", {}),
    ("adx", {"period": 30}),
    ("stoch_rsi", {}),
    ("stoch_rsi", {"rsi_period": 7, "stoch_period": 10, "k": 2, "d": 4}),
    ("roc", {"period": 30}),
    ("realized_vol", {}),
    ("volume_sma", {}),
]
RECURSIVE = {"ema", "rsi", "atr", "adx", "stoch_rsi"}


@pytest.fixture(scope="module")
def series() -> list[Candles]:
    """BTC 5m (the test set's five weeks) and the thin APE 15m (the bundled six months) from the
    repository; the sub-cent PEPE and XTZ through its quiet months from the team folder when it
    is there (always under CI: `team_data.shared_data` fails there rather than skip)."""
    mine = [
        DataSet([TEST_DATA]).candles("BTCUSDT", "5m"),
        DataSet([BUNDLED]).candles("APEUSDT", "15m"),
    ]
    if not (shared_data_present() or in_ci()):
        return mine
    binance = DataSet([shared_data() / "universe_binance_usdm_2025"])
    return [*mine, binance.candles("1000PEPEUSDT", "1h"), binance.candles("XTZUSDT", "1h")]


def _last(name: str, params: dict[str, Any]) -> Callable[[Candles], list[float]]:
    spec = get_indicator(name)

    def last(candles: Candles) -> list[float]:
        out = spec.on(candles, **params)
        return [float(line[-1]) for line in (out if isinstance(out, tuple) else (out,))]

    return last


def _worst(name: str, params: dict[str, Any], data: list[Candles], window: int) -> float:
    last = _last(name, params)
    worst = 0.0
    for candles in data:
        for end in np.linspace(window + 1000, len(candles), 12).astype(int):
            full = last(candles.slice(0, end))
            short = last(candles.slice(end - window, end))
            for a, b in zip(full, short, strict=True):
                assert not np.isnan(a) and not np.isnan(b)
                worst = max(worst, 0.0 if a == b else abs(a - b) / max(abs(a), abs(b)))
    return worst


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_min_history_window_reproduces_full_history(
    name: str, params: dict[str, Any], series: list[Candles]
) -> None:
    window = get_indicator(name).min_history(**params)
    assert _worst(name, params, series, window) <= 1e-8


@pytest.mark.parametrize("name", sorted(RECURSIVE))
def test_half_the_min_history_is_not_enough_for_recursive_indicators(
    name: str, series: list[Candles]
) -> None:
    params = {"period": 14} if name == "ema" else {}
    window = get_indicator(name).min_history(**params)
    assert _worst(name, params, series, window // 2) > 1e-8


def test_every_indicator_is_covered() -> None:
    assert {name for name, _ in CASES} == set(INDICATORS)


def test_documented_numbers_for_the_defaults() -> None:
    """The numbers quoted in the docstrings and docs/market-data.md."""
    mh = {name: spec.min_history(**({"period": 14} if name in ("ema", "sma", "roc") else {}))
          for name, spec in INDICATORS.items()}  # fmt: skip
    assert mh["ema"] == 175 and mh["rsi"] == 326 and mh["atr"] == 326
    assert mh["adx"] == 420 and mh["stoch_rsi"] == 405
    assert mh["sma"] == 14 and mh["bollinger"] == 20 and mh["roc"] == 15
    assert mh["realized_vol"] == 15 and mh["volume_sma"] == 20
    assert get_indicator("ema").min_history(period=50) == 626
    assert get_indicator("ema").min_history(period=200) == 2503


@pytest.mark.parametrize(("name", "params"), CASES, ids=[f"{n}{p or ''}" for n, p in CASES])
def test_lookback_is_the_leading_nan_run(
    name: str, params: dict[str, Any], series: list[Candles]
) -> None:
    spec = get_indicator(name)
    out = spec.on(series[1].slice(0, 3000), **params)
    last_line = out[-1] if isinstance(out, tuple) else out
    nan_run = int(np.argmax(~np.isnan(last_line)))
    assert nan_run == spec.lookback(**params)
