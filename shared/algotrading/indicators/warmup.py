"""How many bars each indicator needs: before its first value, and before that value is settled.

Two numbers per indicator:

* `lookback`: leading NaN values (TA-Lib's lookback). After it the indicator has *a* value.
* `min_history`: bars for the last value computed on a window of that length to equal the value
  computed on the full history to a relative 1e-8. Windowed indicators (SMA, Bollinger, ROC,
  realized volatility) need just their window. Recursive ones (EMA, RSI, ATR, ADX, Stochastic
  RSI) are seeded from a simple average of the first bars of whatever data they get, and the seed's
  influence only decays geometrically: by (1 - 2/(n+1)) per bar for an EMA, by (1 - 1/n) for
  Wilder's smoothing. We require that factor to fall to 1e-10, leaving a factor of 100 for the
  seed's own error relative to the value (a seed off by the full price still lands within 1e-8).
  ADX smooths twice, so its error after m bars is bounded by (m + 1) * (1 - 1/n)^m.
  Stochastic RSI divides RSI differences by the RSI range of its window, which magnifies RSI
  errors; its RSI stage is therefore settled to 1e-12 instead.

For price-like positive series only: a relative difference means nothing for a series around 0.
"""

from __future__ import annotations

import math
from functools import lru_cache

SEED_TOLERANCE = 1e-10
"""Remaining weight of a recursive indicator's seed that we accept (see module docstring)."""

STOCH_RSI_TOLERANCE = 1e-12
"""Stricter settling for the RSI inside Stochastic RSI: the stochastic magnifies RSI errors."""


@lru_cache(maxsize=1024)
def decay_bars(rate: float, stages: int = 1, tolerance: float = SEED_TOLERANCE) -> int:
    """Smallest m with C(m + stages - 1, stages - 1) * (1 - rate)^m <= tolerance.

    One stage is a single exponential smoothing; two stages (ADX) smooth an already smoothed
    series, whose error sums m decaying terms. Solved in closed form, then by fixed-point steps
    for the polynomial factor, so a period of 100,000 costs no more than a period of 14.
    """
    if not 0 < rate <= 1:
        raise ValueError(f"decay rate must be in (0, 1], got {rate}")
    if rate == 1:
        return 0
    log_keep = math.log1p(-rate)
    m = max(0, math.ceil(math.log(tolerance) / log_keep))
    for _ in range(100):
        factor = math.comb(m + stages - 1, stages - 1) if stages > 1 else 1
        if math.log(factor) + m * log_keep <= math.log(tolerance):
            break
        m = math.ceil((math.log(tolerance) - math.log(factor)) / log_keep)
    return m


def ema_min_history(period: int, tolerance: float = SEED_TOLERANCE) -> int:
    """Seed (SMA of the first `period` bars) plus the bars for its weight to fall to 1e-10."""
    return period + decay_bars(2.0 / (period + 1), 1, tolerance)


def wilder_min_history(period: int, tolerance: float = SEED_TOLERANCE) -> int:
    """RSI and ATR: `period` differences (so period + 1 bars) seed Wilder's average."""
    return period + 1 + decay_bars(1.0 / period, 1, tolerance)


def adx_min_history(period: int, tolerance: float = SEED_TOLERANCE) -> int:
    """ADX has its first value after 2 * period bars and is smoothed twice."""
    return 2 * period + decay_bars(1.0 / period, 2, tolerance)


def stoch_rsi_min_history(
    rsi_period: int, stoch_period: int, k: int, d: int, tolerance: float = SEED_TOLERANCE
) -> int:
    """Every RSI value the last D depends on must be settled 100 times tighter than
    `tolerance` (1e-12 at the default): the stochastic magnifies RSI errors."""
    rsi_tolerance = tolerance * STOCH_RSI_TOLERANCE / SEED_TOLERANCE
    settled_rsi = wilder_min_history(rsi_period, rsi_tolerance)
    return settled_rsi + (stoch_period - 1) + (k - 1) + (d - 1)
