"""The indicators against independent plain-numpy re-computations and hand-checked values.

The re-computations follow the textbook definitions (Wilder's smoothing, population deviation
for Bollinger like TradingView, sample deviation for realized volatility), not TA-Lib's code, so
an error shared by TA-Lib and our wrapper would still show here.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view as windows

from algotrading import indicators as ind
from algotrading.domain.series import Candles
from algotrading.indicators.warmup import adx_min_history
from algotrading.market.datafiles import DataSet


def _pad(values: np.ndarray, total: int) -> np.ndarray:
    return np.r_[np.full(total - len(values), np.nan), values]


def ref_sma(x: np.ndarray, n: int) -> np.ndarray:
    return _pad(windows(x, n).mean(axis=1), len(x))


def ref_ema(x: np.ndarray, n: int) -> np.ndarray:
    out = np.full(len(x), np.nan)
    k = 2 / (n + 1)
    out[n - 1] = x[:n].mean()
    for i in range(n, len(x)):
        out[i] = x[i] * k + out[i - 1] * (1 - k)
    return out


def ref_wilder(values: np.ndarray, n: int) -> np.ndarray:
    """Wilder's average of values[1:] (values[0] is undefined): seed = mean of the first n."""
    out = np.full(len(values), np.nan)
    out[n] = values[1 : n + 1].mean()
    for i in range(n + 1, len(values)):
        out[i] = (out[i - 1] * (n - 1) + values[i]) / n
    return out


def ref_rsi(close: np.ndarray, n: int) -> np.ndarray:
    change = np.r_[0.0, np.diff(close)]
    gain = ref_wilder(np.maximum(change, 0), n)
    loss = ref_wilder(np.maximum(-change, 0), n)
    return 100 * gain / (gain + loss)


def ref_true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    prev = np.r_[np.nan, close[:-1]]
    return np.fmax(high - low, np.fmax(np.abs(high - prev), np.abs(low - prev)))


def ref_adx(high: np.ndarray, low: np.ndarray, close: np.ndarray, n: int) -> np.ndarray:
    """Textbook ADX: Wilder sums seeded with the first n values, DX, Wilder mean of DX."""
    up, down = np.r_[0.0, np.diff(high)], np.r_[0.0, -np.diff(low)]
    plus_dm = np.where((up > down) & (up > 0), up, 0.0)
    minus_dm = np.where((down > up) & (down > 0), down, 0.0)
    tr = ref_true_range(high, low, close)
    smooth = [ref_wilder(series, n) * n for series in (plus_dm, minus_dm, tr)]
    plus_di, minus_di = 100 * smooth[0] / smooth[2], 100 * smooth[1] / smooth[2]
    dx = 100 * np.abs(plus_di - minus_di) / (plus_di + minus_di)
    return np.r_[np.full(n - 1, np.nan), ref_wilder(dx[n - 1 :], n)]


def ref_stoch_rsi(close: np.ndarray, n: int, s: int, k: int, d: int) -> tuple[np.ndarray, ...]:
    r = ref_rsi(close, n)
    valid = r[n:]
    low, high = windows(valid, s).min(axis=1), windows(valid, s).max(axis=1)
    rng = high - low
    stoch = np.where(rng > 0, 100 * (valid[s - 1 :] - low) / np.where(rng > 0, rng, 1), 0.0)
    k_line = windows(stoch, k).mean(axis=1)
    d_line = windows(k_line, d).mean(axis=1)
    return _pad(k_line, len(close)), _pad(d_line, len(close))


def ref_realized_vol(close: np.ndarray, n: int, per_year: float) -> np.ndarray:
    returns = np.log(close[1:] / close[:-1])
    return _pad(windows(returns, n).std(axis=1, ddof=1) * math.sqrt(per_year), len(close))


@pytest.fixture(scope="module")
def candles() -> Candles:
    return DataSet().candles("SOLUSDT", "1h")  # the bundled set: the primary set's rows


def assert_close_enough(ours: np.ndarray, ref: np.ndarray, rtol: float, atol: float = 0.0) -> None:
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, rtol=rtol, atol=atol, equal_nan=True)


def test_moving_averages_match_numpy(candles: Candles) -> None:
    c, v = candles.close, candles.volume
    assert_close_enough(ind.sma(c, 30), ref_sma(c, 30), 1e-11)
    assert_close_enough(ind.volume_sma(v, 20), ref_sma(v, 20), 1e-9)
    for n in (9, 50):
        assert_close_enough(ind.ema(c, n), ref_ema(c, n), 1e-11)


def test_wilder_indicators_match_numpy(candles: Candles) -> None:
    h, lo, c = candles.high, candles.low, candles.close
    for n in (7, 14):
        assert_close_enough(ind.rsi(c, n), ref_rsi(c, n), 1e-10)
        assert_close_enough(ind.atr(h, lo, c, n), ref_wilder(ref_true_range(h, lo, c), n), 1e-10)


