"""Bybit V5 authentication, checked exactly as Bybit describes it.

REST: X-BAPI-SIGN = hex HMAC-SHA256(secret, timestamp + api_key + recv_window + payload), where
the payload is the raw query string of a GET and the raw body of a POST; the timestamp must lie
in [server time - recv_window, server time + 1000). WebSocket: op "auth" with
[api_key, expires, hex HMAC-SHA256(secret, "GET/realtime" + expires)], expires in the future.
The server time here is the wall clock (see clock.py).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from algotrading.local.bybit_sim.envelope import BybitError

DEFAULT_RECV_WINDOW = 5000
FUTURE_TOLERANCE_MS = 1000


def sign(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def verify_rest(
    headers: Mapping[str, str], payload: str, secrets: Mapping[str, str], now_ms: int
) -> str:
    """The API key of a correctly signed, fresh request; BybitError (10003/10002/10004) else."""
    key = headers.get("X-BAPI-API-KEY", "")
    if not key or key not in secrets:
        raise BybitError(10003, "API key is invalid.")
    raw_ts = headers.get("X-BAPI-TIMESTAMP", "")
    raw_window = headers.get("X-BAPI-RECV-WINDOW", "") or str(DEFAULT_RECV_WINDOW)
    if not raw_ts.isdigit() or not raw_window.isdigit():
        raise BybitError(10002, _window_message(raw_ts, now_ms, raw_window))
    timestamp, window = int(raw_ts), int(raw_window)
    if not now_ms - window <= timestamp < now_ms + FUTURE_TOLERANCE_MS:
        raise BybitError(10002, _window_message(raw_ts, now_ms, raw_window))
    expected = sign(secrets[key], f"{raw_ts}{key}{raw_window}{payload}")
    given = headers.get("X-BAPI-SIGN", "")
    if not hmac.compare_digest(expected, given.lower()):
        raise BybitError(10004, "Error sign, please check your signature generation algorithm.")
    return key


def _window_message(timestamp: str, now_ms: int, window: str) -> str:
    return (
        "invalid request, please check your server timestamp or recv_window param. "
        f"req_timestamp[{timestamp}],server_timestamp[{now_ms}],recv_window[{window}]"
    )


def verify_ws(args: object, secrets: Mapping[str, str], now_ms: int) -> str:
    """The API key of a valid WebSocket auth op; ValueError with Bybit's wording else."""
    if not isinstance(args, list) or len(args) != 3:
        raise ValueError("Params Error")
    key, expires, signature = (str(a) for a in args)
    if key not in secrets:
        raise ValueError("Invalid apikey")
    if not expires.lstrip("-").isdigit() or int(expires) <= now_ms:
        raise ValueError("Params Error: auth expired")
    expected = sign(secrets[key], f"GET/realtime{expires}")
    if not hmac.compare_digest(expected, signature.lower()):
        raise ValueError("Invalid sign")
    return key
