"""Every error the API answers has one JSON shape a person can act on:

    {"error": {"code": "not_found", "message": "trading account 7 does not exist", "field": null}}

`code` is stable for programs, `message` is for people and names the field or the reason,
`field` points at the offending input when there is one. No answer carries a stack trace, a
secret or a key: an unexpected exception is logged (redacted) and answered with a generic 500,
which the fuzzing tests treat as a bug.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from algotrading.db.accounts import AccountNotFound
from algotrading.db.users import EmailTaken, UserNotFound
from algotrading.errors import AppError, ConfigError, DatabaseUnavailable, MigrationError
from algotrading.logs import get_logger, redact

log = get_logger("api")


class ApiError(Exception):
    """An answer other than success, raised anywhere below a route."""

    def __init__(
        self, status: int, code: str, message: str, field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:  # fmt: skip
        super().__init__(message)
        self.status, self.code, self.message = status, code, " ".join(message.split())
        self.field, self.headers = field, headers


def bad_request(message: str, field: str | None = None) -> ApiError:
    return ApiError(400, "bad_request", message, field)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def conflict(message: str, field: str | None = None) -> ApiError:
    return ApiError(409, "conflict", message, field)


def forbidden(message: str) -> ApiError:
    return ApiError(403, "forbidden", message)


def unauthorized(message: str) -> ApiError:
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": redact(message), "field": field}}


_STATUS_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 406: "not_acceptable", 409: "conflict", 413: "too_large",
    415: "unsupported_media_type", 422: "validation_error", 429: "too_many_requests",
}  # fmt: skip


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or ".".join(str(p) for p in loc)


def validation_message(errors: Sequence[Any]) -> tuple[str, str | None]:
    """The first problem as one line naming the field, and that field."""
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    field = _field(first.get("loc", ()))
    where = next((str(p) for p in first.get("loc", ()) if p in ("query", "header", "path")), "")
    message = str(first.get("msg", "invalid value"))
    if first.get("type") == "json_invalid":
        return "the request body is not valid JSON", None
    label = f"{where} parameter {field}" if where else field
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return (f"{label}: {message}{more}" if field else f"{message}{more}"), field or None


def _app_error_status(exc: AppError) -> tuple[int, str]:
    if isinstance(exc, AccountNotFound | UserNotFound):
        return 404, "not_found"
    if isinstance(exc, EmailTaken):
        return 409, "conflict"
    if isinstance(exc, DatabaseUnavailable | ConfigError | MigrationError):
        return 503, "unavailable"
    return 400, "bad_request"


def install_error_handlers(app: FastAPI) -> None:
    """Map every exception to the one error shape."""

    @app.exception_handler(ApiError)
    async def _api(_: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(body(exc.code, exc.message, exc.field), exc.status, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        message, field = validation_message(exc.errors())
        return JSONResponse(body("validation_error", message, field), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _STATUS_CODES.get(exc.status_code, "error")
        return JSONResponse(body(code, str(exc.detail)), exc.status_code, exc.headers)

    @app.exception_handler(AppError)
    async def _app(_: Request, exc: AppError) -> JSONResponse:
        status, code = _app_error_status(exc)
        if status >= 500:
            log.error("unavailable: %s", redact(str(exc)))
        return JSONResponse(body(code, str(exc)), status)

    @app.exception_handler(psycopg.DataError)
    async def _data(request: Request, exc: psycopg.DataError) -> JSONResponse:
        # A value the database cannot take (a NUL in text, a number or time out of its range)
        # came from the request: the request is wrong, not the server.
        log.warning("refused by the database on %s: %s", request.url.path, type(exc).__name__)
        return JSONResponse(
            body("bad_request", "a value is out of the range the database holds"), 400
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(body("internal", "internal error; it has been logged"), 500)