def test_adx_converges_to_the_textbook_definition(candles: Candles) -> None:
    """TA-Lib seeds ADX's Wilder sums with n-1 bars, the textbook with n: identical after the
    documented minimum history, and close (not equal) before it."""
    h, lo, c = candles.high, candles.low, candles.close
    ours, ref = ind.adx(h, lo, c, 14), ref_adx(h, lo, c, 14)
    settled = adx_min_history(14)
    assert_close_enough(ours[settled:], ref[settled:], 1e-8)
    assert np.isnan(ours[:27]).all() and not np.isnan(ours[27])
    assert np.nanmax(np.abs(ours[27:settled] - ref[27:settled])) < 5.0


def test_bollinger_and_width_match_numpy(candles: Candles) -> None:
    c = candles.close
    mean = ref_sma(c, 20)
    std = _pad(windows(c, 20).std(axis=1), len(c))
    upper, middle, lower = ind.bollinger(c, 20, 2.0)
    assert_close_enough(middle, mean, 1e-12)
    assert_close_enough(upper, mean + 2 * std, 1e-11)
    assert_close_enough(lower, mean - 2 * std, 1e-11)
    assert_close_enough(ind.bb_width(c, 20, 2.0), 4 * std / mean, 1e-8)


def test_stoch_rsi_matches_numpy(candles: Candles) -> None:
    k, d = ind.stoch_rsi(candles.close, 14, 14, 3, 3)
    ref_k, ref_d = ref_stoch_rsi(candles.close, 14, 14, 3, 3)
    assert_close_enough(k, ref_k, 0, atol=1e-8)
    assert_close_enough(d, ref_d, 0, atol=1e-8)
    assert np.nanmin(k) == 0.0 and np.nanmax(k) <= 100.0


def test_roc_and_realized_vol_match_numpy(candles: Candles) -> None:
    c = candles.close
    for n in (7, 30):
        assert_close_enough(ind.roc(c, n), _pad((c[n:] / c[:-n] - 1) * 100, len(c)), 1e-12)
    assert_close_enough(ind.realized_vol(c, 14, 365 * 24), ref_realized_vol(c, 14, 365 * 24), 1e-9)


def test_hand_checked_values() -> None:
    # RSI 2 of 10, 11, 10, 12: seed gain (1+0)/2, loss (0+1)/2 -> 50; then
    # gain (0.5+2)/2 = 1.25, loss (0.5+0)/2 = 0.25 -> 100 * 1.25 / 1.5.
    np.testing.assert_allclose(ind.rsi([10.0, 11, 10, 12], 2)[2:], [50.0, 250 / 3], rtol=1e-14)
    # 1, 2, 3: mean 2, population sd sqrt(2/3), width 4 sd / mean.
    assert ind.bb_width([1.0, 2, 3], 3, 2.0)[-1] == pytest.approx(2 * math.sqrt(2 / 3), 1e-14)
    assert ind.roc([100.0, 110.0], 1)[-1] == pytest.approx(10.0, 1e-14)
    # Two log returns r1, r2: sample sd |r1 - r2| / sqrt(2).
    vol = ind.realized_vol([100.0, 110.0, 99.0], 2, 365)[-1]
    assert vol == pytest.approx(abs(math.log(1.1) - math.log(0.9)) / math.sqrt(2) * math.sqrt(365))
    # EMA 3 of 1..5: seed mean(1, 2, 3) = 2, then 2 + (4 - 2) / 2 = 3, then 3 + (5 - 3) / 2 = 4.
    np.testing.assert_allclose(ind.ema([1.0, 2, 3, 4, 5], 3)[2:], [2.0, 3.0, 4.0], rtol=1e-14)
    # Bar 0 has no previous close; bar 1: 14 - 11 = 3; bar 2 gaps up from a close of 10:
    # max(12 - 11, |12 - 10|, |11 - 10|) = 2, not the bar's range of 1. ATR 2 seed = 2.5.
    atr = ind.atr([12.0, 14.0, 12.0], [10.0, 11.0, 11.0], [11.0, 10.0, 12.0], 2)
    assert atr[-1] == pytest.approx(2.5, rel=1e-14)


def test_stoch_rsi_of_a_straight_rise_is_zero_not_nan() -> None:
    """RSI stuck at 100 has no range: K and D are 0 (TA-Lib's convention), never NaN or < 0."""
    k, d = ind.stoch_rsi(np.arange(1.0, 80.0))
    assert np.isnan(k[:29]).all() and (k[29:] == 0).all() and (d[31:] == 0).all()
