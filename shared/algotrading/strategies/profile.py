"""What the rest of the platform needs to know about a strategy that trades a sleeve.

A strategy declares its profile on its class (`Strategy.profile`) and `strategies.registry` is
the one list of strategies, so the executor, the scheduler, the order ids, the universes, the
portfolio backtest and the paper replay read these facts from the registry instead of keeping
their own lists of strategy names. Adding a strategy is then a change to `strategies/` alone
(docs/STRATEGIES.md, "Adding a strategy").

The default allocation is the class's `default_allocation_pct`; the symbols the strategy needs
besides those it trades (a benchmark) depend on its parameters and are `Strategy.context_symbols`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from algotrading.market.scan import Scan

ORDER_CODE = re.compile(r"^[A-Z]$")
"""One capital letter: the start of the strategy's order link ids (`execution.order_ids`)."""


class Cadence(StrEnum):
    """When the executor evaluates the strategy."""

    PER_BAR = "per_bar"
    """At every close of its entry timeframe."""
    WEEKLY = "weekly"
    """Only at the close of Monday 00:00 UTC (a weekly rebalance); its positions are protected
    by their exchange-side stops in between."""


@dataclass(frozen=True, slots=True)
class StrategyProfile:
    """How a sleeve strategy is run; a strategy without one (`ema_cross`) never trades live.

    `order_code` is part of every order link id the strategy places, so it must never change for
    a strategy that has traded (open orders are recognised by it) and no two strategies may share
    it (the registry refuses a clash). `universe` None: the strategy trades its
    `default_symbols` (or the account's list); otherwise the scan it trades unless the account
    lists symbols.
    """

    order_code: str
    cadence: Cadence = Cadence.PER_BAR
    universe: Scan | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.order_code, str) or not ORDER_CODE.match(self.order_code):
            raise ValueError(f"order_code must be one capital letter, got {self.order_code!r}")
