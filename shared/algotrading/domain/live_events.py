"""Live events: what the dashboard shows as it happens (reference Step 5.5).

The jobs publish them and the API delivers them, possibly in other processes or machines, so an
event is a plain value that travels through PostgreSQL (the `live_events` table, with a NOTIFY
on commit) and then over a WebSocket to the clients watching its account. `dedupe_key` makes a
publication idempotent: a job delivered twice for one scheduled time publishes each event once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from algotrading.domain.jsonsafe import json_safe


class LiveEventType(StrEnum):
    """The event names of the reference (Step 5.5); matches the CHECK of `live_events.type`."""

    EQUITY_UPDATE = "portfolio:equity_update"
    DRAWDOWN_ALERT = "portfolio:drawdown_alert"
    CIRCUIT_BREAKER = "portfolio:circuit_breaker"
    SIGNAL = "strategy:signal"
    STATE_CHANGE = "strategy:state_change"
    POSITION_OPENED = "strategy:position_opened"
    POSITION_CLOSED = "strategy:position_closed"
    FUNDING_RATE_UPDATE = "funding:rate_update"
    FUNDING_SETTLEMENT = "funding:settlement"
    RANKING_UPDATE = "ranking:update"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    """One event for one account (None: for every signed-in client, e.g. market-wide funding
    rates). `data` is made JSON-safe at construction, as for alerts."""

    type: LiveEventType
    account_id: int | None
    time_ms: int
    data: Mapping[str, Any] = field(default_factory=dict)
    dedupe_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "type", LiveEventType(self.type))
        object.__setattr__(self, "data", json_safe(dict(self.data)))

    def message(self, event_id: int | None = None) -> dict[str, Any]:
        """The JSON a client receives."""
        return {
            "id": event_id, "type": self.type.value, "account_id": self.account_id,
            "time_ms": self.time_ms, "data": dict(self.data),
        }  # fmt: skip


class LiveEventPublisher(Protocol):
    """The one port the jobs publish through; adapters: PostgreSQL (table + NOTIFY, always the
    record), and on AWS also the API Gateway WebSocket connections of the account."""

    def publish(self, event: LiveEvent) -> int | None:
        """Store and announce the event; its id, or None when its dedupe key was seen before."""
        ...
