"""The one list of strategies, by id, built with an account's parameter overrides: the
portfolio's four and the reference `ema_cross`, which has no profile and so never trades live.

Everything outside `strategies/` that needs to know which strategies exist or how one is run
(order-id code, cadence, scanned or fixed universe, benchmarks, default allocation) asks here,
so a new strategy is registered once, in `STRATEGIES` below (docs/STRATEGIES.md). `register`
and `unregister` exist for tests that prove exactly that with a strategy of their own.

`account_strategy_configs` stores per-account overrides as JSON under the strategy id; the
executor, the backtest, the API and the CLI all come through `get_strategy`, so an unknown id or a
bad override fails the same way everywhere, before anything is computed or written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from algotrading.domain.allocation import AllocationTable
from algotrading.strategies.base import Strategy
from algotrading.strategies.carry import CarryStrategy
from algotrading.strategies.ema_cross import EmaCrossStrategy
from algotrading.strategies.momentum import MomentumStrategy
from algotrading.strategies.params import StrategyConfigError
from algotrading.strategies.profile import StrategyProfile
from algotrading.strategies.scalper import ScalperStrategy
from algotrading.strategies.trend import TrendStrategy

_REGISTERED: dict[str, type[Strategy[Any]]] = {
    cls.id: cls
    for cls in (TrendStrategy, ScalperStrategy, CarryStrategy, MomentumStrategy, EmaCrossStrategy)
}
STRATEGIES: Mapping[str, type[Strategy[Any]]] = MappingProxyType(_REGISTERED)
"""Id -> class, in registration order: the order of sleeves in allocation tables and reports."""


def register(cls: type[Strategy[Any]]) -> None:
    """Add a strategy; a taken id or a taken order code is refused (order ids must stay unique)."""
    if cls.id in _REGISTERED:
        raise StrategyConfigError(f"strategy id {cls.id!r} is registered already")
    code = cls.profile.order_code if cls.profile is not None else None
    if code is not None and code in order_codes().values():
        raise StrategyConfigError(f"{cls.id}: order code {code!r} is used by another strategy")
    _REGISTERED[cls.id] = cls


def unregister(strategy_id: str) -> None:
    """Remove a strategy added by `register` (the built-in ones stay)."""
    _REGISTERED.pop(strategy_id, None)


def sleeve_ids() -> tuple[str, ...]:
    """The strategies that trade a sleeve (those with a profile), in registration order."""
    return tuple(s for s, cls in _REGISTERED.items() if cls.profile is not None)


def profile_of(strategy_id: str) -> StrategyProfile:
    """The profile of a sleeve strategy; `StrategyConfigError` for any other id."""
    cls = _REGISTERED.get(strategy_id)
    if cls is None or cls.profile is None:
        raise StrategyConfigError(
            f"{strategy_id!r} does not trade a sleeve; known: {', '.join(sleeve_ids())}"
        )
    return cls.profile


def order_codes() -> dict[str, str]:
    """Sleeve strategy id -> the one-letter code its order link ids start with."""
    return {s: profile_of(s).order_code for s in sleeve_ids()}


def default_allocation_pct() -> dict[str, Decimal]:
    """Sleeve strategy id -> its share in the default allocation table, in percent."""
    return {s: Decimal(_REGISTERED[s].default_allocation_pct) for s in sleeve_ids()}


def default_allocation() -> AllocationTable:
    """The default allocation table over every sleeve (30/20/20/30 for the four): what an
    account without overrides and a backtest without `allocation` trade with."""
    return AllocationTable.from_mapping(default_allocation_pct(), sleeve_ids())


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
