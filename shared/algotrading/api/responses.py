"""The error answers a route documents in OpenAPI, all in the one error shape."""

from __future__ import annotations

from typing import Any

from algotrading.api.schemas.common import ErrorBody

_TEXT = {
    400: "The request is wrong (the message names the field)",
    401: "Not signed in, or the token is expired, revoked or tampered with",
    403: "Signed in, but not allowed",
    404: "Not found, or not yours",
    409: "Conflicts with the current state",
    413: "The request body is too large",
    422: "A field is missing or malformed",
    429: "Too many attempts; see Retry-After",
    501: "Not available in this deployment yet",
    503: "The database or a setting is not available",
}


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a router or a route: each code answered with `ErrorBody`."""
    return {code: {"model": ErrorBody, "description": _TEXT[code]} for code in codes}


PUBLIC = errors(400, 413, 422, 503)
SIGNED_IN = errors(400, 401, 403, 413, 422, 503)
SCOPED = errors(400, 401, 403, 404, 409, 413, 422, 503)
