"""Looking indicators up by name, and what bad input gets: a ValueError naming the problem
before any computing, or NaN (never an exception) when there is merely too little history."""

from __future__ import annotations

import numpy as np
import pytest
from candles import from_closes

from algotrading import indicators as ind
from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.indicators import INDICATORS, compute, get_indicator

RISING = np.linspace(100.0, 130.0, 400) + np.sin(np.arange(400.0))


def _candles(close: np.ndarray) -> Candles:
    """1m candles from 0 ms: flat bodies at the close, high and low 1 away, volume 5 (NaN where
    the close is NaN, so an all-NaN series is NaN in every column)."""
    return from_closes(close, step=Interval.M1, spread=1.0, volume=close * 0 + 5.0)


def test_registry_lists_the_eleven_indicators() -> None:
    assert set(INDICATORS) == {
        "sma", "ema", "rsi", "atr", "bollinger", "bb_width", "adx", "stoch_rsi", "roc",
        "realized_vol", "volume_sma",
    }  # fmt: skip


def test_compute_by_name_with_parameters_equals_the_function() -> None:
    candles = _candles(RISING)
    np.testing.assert_array_equal(compute("RSI", candles, period=7), ind.rsi(RISING, 7))
    np.testing.assert_array_equal(compute("ema", candles, period=21), ind.ema(RISING, 21))
    np.testing.assert_array_equal(
        compute("atr", candles), ind.atr(RISING + 1, RISING - 1, RISING, 14)
    )
    k, d = compute("stoch_rsi", {"close": RISING}, k=5)
    np.testing.assert_array_equal(k, ind.stoch_rsi(RISING, k=5)[0])
    np.testing.assert_array_equal(d, ind.stoch_rsi(RISING, k=5)[1])
    assert get_indicator("bollinger").outputs == ("upper", "middle", "lower")
    assert dict(get_indicator("realized_vol").params) == {"period": 14, "periods_per_year": 365}


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: get_indicator("macd"), "unknown indicator 'macd'"),
        (lambda: compute("ema", {"close": RISING}), "'period' is required"),
        (lambda: compute("rsi", {"close": RISING}, length=3), "unknown parameter 'length'"),
        (lambda: compute("atr", {"close": RISING}), "needs a 'high' column"),
        (lambda: get_indicator("rsi")(RISING, RISING), "takes 1 input"),
        (lambda: get_indicator("ema").min_history(period=0), "period must be an integer >= 1"),
    ],
)
def test_registry_errors_name_the_problem(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ind.sma(RISING, 0), "period must be an integer >= 1, got 0"),
        (lambda: ind.ema(RISING, -3), "period must be an integer >= 1, got -3"),
        (lambda: ind.rsi(RISING, 1), "period must be an integer >= 2, got 1"),
        (lambda: ind.roc(RISING, 2.5), "period must be an integer >= 1, got 2.5"),
        (lambda: ind.sma(RISING, True), "got True"),
        (lambda: ind.stoch_rsi(RISING, k=0), "k must be an integer >= 1"),
        (lambda: ind.bollinger(RISING, 20, 0.0), "mult must be a positive number"),
        (lambda: ind.bb_width(RISING, 20, float("nan")), "mult must be a positive number"),
        (lambda: ind.realized_vol(RISING, 14, -1), "periods_per_year must be a positive"),
        (lambda: ind.atr(RISING, RISING[:-1], RISING), "differ in length: high=400, low=399"),
        (lambda: ind.adx(RISING, RISING, RISING[:10]), "differ in length"),
        (lambda: ind.sma(np.ones((3, 3)), 2), "must be a 1-D array"),
        (lambda: ind.sma(["a", "b"], 2), "could not convert"),
    ],
)
def test_bad_input_raises_value_error(call: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()  # type: ignore[operator]


@pytest.mark.parametrize("name", sorted(INDICATORS))
def test_too_little_history_gives_nan_not_an_exception(name: str) -> None:
    spec = get_indicator(name)
    params = {"period": 10} if name in ("sma", "ema", "roc") else {}
    for length in (0, 1, spec.lookback(**params)):
        out = spec.on(_candles(RISING[:length]), **params)
        last = out[-1] if isinstance(out, tuple) else out  # lookback is of the last line
        assert len(last) == length and np.isnan(last).all()
    out = spec.on(_candles(np.full(50, np.nan)), **params)
    assert all(np.isnan(line).all() for line in (out if isinstance(out, tuple) else (out,)))


def test_lists_ints_and_non_contiguous_views_are_accepted() -> None:
    as_list = [float(v) for v in RISING]
    np.testing.assert_array_equal(ind.sma(as_list, 5), ind.sma(RISING, 5))
    np.testing.assert_array_equal(ind.sma(np.arange(10), 3)[2:], np.arange(1.0, 9.0))
    strided = np.repeat(RISING, 2)[::2]
    np.testing.assert_array_equal(ind.rsi(strided), ind.rsi(RISING))
    readonly = RISING.copy()
    readonly.flags.writeable = False
    np.testing.assert_array_equal(ind.bb_width(readonly), ind.bb_width(RISING))
