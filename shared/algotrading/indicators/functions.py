"""The indicators the strategies use, computed by TA-Lib.

TA-Lib's C code matches careful re-implementations to about 1e-11 and is several times faster
than numpy, so every indicator TA-Lib has is a thin call into it; only the arithmetic TA-Lib does
not offer (band width, annualising, the D line of Stochastic RSI) is added here, in place. Each
function takes float64 arrays (anything array-like is converted), returns float64 arrays of the
same length, and puts NaN where there is not enough history yet, so a strategy on too little data
sees NaN, never an exception. Bad parameters and mismatched inputs raise ValueError.

`min history` in each docstring is the window that reproduces the full-history last value to
1e-8 (see `warmup`); `first value` is where the NaN run ends.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from algotrading.indicators._inputs import F64, check_period, positive, same_length, series
from algotrading.lazy_exports import lazy_module

if TYPE_CHECKING:
    import talib
else:
    # TA-Lib is imported on the first indicator rather than with this module: its import also
    # loads pandas or polars when they are installed (to wrap their series types), which no
    # caller here uses and which a handler that only imports a strategy should not pay for.
    talib = lazy_module("talib")

_RESIDUE = 1e-9
"""Oscillator values within this of 0 are TA-Lib's running-sum residue of an exact 0."""


def sma(x: npt.ArrayLike, period: int) -> F64:
    """Simple moving average. First value at bar period-1; min history: period."""
    return talib.SMA(series(x, "x"), check_period(period))


def ema(x: npt.ArrayLike, period: int) -> F64:
    """Exponential moving average, k = 2/(period+1), seeded with the SMA of the first period bars.

    First value at bar period-1; min history: `warmup.ema_min_history` (175 bars for 14,
    626 for 50, 2,503 for 200), because the seed's weight decays only geometrically.
    """
    return talib.EMA(series(x, "x"), check_period(period))


def rsi(close: npt.ArrayLike, period: int = 14) -> F64:
    """Wilder's RSI (0..100). First value at bar `period`; min history: 326 bars for 14."""
    return talib.RSI(series(close, "close"), check_period(period, minimum=2))


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14) -> F64:
    """Wilder's average true range. First value at bar `period`; min history: 326 bars for 14."""
    h, lo, c = series(high, "high"), series(low, "low"), series(close, "close")
    same_length(high=h, low=lo, close=c)
    return talib.ATR(h, lo, c, check_period(period))


def bollinger(close: npt.ArrayLike, period: int = 20, mult: float = 2.0) -> tuple[F64, F64, F64]:
    """(upper, middle, lower): SMA ± mult x population standard deviation, as TradingView.

    First value at bar period-1; min history: period.
    """
    m = positive(mult, "mult")
    upper, middle, lower = talib.BBANDS(
        series(close, "close"), check_period(period, minimum=2), m, m, talib.MA_Type.SMA
    )
    return upper, middle, lower


def bb_width(close: npt.ArrayLike, period: int = 20, mult: float = 2.0) -> F64:
    """(upper - lower) / middle: band width relative to price, for regime filters.

    First value at bar period-1; min history: period.
    """
    upper, middle, lower = bollinger(close, period, mult)
    np.subtract(upper, lower, out=upper)
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(upper, middle, out=upper)
    return upper


def adx(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int = 14) -> F64:
    """Wilder's average directional index (0..100).

    First value at bar 2*period-1; min history: `warmup.adx_min_history` (420 bars for 14).
    """
    h, lo, c = series(high, "high"), series(low, "low"), series(close, "close")
    same_length(high=h, low=lo, close=c)
    return talib.ADX(h, lo, c, check_period(period, minimum=2))


def stoch_rsi(
    close: npt.ArrayLike, rsi_period: int = 14, stoch_period: int = 14, k: int = 3, d: int = 3
) -> tuple[F64, F64]:
    """(K, D) as TradingView defines them: K = SMA_k of the stochastic of RSI, D = SMA_d of K.

    TA-Lib's STOCHRSI(timeperiod=rsi, fastk_period=stoch, fastd_period=k) returns that K as its
    second output (its first output is the unsmoothed stochastic, which is why the literal
    STOCHRSI(close, 14, 3, 3) is a different indicator); D is TA-Lib's SMA of K. Values are
    clipped to 0..100 and values within 1e-9 of 0 set to 0: TA-Lib's running sums leave
    residues up to about 1e-12 where the exact value is 0 (RSI at its window low for k bars:
    3-4 % of 5m bars), and a strategy or test comparing K with 0 must not depend on that noise.
    A window whose RSI range is zero gives 0, as TA-Lib does. First K at bar rsi+stoch+k-2,
    first D d-1 bars later; min history: `warmup.stoch_rsi_min_history` (405 for 14/14/3/3).
    """
    c = series(close, "close")
    rp = check_period(rsi_period, "rsi_period", minimum=2)
    sp, kp, dp = (
        check_period(stoch_period, "stoch_period"),
        check_period(k, "k"),
        check_period(d, "d"),
    )
    _, k_line = talib.STOCHRSI(c, rp, sp, kp, talib.MA_Type.SMA)
    d_line = talib.SMA(k_line, dp)
    clean_percent(k_line)
    clean_percent(d_line)
    return k_line, d_line


def roc(close: npt.ArrayLike, period: int) -> F64:
    """Rate of change in percent: (close / close[period bars ago] - 1) * 100.

    First value at bar `period`; min history: period + 1.
    """
    return talib.ROC(series(close, "close"), check_period(period))


def realized_vol(close: npt.ArrayLike, period: int = 14, periods_per_year: float = 365) -> F64:
    """Annualised sample standard deviation of the last `period` log returns (0.6 = 60 %).

    TA-Lib's STDDEV is a population deviation, so it is rescaled by sqrt(n / (n - 1)) together
    with the annualising factor, in one pass. Non-positive prices give NaN returns, and TA-Lib's
    running sums then stay NaN: clean such data first. First value at bar `period`;
    min history: period + 1.
    """
    c = series(close, "close")
    n = check_period(period, minimum=2)
    per_year = positive(periods_per_year, "periods_per_year")
    returns = np.empty_like(c)
    returns[:1] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(c[1:], c[:-1], out=returns[1:])
        np.log(returns[1:], out=returns[1:])
    out = talib.STDDEV(returns, n, 1.0)
    out *= math.sqrt(per_year * n / (n - 1))
    return out


def volume_sma(volume: npt.ArrayLike, period: int = 20) -> F64:
    """Average volume over `period` bars. First value at bar period-1; min history: period."""
    return talib.SMA(series(volume, "volume"), check_period(period))


def clean_percent(values: F64) -> None:
    """In place: clip to 0..100 and turn running-sum residue around 0 into an exact 0."""
    np.clip(values, 0.0, 100.0, out=values)
    values[np.flatnonzero(values < _RESIDUE)] = 0.0
