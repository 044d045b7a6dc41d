"""Each indicator on 1,000,000 bars: our function's time over the plain TA-Lib call(s) that
compute the same thing, both measured in this run (goal: ratio <= 1.1, the wrapper adds
nothing). Composite indicators are compared with the same TA-Lib calls plus the same numpy
arithmetic written inline (for stoch_rsi that includes its clip and zero-snap of TA-Lib's
running-sum residue); the last column also shows them against their TA-Lib calls alone."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

import numpy as np
import talib

from algotrading import indicators as ind
from bench.common import best_of, real_candles, synthetic_candles

BARS = 1_000_000
REPEATS = 21


def _bb_width_inline(c: np.ndarray) -> np.ndarray:
    upper, middle, lower = talib.BBANDS(c, 20, 2.0, 2.0, 0)
    return (upper - lower) / middle


def _stoch_rsi_plain(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    _, k = talib.STOCHRSI(c, 14, 14, 3, 0)
    return k, talib.SMA(k, 3)


def _stoch_rsi_inline(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k, d = _stoch_rsi_plain(c)
    for line in (k, d):
        np.clip(line, 0.0, 100.0, out=line)
        line[np.flatnonzero(line < 1e-9)] = 0.0
    return k, d


def _realized_vol_inline(c: np.ndarray) -> np.ndarray:
    returns = np.r_[np.nan, np.log(c[1:] / c[:-1])]
    return talib.STDDEV(returns, 14, 1.0) * math.sqrt(365 * 14 / 13)


Case = tuple[
    str, Callable[[], object], Callable[[], object], str, tuple[str, Callable[[], object]] | None
]


def cases(h: np.ndarray, lo: np.ndarray, c: np.ndarray, v: np.ndarray) -> list[Case]:
    """(name, ours, TA-Lib equivalent, what it is, (TA-Lib calls alone, callable) or None)."""
    returns = np.r_[np.nan, np.log(c[1:] / c[:-1])]
    return [
        ("sma", lambda: ind.sma(c, 20), lambda: talib.SMA(c, 20), "SMA", None),
        ("ema", lambda: ind.ema(c, 20), lambda: talib.EMA(c, 20), "EMA", None),
        ("rsi", lambda: ind.rsi(c), lambda: talib.RSI(c, 14), "RSI", None),
        ("atr", lambda: ind.atr(h, lo, c), lambda: talib.ATR(h, lo, c, 14), "ATR", None),
        ("bollinger", lambda: ind.bollinger(c), lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0),
         "BBANDS", None),
        ("bb_width", lambda: ind.bb_width(c), lambda: _bb_width_inline(c),
         "BBANDS + (u-l)/m", ("BBANDS", lambda: talib.BBANDS(c, 20, 2.0, 2.0, 0))),
        ("adx", lambda: ind.adx(h, lo, c), lambda: talib.ADX(h, lo, c, 14), "ADX", None),
        ("stoch_rsi", lambda: ind.stoch_rsi(c), lambda: _stoch_rsi_inline(c),
         "STOCHRSI + SMA(K) + clip/snap", ("STOCHRSI + SMA", lambda: _stoch_rsi_plain(c))),
        ("roc", lambda: ind.roc(c, 14), lambda: talib.ROC(c, 14), "ROC", None),
        ("realized_vol", lambda: ind.realized_vol(c), lambda: _realized_vol_inline(c),
         "log returns + STDDEV x k", ("STDDEV", lambda: talib.STDDEV(returns, 14, 1.0))),
        ("volume_sma", lambda: ind.volume_sma(v), lambda: talib.SMA(v, 20), "SMA", None),
    ]  # fmt: skip


def main() -> int:
    bars = synthetic_candles(BARS)
    _, source = real_candles()
    print(f"indicators on {BARS:,} bars (random walk of {source}), best of {REPEATS}")
    header = f"{'indicator':<13}{'ours ms':>9}{'TA-Lib ms':>11}{'ratio':>7}  TA-Lib equivalent"
    print(header)
    print("-" * (len(header) + 12))
    worst = 0.0
    for name, ours, plain, what, core in cases(bars.high, bars.low, bars.close, bars.volume):
        mine, theirs = best_of(ours, plain, REPEATS)
        ratio = mine / theirs
        worst = max(worst, ratio)
        extra = ""
        if core is not None:
            core_name, core_call = core
            mine_again, core_time = best_of(ours, core_call, REPEATS)
            extra = f" (vs {core_name} alone: {mine_again / core_time:.2f})"
        print(f"{name:<13}{mine * 1e3:>9.2f}{theirs * 1e3:>11.2f}{ratio:>7.2f}  {what}{extra}")
    print(f"worst ratio {worst:.2f} (goal <= 1.10)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
