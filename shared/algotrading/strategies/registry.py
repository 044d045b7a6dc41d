"""The strategies by id, built with an account's parameter overrides: the portfolio's four and
the reference `ema_cross`, which has no sleeve (`portfolio.allocation`) and so never trades live.

`account_strategy_configs` stores per-account overrides as JSON under the strategy id; the
executor, the backtest, the API and the CLI all come through `get_strategy`, so an unknown id or a
bad override fails the same way everywhere, before anything is computed or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from algotrading.strategies.base import Strategy
from algotrading.strategies.carry import CarryStrategy
from algotrading.strategies.ema_cross import EmaCrossStrategy
from algotrading.strategies.momentum import MomentumStrategy
from algotrading.strategies.params import StrategyConfigError
from algotrading.strategies.scalper import ScalperStrategy
from algotrading.strategies.trend import TrendStrategy

STRATEGIES: Mapping[str, type[Strategy[Any]]] = MappingProxyType(
    {
        TrendStrategy.id: TrendStrategy,
        ScalperStrategy.id: ScalperStrategy,
        CarryStrategy.id: CarryStrategy,
        MomentumStrategy.id: MomentumStrategy,
        EmaCrossStrategy.id: EmaCrossStrategy,
    }
)


def get_strategy(name: str, overrides: Mapping[str, Any] | None = None) -> Strategy[Any]:
    """The strategy `name` with `overrides` applied to its default parameters.

    Raises `StrategyConfigError` (a ValueError) listing the known ids for an unknown name, and
    naming the parameter for an unknown, out-of-range or wrongly typed override.
    """
    key = name.strip().lower() if isinstance(name, str) else None
    cls = STRATEGIES.get(key) if key else None
    if cls is None:
        raise StrategyConfigError(f"unknown strategy {name!r}; known: {', '.join(STRATEGIES)}")
    if overrides is not None and not isinstance(overrides, Mapping):
        raise StrategyConfigError(
            f"{cls.id}: parameter overrides must be a mapping of names to values, "
            f"got {type(overrides).__name__}"
        )
    return cls(cls.params_type.build(overrides))
