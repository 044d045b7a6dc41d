"""Bybit retCodes, HTTP statuses and transport failures -> typed exchange errors.

pybit raises `InvalidRequestError` (retCode != 0, `status_code` holds the retCode) and
`FailedRequestError` (HTTP status != 200, or 409 for a body that is not JSON), and lets `requests`
exceptions through. Its messages embed the request body; ours never do. Every message passes
through `redact` in case the exchange ever echoes something we registered as secret.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import requests
from pybit.exceptions import FailedRequestError, InvalidRequestError

from algotrading.exchange.errors import (
    AuthenticationError,
    ClockSkew,
    DuplicateOrderLinkId,
    ExchangeError,
    ExchangeRejected,
    ExchangeTimeout,
    ExchangeUnavailable,
    InsufficientBalance,
    InvalidRequest,
    NotModified,
    OrderBelowMinimum,
    OrderNotFound,
    RateLimited,
)
from algotrading.logs import redact

RATE_LIMITED = {10006, 10018}
AUTH = {
    10003: "the API key is invalid, or belongs to another environment "
    "(mainnet, testnet and demo keys differ)",
    10004: "the request signature was rejected: the API secret is wrong",
    10005: "permission denied: the API key lacks the permission for this request",
    10007: "user authentication failed",
    10010: "this IP address is not bound to the API key",
    33004: "the API key has expired",
}
ACCOUNT_MODE = {10020, 10028}
INSUFFICIENT_BALANCE = {110004, 110007, 110012, 131001}
ORDER_NOT_FOUND = {110001}
DUPLICATE_ORDER_LINK_ID = {110072}
BELOW_MINIMUM = {110017, 110094}
INVALID_REQUEST = {10001, 10017, 10029, 181001}
NOT_MODIFIED = {110025, 110026, 110043, 34040}
SERVER = {10000, 10016, 10019, 5004, 429}
CLOCK = {10002}

_HTTP_RATE = {403: "IP rate limit or region block (HTTP 403)", 429: "HTTP 429"}


def from_ret_code(
    code: int,
    message: str,
    headers: Mapping[str, str] | None = None,
    now_ms: int | None = None,
) -> ExchangeError:
    """The typed error for a non-zero retCode; `now_ms` is the exchange's clock, if known."""
    text = f"Bybit retCode {code}: {redact(message or '').strip()}".rstrip(": ")
    if code in RATE_LIMITED:
        return RateLimited(text, code=code, retry_after_s=_reset_in_s(headers, now_ms))
    if code in AUTH:
        return AuthenticationError(f"{AUTH[code]} ({text})", code=code)
    if code in ACCOUNT_MODE:
        return InvalidRequest(f"the account must be a Unified Trading Account ({text})", code=code)
    kinds: list[tuple[set[int], type[ExchangeError]]] = [
        (INSUFFICIENT_BALANCE, InsufficientBalance),
        (ORDER_NOT_FOUND, OrderNotFound),
        (DUPLICATE_ORDER_LINK_ID, DuplicateOrderLinkId),
        (BELOW_MINIMUM, OrderBelowMinimum),
        (INVALID_REQUEST, InvalidRequest),
        (NOT_MODIFIED, NotModified),
        (SERVER, ExchangeUnavailable),
        (CLOCK, ClockSkew),
    ]
    for codes, kind in kinds:
        if code in codes:
            return kind(text, code=code)
    return ExchangeRejected(f"Bybit refused the request ({text})", code=code)


def from_http_status(
    status: int, headers: Mapping[str, str] | None = None, now_ms: int | None = None
) -> ExchangeError:
    """The typed error for an HTTP status other than 200."""
    if status in _HTTP_RATE:
        retry = 600.0 if status == 403 else _reset_in_s(headers, now_ms)  # Bybit: 10 min after 403
        return RateLimited(
            f"Bybit rate limit: {_HTTP_RATE[status]}", code=status, retry_after_s=retry
        )
    if status == 401:
        return AuthenticationError("Bybit refused the API key (HTTP 401)", code=status)
    if status == 404:
        return InvalidRequest(
            "Bybit has no such endpoint (HTTP 404): is the base URL right?", code=status
        )
    if status == 409:
        return ExchangeUnavailable("Bybit answered with something that is not JSON", code=status)
    if 400 <= status < 500:
        return InvalidRequest(f"Bybit refused the request (HTTP {status})", code=status)
    return ExchangeUnavailable(f"Bybit server error (HTTP {status})", code=status)


def translate(exc: BaseException, now_ms: int | None = None, url: str = "Bybit") -> ExchangeError:
    """Any failure of one pybit call as a typed error (timeouts become `ExchangeTimeout`)."""
    if isinstance(exc, ExchangeError):
        return exc
    if isinstance(exc, InvalidRequestError):
        return from_ret_code(int(exc.status_code), str(exc.message), exc.resp_headers, now_ms)
    if isinstance(exc, FailedRequestError):
        return from_http_status(int(exc.status_code), exc.resp_headers, now_ms)
    if isinstance(exc, requests.exceptions.Timeout):
        return ExchangeTimeout(f"no answer from {url} in time ({type(exc).__name__})")
    if isinstance(exc, requests.exceptions.RequestException):
        return ExchangeTimeout(f"connection to {url} failed ({type(exc).__name__})")
    if isinstance(exc, ValueError):  # a body that is not JSON, past pybit's own check
        return ExchangeUnavailable(f"unreadable answer from Bybit ({type(exc).__name__})")
    raise exc


def _reset_in_s(headers: Mapping[str, str] | None, now_ms: int | None) -> float | None:
    """Seconds until `X-Bapi-Limit-Reset-Timestamp` (ms), if the answer carried it."""
    if not headers:
        return None
    raw = headers.get("X-Bapi-Limit-Reset-Timestamp")
    try:
        reset_ms = int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None
    if reset_ms is None:
        return None
    now = time.time() * 1000 if now_ms is None else now_ms
    return max(0.0, (reset_ms - now) / 1000)
