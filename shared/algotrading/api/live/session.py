"""The rules of one WebSocket client, apart from the socket: who it is and what it may watch.

A client authenticates with its first message, never in the URL (URLs end up in access logs):
`{"type": "auth", "token": "<access token>", "account_id": 7, "after_id": 120}`. It receives
only that account's events (and the account-less ones, such as funding rates), and may switch
to another of its accounts with `{"type": "switch_account", "account_id": 8}`. `after_id`
replays the events it missed while disconnected, from the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.api.auth.tokens import TokenInvalid, read_access
from algotrading.db.accounts import AccountNotFound, get_account
from algotrading.db.users import User, UserNotFound, get_user
from algotrading.domain.timefmt import datetime_to_ms


class Refused(Exception):
    """The client may not go on; `code` is the WebSocket close code (4400-4499)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Hello:
    user: User
    account_id: int
    after_id: int | None


def _int_field(message: dict[str, Any], name: str, required: bool) -> int | None:
    value = message.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
        raise Refused(4400, f"{name} must be a non-negative integer")
    return value


def authenticate(conn: psycopg.Connection, secret: str, message: Any) -> Hello:
    """Check the first message: a valid token of an active user, and an account of theirs."""
    if not isinstance(message, dict) or message.get("type") != "auth":
        raise Refused(
            4400, 'the first message must be {"type": "auth", "token": ..., "account_id": ...}'
        )
    token = message.get("token")
    if not isinstance(token, str) or not token:
        raise Refused(4401, "token is required")
    try:
        claims = read_access(secret, token)
        user = get_user(conn, claims.user_id)
    except (TokenInvalid, UserNotFound):
        raise Refused(4401, "the access token is not valid") from None
    if not user.is_active or claims.issued_ms < datetime_to_ms(user.sessions_valid_after):
        raise Refused(4401, "this session was signed out; sign in again")
    account_id = _int_field(message, "account_id", required=True)
    assert account_id is not None
    check_account(conn, user, account_id)
    return Hello(user, account_id, _int_field(message, "after_id", required=False))


def check_account(conn: psycopg.Connection, user: User, account_id: int) -> None:
    """The same rule as the HTTP routes: one's own accounts, or any for an admin; else 404."""
    try:
        account = get_account(conn, account_id)
    except AccountNotFound:
        raise Refused(4404, f"trading account {account_id} does not exist") from None
    if account.user_id != user.id and not user.is_admin:
        raise Refused(4404, f"trading account {account_id} does not exist")
