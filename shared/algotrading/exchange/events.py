"""Standardized exchange events and the sink they are emitted to.

The market stream turns Bybit's WebSocket messages into these; consumers (the executor's
schedule, EventBridge, the dashboard) depend on them, never on Bybit's message shapes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from algotrading.domain.intervals import Interval
from algotrading.exchange.types import Balance, ExchangePosition, Execution, Order


@dataclass(frozen=True, slots=True)
class CandleClosed:
    """A confirmed (closed) candle; strategies act only on these."""

    symbol: str
    interval: Interval
    start_ms: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    turnover: float

    @property
    def close_ms(self) -> int:
        return self.start_ms + self.interval.ms


@dataclass(frozen=True, slots=True)
class TickerUpdate:
    """The merged ticker state of a symbol after a snapshot or delta message."""

    symbol: str
    last_price: Decimal | None
    mark_price: Decimal | None
    funding_rate: Decimal | None
    next_funding_ms: int | None
    time_ms: int


@dataclass(frozen=True, slots=True)
class OrderUpdate:
    account_id: str
    order: Order


@dataclass(frozen=True, slots=True)
class PositionUpdate:
    """`position` is None when the symbol's position is now flat."""

    account_id: str
    symbol: str
    position: ExchangePosition | None


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    account_id: str
    execution: Execution


@dataclass(frozen=True, slots=True)
class WalletUpdate:
    account_id: str
    balances: tuple[Balance, ...]


StreamEvent = (
    CandleClosed | TickerUpdate | OrderUpdate | PositionUpdate | ExecutionEvent | WalletUpdate
)


class EventSink(Protocol):
    """Where events go. `flush` is called on shutdown so nothing buffered is lost."""

    def emit(self, event: StreamEvent) -> None: ...

    def flush(self) -> None: ...


@dataclass
class ListSink:
    """Collects events in memory (tests, the local runner)."""

    events: list[StreamEvent] = field(default_factory=list)
    flushes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def emit(self, event: StreamEvent) -> None:
        with self._lock:
            self.events.append(event)

    def flush(self) -> None:
        with self._lock:
            self.flushes += 1

    def of_type(self, kind: type) -> list[StreamEvent]:
        with self._lock:
            return [e for e in self.events if isinstance(e, kind)]


class LogSink:
    """Writes each event as one log line (the stream's sink until EventBridge is wired)."""

    def __init__(self) -> None:
        from algotrading.logs import get_logger

        self._log = get_logger("algotrading.events")
        self.count = 0

    def emit(self, event: StreamEvent) -> None:
        self.count += 1
        self._log.info("%s %s", type(event).__name__, event)

    def flush(self) -> None:
        self._log.info("events emitted: %d", self.count)
