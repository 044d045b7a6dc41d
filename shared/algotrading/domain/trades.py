"""The life of a trade and of the orders that move it: statuses, order purposes, strategy ids.

The executor writes these and the database stores them (`trades.status`, `orders.purpose`), so
the values are exactly the strings the CHECK constraints of the migrations allow; being
`StrEnum`s, they compare equal to those strings and serialise as them, which keeps every
stored row and JSON output unchanged.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NewType

StrategyId = NewType("StrategyId", str)
"""A strategy's id (`trend`, `momentum`, ...). Not an enum on purpose: the registry in
`strategies.registry` is the one list, so adding a strategy touches `strategies/` only; the
tiers below are told the known ids by their callers."""


class TradeStatus(StrEnum):
    """`trades.status`: `pending` (entry sent, fill not yet known), `open`, `closed`,
    `cancelled` (the entry never filled)."""

    PENDING = "pending"
    OPEN = "open"
    CLOSED = "closed"
    CANCELLED = "cancelled"


ACTIVE_TRADE_STATUSES = (TradeStatus.PENDING, TradeStatus.OPEN)
"""A trade in one of these holds (or is about to hold) its symbol."""


class OrderPurpose(StrEnum):
    """`orders.purpose`: why the executor (or the reconciliation, for `external`) sent it."""

    ENTRY = "entry"
    EXIT = "exit"
    PARTIAL_EXIT = "partial_exit"
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    REBALANCE = "rebalance"
    EXTERNAL = "external"
