"""The `operator_actions` table: the audit of every operator control and admin action.

One table for every way an operator reaches the breakers, the book and the users, so "who
stopped the scalper, and why" has one answer whatever the door: the CLI and the API write and
list it with the same two functions (an admin action on a user concerns no trading account and
leaves it empty). A row is written in the same transaction as the change it records (the
breaker state; for a flatten, after its closes, with their outcome), and also when the action
changed nothing, because an attempt is part of the story.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.db.accounts import get_account
from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime


class OperatorAction(StrEnum):
    """Matches the CHECK constraint of `operator_actions.action`."""

    PAUSE = "pause"
    RESUME = "resume"
    FLATTEN = "flatten"
    USER_CREATE = "user_create"
    USER_UPDATE = "user_update"
    USER_DELETE = "user_delete"
    PASSWORD_RESET = "password_reset"
    SESSIONS_REVOKE = "sessions_revoke"
    ACCOUNT_CREATE = "account_create"
    ACCOUNT_UPDATE = "account_update"
    ACCOUNT_DELETE = "account_delete"
    ACCOUNT_KEYS = "account_keys"
    STRATEGY_CONFIG = "strategy_config"
    TRADE_CREATE = "trade_create"
    TRADE_CLOSE = "trade_close"
    TRADE_UPDATE = "trade_update"
    ORDER_CANCEL = "order_cancel"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    account_id: int | None
    action: OperatorAction
    scope: str
    actor: str | None
    reason: str | None
    user_id: int | None
    detail: Mapping[str, Any]
    time_ms: int


_COLUMNS = "id, trading_account_id, action, scope, actor, reason, user_id, detail, created_at"


def record_action(
    conn: psycopg.Connection,
    account_id: int | None,
    action: OperatorAction | str,
    scope: str,
    *,
    actor: str | None,
    reason: str | None,
    detail: Mapping[str, Any] | None = None,
    user_id: int | None = None,
    time_ms: int | None = None,
) -> int:
    """Store one action (the caller's transaction); its id. An unknown account raises; an
    action on no account (a user created by an admin) passes None."""
    if account_id is not None:
        get_account(conn, account_id)
    when = None if time_ms is None else ms_to_datetime(time_ms)
    row = conn.execute(
        "INSERT INTO operator_actions (trading_account_id, action, scope, actor, reason,"
        " user_id, detail, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s,"
        " COALESCE(%s::timestamptz, now())) RETURNING id",
        (
            account_id, OperatorAction(action).value, scope, actor, reason, user_id,
            Jsonb(json_safe(dict(detail or {}))), when,
        ),
    ).fetchone()  # fmt: skip
    assert row is not None
    return int(row[0])


def list_actions(
    conn: psycopg.Connection, account_id: int | None = None, limit: int = 100
) -> list[AuditEntry]:
    """The newest actions first (of one account, or of all when None)."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM operator_actions"
        " WHERE (%s::bigint IS NULL OR trading_account_id = %s::bigint)"
        " ORDER BY created_at DESC, id DESC LIMIT %s",
        (account_id, account_id, limit),
    ).fetchall()
    return [_entry(r) for r in rows]


def _entry(r: tuple[Any, ...]) -> AuditEntry:
    entry_id, account, action, scope, actor, reason, user_id, detail, created = r
    return AuditEntry(
        id=entry_id, account_id=account, action=OperatorAction(action), scope=scope,
        actor=actor, reason=reason, user_id=user_id, detail=detail or {},
        time_ms=datetime_to_ms(created),
    )  # fmt: skip


_OWNED = (
    " WHERE (%s::bigint IS NULL OR trading_account_id IN"
    " (SELECT id FROM trading_accounts WHERE user_id = %s::bigint))"
)


def page_actions(
    conn: psycopg.Connection, owner_id: int | None, limit: int, offset: int
) -> tuple[list[AuditEntry], int]:
    """One page of actions, newest first, and the total: on the accounts of user `owner_id`
    (admin actions on users, which name no account, are left out), or all when None."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM operator_actions" + _OWNED
        + " ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s",
        (owner_id, owner_id, limit, offset),
    ).fetchall()  # fmt: skip
    total = conn.execute(
        "SELECT count(*) FROM operator_actions" + _OWNED, (owner_id, owner_id)
    ).fetchone()
    return [_entry(r) for r in rows], int(total[0]) if total else 0
