"""The notifier port and the two notifiers that need no network: the log and a fan-out.

`send` returns whether the event reached its channel and never raises: an alert channel that is
down must not stop a stop-loss from being placed. The caller stores the event first (`alerts`
table) and marks it delivered only when `send` says so, so nothing is lost when Slack is down.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from algotrading.domain.alerts import AlertEvent, AlertLevel
from algotrading.logs import get_logger

_LOG_LEVEL = {
    AlertLevel.INFO: logging.INFO,
    AlertLevel.WARNING: logging.WARNING,
    AlertLevel.CRITICAL: logging.CRITICAL,
}


@runtime_checkable
class Notifier(Protocol):
    """Delivers alert events to one channel."""

    def send(self, event: AlertEvent) -> bool:
        """True when the event was delivered; False (logged) when it was not. Never raises."""
        ...


class LogNotifier:
    """Writes each event as one log line at a level matching the alert's."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or get_logger("algotrading.notify")

    def send(self, event: AlertEvent) -> bool:
        account = "-" if event.account_id is None else str(event.account_id)
        self._logger.log(
            _LOG_LEVEL[event.level],
            "alert %s [%s] account=%s: %s %s",
            event.kind.value,
            event.level.value,
            account,
            event.message,
            event.details or "",
        )
        return True


class FanoutNotifier:
    """Sends every event to each notifier in turn; delivered only if all of them delivered.

    One failing channel never keeps the others from getting the event.
    """

    def __init__(self, notifiers: Sequence[Notifier]) -> None:
        if not notifiers:
            raise ValueError("FanoutNotifier needs at least one notifier")
        self._notifiers = tuple(notifiers)

    @property
    def notifiers(self) -> tuple[Notifier, ...]:
        return self._notifiers

    def send(self, event: AlertEvent) -> bool:
        results = [_safe_send(notifier, event) for notifier in self._notifiers]
        return all(results)


def _safe_send(notifier: Notifier, event: AlertEvent) -> bool:
    """A notifier that breaks its promise and raises is logged, not propagated."""
    try:
        return bool(notifier.send(event))
    except Exception as exc:  # alerting must never break trading
        get_logger("algotrading.notify").error(
            "notifier %s raised %s while sending %s", type(notifier).__name__,
            type(exc).__name__, event.kind.value,
        )  # fmt: skip
        return False
