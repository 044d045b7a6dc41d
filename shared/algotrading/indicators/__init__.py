"""Technical indicators on TA-Lib, a registry to find them by name, and their history needs.

numpy float64 arrays in, numpy arrays out, NaN while an indicator warms up; see
docs/market-data.md for the minimum histories and what each choice means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.indicators.functions import (
        adx,
        atr,
        bb_width,
        bollinger,
        ema,
        realized_vol,
        roc,
        rsi,
        sma,
        stoch_rsi,
        volume_sma,
    )
    from algotrading.indicators.registry import INDICATORS, IndicatorSpec, compute, get_indicator

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.indicators.functions": (
            "adx",
            "atr",
            "bb_width",
            "bollinger",
            "ema",
            "realized_vol",
            "roc",
            "rsi",
            "sma",
            "stoch_rsi",
            "volume_sma",
        ),
        "algotrading.indicators.registry": (
            "INDICATORS",
            "IndicatorSpec",
            "compute",
            "get_indicator",
        ),
    },
)

__all__ = [
    "INDICATORS",
    "IndicatorSpec",
    "adx",
    "atr",
    "bb_width",
    "bollinger",
    "compute",
    "ema",
    "get_indicator",
    "realized_vol",
    "roc",
    "rsi",
    "sma",
    "stoch_rsi",
    "volume_sma",
]
