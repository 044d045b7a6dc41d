"""The API Gateway WebSocket API's Lambda (routes `$connect`, `$disconnect`, `$default`).

`$connect` stores the connection unauthenticated (a token is never read from the URL), the
first `$default` message authenticates it, `$disconnect` forgets it; the jobs' publisher posts
the account's live events to it. The rules live in `algotrading.api.live.gateway`.
"""

from __future__ import annotations

from typing import Any

from algotrading.api.live.gateway import Gateway, gateway_for

_gateway: Gateway | None = None
"""Made on the first event of a warm process (its database pool opens on first use)."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    global _gateway
    request = event.get("requestContext") or {}
    if _gateway is None:
        _gateway = gateway_for(request)
    return _gateway.handle(request.get("routeKey"), request.get("connectionId"), event.get("body"))
