"""What routes depend on: the request's database connection, the signed-in user, the admin
check, the trading account a request is scoped to, and paging.

Access control lives here and only here, so a route cannot forget it: an account-scoped route
declares `Scoped` and receives an account the caller may reach, or the request ends first (no
header: 400; an account that does not exist or belongs to someone else: the same 404, so
account ids cannot be probed).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

import psycopg
from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from algotrading.api.auth.tokens import AccessClaims, TokenInvalid, read_access
from algotrading.api.config import ApiSettings, signing_secret
from algotrading.api.database import Database
from algotrading.api.errors import bad_request, forbidden, not_found, unauthorized
from algotrading.api.schemas.common import MAX_PAGE
from algotrading.db.accounts import AccountNotFound, TradingAccount, get_account
from algotrading.db.users import User, UserNotFound, get_user
from algotrading.domain.timefmt import datetime_to_ms
from algotrading.settings import Settings as AppSettings

ACCOUNT_HEADER = "X-Trading-Account-Id"
_bearer = HTTPBearer(auto_error=False, description="The access token from /api/auth/login")


def api_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.api_settings
    return settings


def _database(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def _connection(request: Request) -> Iterator[psycopg.Connection]:
    with _database(request).connection() as conn:
        yield conn


Conn = Annotated[psycopg.Connection, Depends(_connection, scope="function")]
Settings = Annotated[ApiSettings, Depends(api_settings)]


@dataclass(frozen=True, slots=True)
class Principal:
    """The signed-in user behind a request and what their token says."""

    user: User
    claims: AccessClaims

    @property
    def actor(self) -> str:
        return self.user.email


def current_user(
    conn: Conn,
    settings: Settings,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    """The user of a valid, unrevoked access token of an active user; else 401."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise unauthorized("sign in first: send Authorization: Bearer <access token>")
    try:
        claims = read_access(signing_secret(settings), credentials.credentials)
        user = get_user(conn, claims.user_id)
    except TokenInvalid as exc:
        raise unauthorized(str(exc)) from None
    except UserNotFound:
        raise unauthorized("the access token is not valid") from None
    if not user.is_active:
        raise unauthorized("this user is deactivated")
    if claims.issued_ms < datetime_to_ms(user.sessions_valid_after):
        raise unauthorized("this session was signed out; sign in again")
    return Principal(user, claims)


Caller = Annotated[Principal, Depends(current_user)]


def require_admin(principal: Caller, settings: Settings) -> Principal:
    """An admin, who passed the second factor unless the one-machine setting waives it."""
    if not principal.user.is_admin:
        raise forbidden("this needs the admin role")
    if settings.admin_totp == "required" and not principal.claims.second_factor:
        raise forbidden(
            "admins sign in with a second factor: set one up (POST /api/auth/totp/setup,"
            " then /api/auth/totp/confirm) and sign in again with totp_code"
        )
    return principal


Admin = Annotated[Principal, Depends(require_admin)]


@dataclass(frozen=True, slots=True)
class AccountScope:
    """A trading account the caller may reach, and who the caller is."""

    account: TradingAccount
    principal: Principal

    @property
    def account_id(self) -> int:
        return self.account.id


def reachable_account(
    conn: psycopg.Connection, principal: Principal, account_id: int
) -> TradingAccount:
    """The account if the caller may reach it (theirs, or any for an admin); else the same 404
    for a foreign account as for one that does not exist."""
    missing = not_found(f"trading account {account_id} does not exist")
    try:
        account = get_account(conn, account_id)
    except AccountNotFound:
        raise missing from None
    if account.user_id != principal.user.id and not principal.user.is_admin:
        raise missing
    return account


def account_scope(
    conn: Conn,
    principal: Caller,
    account_header: Annotated[
        str | None,
        Header(
            alias=ACCOUNT_HEADER,
            description="The trading account this request concerns (its numeric id)",
        ),
    ] = None,
) -> AccountScope:
    if account_header is None or not account_header.strip():
        raise bad_request(f"the {ACCOUNT_HEADER} header is required", ACCOUNT_HEADER)
    text = account_header.strip()
    if not text.isdigit() or len(text) > 18:
        raise bad_request(f"{ACCOUNT_HEADER} must be a trading account id", ACCOUNT_HEADER)
    return AccountScope(reachable_account(conn, principal, int(text)), principal)


Scoped = Annotated[AccountScope, Depends(account_scope)]


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Items per page")] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000_000, description="Items to skip")] = 0,
) -> Paging:
    return Paging(limit, offset)


PageQuery = Annotated[Paging, Depends(paging)]


def app_settings(request: Request) -> AppSettings:
    """The platform settings the app was built with (breaker thresholds and the like)."""
    settings: AppSettings = request.app.state.settings
    return settings


Platform = Annotated[AppSettings, Depends(app_settings)]
