"""An alert event as JSON on the wire (the alerts SNS topic's messages), and back.

The jobs publish what they store; the Slack function reads it back into the same `AlertEvent`
and formats it with the one Slack formatter (`notify.slack`). A message that does not parse is
`MalformedAlert`: no retry can make it valid, so its reader skips it.
"""

from __future__ import annotations

import json
from typing import Any

from algotrading.domain.alerts import AlertEvent
from algotrading.errors import AppError

WIRE_FIELDS = ("kind", "level", "message", "account_id", "details", "time_ms", "dedupe_key")


class MalformedAlert(AppError, ValueError):
    """The text is not an alert event in the wire format."""


def alert_to_json(event: AlertEvent) -> str:
    """The event as one JSON object (details are JSON-safe by construction)."""
    body: dict[str, Any] = {name: getattr(event, name) for name in WIRE_FIELDS}
    body["kind"], body["level"] = event.kind.value, event.level.value
    body["details"] = dict(event.details)
    return json.dumps(body, sort_keys=True, allow_nan=False)


def alert_from_json(text: str) -> AlertEvent:
    """The event a message carries; `MalformedAlert` (saying why) otherwise."""
    try:
        body = json.loads(text)
    except (TypeError, json.JSONDecodeError) as exc:
        raise MalformedAlert(f"not JSON: {exc}") from None
    if not isinstance(body, dict):
        raise MalformedAlert("not a JSON object")
    missing = [name for name in ("kind", "level", "message") if name not in body]
    if missing:
        raise MalformedAlert(f"missing {', '.join(missing)}")
    try:
        return AlertEvent(**{k: body[k] for k in WIRE_FIELDS if body.get(k) is not None})
    except (TypeError, ValueError) as exc:
        raise MalformedAlert(str(exc)) from None
