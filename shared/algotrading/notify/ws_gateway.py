"""Posting to the clients of the API Gateway WebSocket API (AWS): the management API's
`post_to_connection` on the stage's callback URL (`https://{api}.execute-api.{region}.
amazonaws.com/{stage}`, setting ALGO_WS_ENDPOINT). boto3 is imported only when a poster is made.
A client that went away answers `GoneException`: the caller forgets that connection.
"""

from __future__ import annotations

import json
import os
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from algotrading.logs import get_logger

_log = get_logger("algotrading.notify.ws_gateway")


class Posted(StrEnum):
    SENT = "sent"
    GONE = "gone"
    FAILED = "failed"


def endpoint_region(endpoint_url: str) -> str | None:
    """The region in an `execute-api` host name, else None (a custom domain, a local stub)."""
    parts = (urlparse(endpoint_url).hostname or "").split(".")
    if len(parts) >= 4 and parts[1] == "execute-api":
        return parts[2]
    return None


class GatewayPoster:
    """Sends JSON messages to WebSocket connections through one stage's management API."""

    def __init__(self, endpoint_url: str, client: Any = None) -> None:
        if client is None:
            import boto3

            region = endpoint_region(endpoint_url) or os.environ.get("AWS_REGION", "us-east-1")
            client = boto3.client(
                "apigatewaymanagementapi", endpoint_url=endpoint_url, region_name=region
            )
        self._client = client

    def post(self, connection_id: str, message: dict[str, Any]) -> Posted:
        """One message to one connection; never raises (a failure is logged and answered)."""
        data = json.dumps(message, separators=(",", ":")).encode()
        try:
            self._client.post_to_connection(ConnectionId=connection_id, Data=data)
        except Exception as exc:
            if _is_gone(exc):
                return Posted.GONE
            _log.warning("websocket post to %s failed: %s", connection_id, type(exc).__name__)
            return Posted.FAILED
        return Posted.SENT

    def close(self, connection_id: str) -> None:
        """Hang up on a client (refused auth); a connection already gone is fine."""
        try:
            self._client.delete_connection(ConnectionId=connection_id)
        except Exception as exc:
            if not _is_gone(exc):
                _log.warning("websocket close of %s failed: %s", connection_id, type(exc).__name__)


def _is_gone(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = response.get("Error", {}).get("Code")
    return code == "GoneException" or type(exc).__name__ == "GoneException"
