"""Alert events: what happened, how urgent it is, and for which account.

One plain value type for every channel (log, Slack, the `alerts` table), so the trading code
raises an event once and never knows where it goes. `details` is normalised to JSON-safe values
at construction (Decimal -> str, enums -> their value), because the event is stored as JSONB and
posted as JSON: a Decimal that only fails at delivery time would lose the alert. It is a domain
value because three tiers meet on it: portfolio and execution raise it, `db` stores it and
`notify` delivers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from algotrading.domain.jsonsafe import json_safe


class AlertKind(StrEnum):
    TRADE_OPENED = "trade_opened"
    TRADE_CLOSED = "trade_closed"
    TRADE_STOPPED = "trade_stopped"
    BREAKER_TRIGGERED = "breaker_triggered"
    BREAKER_RELEASED = "breaker_released"
    DRAWDOWN_WARNING = "drawdown_warning"
    RECONCILIATION = "reconciliation"
    JOB_FAILED = "job_failed"
    OPERATOR_ACTION = "operator_action"
    PARITY_MISMATCH = "parity_mismatch"


class AlertLevel(StrEnum):
    """Matches the CHECK constraint of `alerts.level`."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


DEFAULT_LEVEL: Mapping[AlertKind, AlertLevel] = {
    AlertKind.TRADE_OPENED: AlertLevel.INFO,
    AlertKind.TRADE_CLOSED: AlertLevel.INFO,
    AlertKind.TRADE_STOPPED: AlertLevel.WARNING,
    AlertKind.BREAKER_TRIGGERED: AlertLevel.CRITICAL,
    AlertKind.BREAKER_RELEASED: AlertLevel.INFO,
    AlertKind.DRAWDOWN_WARNING: AlertLevel.WARNING,
    AlertKind.RECONCILIATION: AlertLevel.WARNING,
    AlertKind.JOB_FAILED: AlertLevel.CRITICAL,
    AlertKind.OPERATOR_ACTION: AlertLevel.WARNING,
    AlertKind.PARITY_MISMATCH: AlertLevel.WARNING,
}
"""A stop-out, a reconciliation finding, an operator's flatten and a day whose live trades differ
from its backtest deserve a look; a breaker trip or an account that a scheduled job could not
run deserves a human now."""


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One alert. `dedupe_key` (optional) makes storing it idempotent per account.

    `account_id` is None for system-wide alerts. `time_ms` is when it happened (UTC ms); None
    lets the database stamp it.
    """

    kind: AlertKind
    level: AlertLevel
    message: str
    account_id: int | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    time_ms: int | None = None
    dedupe_key: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AlertKind(self.kind))
        object.__setattr__(self, "level", AlertLevel(self.level))
        if not isinstance(self.message, str) or not self.message.strip():
            raise ValueError("an alert needs a non-empty message")
        if self.dedupe_key is not None and not self.dedupe_key.strip():
            raise ValueError("dedupe_key must be None or non-empty")
        object.__setattr__(self, "details", json_safe(dict(self.details)))

    @classmethod
    def create(
        cls,
        kind: AlertKind | str,
        message: str,
        *,
        account_id: int | None = None,
        details: Mapping[str, Any] | None = None,
        level: AlertLevel | str | None = None,
        time_ms: int | None = None,
        dedupe_key: str | None = None,
    ) -> AlertEvent:
        """An event at the kind's default level unless `level` says otherwise."""
        kind = AlertKind(kind)
        return cls(
            kind=kind,
            level=AlertLevel(level) if level is not None else DEFAULT_LEVEL[kind],
            message=message,
            account_id=account_id,
            details=details or {},
            time_ms=time_ms,
            dedupe_key=dedupe_key,
        )

    @property
    def title(self) -> str:
        """`Breaker triggered` for `breaker_triggered`: the headline of a message."""
        return self.kind.value.replace("_", " ").capitalize()


def trade_alert(
    kind: AlertKind | str,
    *,
    account_id: int,
    strategy: str,
    symbol: str,
    side: str,
    qty: Decimal,
    price: Decimal,
    pnl: Decimal | None = None,
    reason: str | None = None,
    is_shadow: bool = False,
    time_ms: int | None = None,
    dedupe_key: str | None = None,
) -> AlertEvent:
    """A trade_opened / trade_closed / trade_stopped event with the usual details.

    Paper (shadow) trades are marked in the message so nobody mistakes them for real fills.
    """
    kind = AlertKind(kind)
    if kind not in (AlertKind.TRADE_OPENED, AlertKind.TRADE_CLOSED, AlertKind.TRADE_STOPPED):
        raise ValueError(f"{kind} is not a trade event")
    verb = {"trade_opened": "opened", "trade_closed": "closed", "trade_stopped": "stopped out"}
    paper = "[paper] " if is_shadow else ""
    text = f"{paper}{strategy} {verb[kind]} {side} {qty} {symbol} @ {price}"
    if pnl is not None:
        text += f", PnL {pnl:+} USDT"
    if reason:
        text += f" ({reason})"
    details: dict[str, Any] = {"strategy": strategy, "symbol": symbol, "side": side}
    details |= {"qty": qty, "price": price, "pnl": pnl, "reason": reason, "paper": is_shadow}
    return AlertEvent.create(
        kind,
        text,
        account_id=account_id,
        details={k: v for k, v in details.items() if v is not None},
        time_ms=time_ms,
        dedupe_key=dedupe_key,
    )
