"""The four strategies, their common interface and the position-policy stepper.

`get_strategy(id, overrides)` builds one; `strategy.signals(histories)` computes its signal
frames over closed candles; `open_position` / `step` manage a position it opened. The live
executor and the backtest both use exactly these, so they cannot disagree. docs/STRATEGIES.md
has every rule and every interpretation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.domain.positions import ExitReason, PositionSide, PositionState
    from algotrading.strategies.base import (
        MarketHistory,
        PerSymbolStrategy,
        PolicySizing,
        PositionPolicy,
        SignalFrame,
        SignalRow,
        Strategy,
        TakeProfitMode,
        TrailStart,
    )
    from algotrading.strategies.params import StrategyConfigError, StrategyParams
    from algotrading.strategies.policy import ExitAction, FillTiming, open_position, step
    from algotrading.strategies.registry import STRATEGIES, get_strategy

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.domain.positions": (
            "ExitReason",
            "PositionSide",
            "PositionState",
        ),
        "algotrading.strategies.base": (
            "MarketHistory",
            "PerSymbolStrategy",
            "PolicySizing",
            "PositionPolicy",
            "SignalFrame",
            "SignalRow",
            "Strategy",
            "TakeProfitMode",
            "TrailStart",
        ),
        "algotrading.strategies.params": (
            "StrategyConfigError",
            "StrategyParams",
        ),
        "algotrading.strategies.policy": (
            "ExitAction",
            "FillTiming",
            "open_position",
            "step",
        ),
        "algotrading.strategies.registry": (
            "STRATEGIES",
            "get_strategy",
        ),
    },
)

__all__ = [
    "STRATEGIES",
    "ExitAction",
    "ExitReason",
    "FillTiming",
    "MarketHistory",
    "PerSymbolStrategy",
    "PolicySizing",
    "PositionPolicy",
    "PositionSide",
    "PositionState",
    "SignalFrame",
    "SignalRow",
    "Strategy",
    "StrategyConfigError",
    "StrategyParams",
    "TakeProfitMode",
    "TrailStart",
    "get_strategy",
    "open_position",
    "step",
]
