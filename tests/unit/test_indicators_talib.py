"""Every indicator equals the plain TA-Lib call it wraps, bit for bit, on real Bybit data.

This is what lets the rest of the suite trust TA-Lib's numbers through our API: if a wrapper
passed a parameter in the wrong position or defaulted a MA type differently, these fail.
"""

from __future__ import annotations

import numpy as np
import pytest
import talib
from team_data import shared_data

from algotrading import indicators as ind
from algotrading.domain.series import Candles
from algotrading.market.datafiles import DataSet


@pytest.fixture(scope="module", params=["BTCUSDT_1h", "APEUSDT_15m", "1000PEPEUSDT_1h"])
def candles(request: pytest.FixtureRequest) -> Candles:
    """Bybit series from the bundled set; PEPE from the team folder's Binance set."""
    symbol, interval = request.param.split("_")
    if "PEPE" in symbol:
        return DataSet([shared_data() / "universe_binance_usdm_2025"]).candles(symbol, interval)
    return DataSet().candles(symbol, interval)


def assert_same(ours: np.ndarray, theirs: np.ndarray) -> None:
    np.testing.assert_array_equal(ours, theirs)


def test_single_line_indicators_equal_talib(candles: Candles) -> None:
    c, h, lo, v = candles.close, candles.high, candles.low, candles.volume
    assert_same(ind.sma(c, 50), talib.SMA(c, 50))
    assert_same(ind.ema(c, 21), talib.EMA(c, 21))
    assert_same(ind.rsi(c), talib.RSI(c, 14))
    assert_same(ind.rsi(c, 7), talib.RSI(c, 7))
    assert_same(ind.atr(h, lo, c), talib.ATR(h, lo, c, 14))
    assert_same(ind.adx(h, lo, c), talib.ADX(h, lo, c, 14))
    assert_same(ind.roc(c, 30), talib.ROC(c, 30))
    assert_same(ind.volume_sma(v), talib.SMA(v, 20))


def test_bollinger_and_width_equal_talib(candles: Candles) -> None:
    c = candles.close
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    for ours, theirs in zip(ind.bollinger(c), (upper, middle, lower), strict=True):
        assert_same(ours, theirs)
    wide_upper, wide_middle, wide_lower = talib.BBANDS(c, 20, 2.5, 2.5, 0)
    assert_same(ind.bb_width(c, 20, 2.5), (wide_upper - wide_lower) / wide_middle)


def test_stoch_rsi_is_tradingview_k_and_d(candles: Candles) -> None:
    """K is STOCHRSI's second output with fastd = k (NOTES.md), D a k-bar SMA of it."""
    c = candles.close
    _, tv_k = talib.STOCHRSI(c, timeperiod=14, fastk_period=14, fastd_period=3)
    tv_d = talib.SMA(tv_k, 3)
    k, d = ind.stoch_rsi(c)
    np.testing.assert_allclose(k, tv_k, rtol=0, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(d, tv_d, rtol=0, atol=1e-9, equal_nan=True)
    literal_k, _ = talib.STOCHRSI(c, 14, 3, 3)
    assert not np.allclose(k, literal_k, equal_nan=True), "the literal call is another indicator"
    _, other_k = talib.STOCHRSI(c, timeperiod=7, fastk_period=10, fastd_period=2)
    k, d = ind.stoch_rsi(c, rsi_period=7, stoch_period=10, k=2, d=4)
    np.testing.assert_allclose(k, other_k, rtol=0, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(d, talib.SMA(other_k, 4), rtol=0, atol=1e-9, equal_nan=True)


def test_leading_nans_are_skipped_as_talib_does(candles: Candles) -> None:
    """An indicator of an indicator (an EMA of RSI) starts where its input starts."""
    line = ind.rsi(candles.close, 14)
    assert_same(ind.ema(line, 9), talib.EMA(line, 9))
    assert_same(ind.stoch_rsi(np.r_[np.nan, candles.close])[0][1:], ind.stoch_rsi(candles.close)[0])


def test_realized_vol_is_talib_stddev_of_log_returns(candles: Candles) -> None:
    c = candles.close
    returns = np.r_[np.nan, np.log(c[1:] / c[:-1])]
    expected = talib.STDDEV(returns, 14, 1.0) * np.sqrt(14 / 13) * np.sqrt(365)
    np.testing.assert_allclose(ind.realized_vol(c), expected, rtol=1e-14, equal_nan=True)
