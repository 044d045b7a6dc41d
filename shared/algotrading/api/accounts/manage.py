"""Creating, changing and deleting trading accounts; each change is written to the audit table
with the signed-in user as actor, in the request's transaction.

A user manages their own accounts; an admin reaches every account (`deps.reachable_account`).
A deleted account's audit row names no account (the row would go with it by cascade), and
keeps the account's id and name in its detail.
"""

from __future__ import annotations

from typing import Any

import psycopg

from algotrading.api.deps import Principal, reachable_account
from algotrading.api.errors import conflict
from algotrading.api.schemas.accounts import AccountCreate, AccountUpdate
from algotrading.db import account_admin
from algotrading.db.account_admin import AccountDetail, AccountNameTaken
from algotrading.db.audit import OperatorAction, record_action


def _audit(
    conn: psycopg.Connection, principal: Principal, account_id: int | None,
    action: OperatorAction, detail: dict[str, Any],
) -> None:  # fmt: skip
    record_action(
        conn, account_id, action, "account", actor=principal.actor, reason=None,
        detail=detail, user_id=principal.user.id,
    )  # fmt: skip


def listed(
    conn: psycopg.Connection, principal: Principal, limit: int, offset: int
) -> tuple[list[AccountDetail], int]:
    """The caller's accounts; an admin's list holds every user's."""
    owner = None if principal.user.is_admin else principal.user.id
    return account_admin.list_account_details(conn, owner, limit, offset)


def shown(conn: psycopg.Connection, principal: Principal, account_id: int) -> AccountDetail:
    reachable_account(conn, principal, account_id)
    return account_admin.get_account_detail(conn, account_id)


def create(conn: psycopg.Connection, principal: Principal, request: AccountCreate) -> AccountDetail:
    columns = request.columns()
    try:
        account = account_admin.insert_account(conn, principal.user.id, columns)
    except AccountNameTaken as exc:
        raise conflict(str(exc), "name") from None
    _audit(conn, principal, account.id, OperatorAction.ACCOUNT_CREATE, columns)
    return account


def update(
    conn: psycopg.Connection, principal: Principal, account_id: int, change: AccountUpdate
) -> AccountDetail:
    reachable_account(conn, principal, account_id)
    columns = change.columns()
    try:
        account = account_admin.update_account(conn, account_id, columns)
    except AccountNameTaken as exc:
        raise conflict(str(exc), "name") from None
    _audit(conn, principal, account_id, OperatorAction.ACCOUNT_UPDATE, columns)
    return account


def delete(conn: psycopg.Connection, principal: Principal, account_id: int) -> None:
    account = reachable_account(conn, principal, account_id)
    account_admin.delete_account(conn, account_id)
    detail = {"account_id": account_id, "name": account.name, "owner_id": account.user_id}
    _audit(conn, principal, None, OperatorAction.ACCOUNT_DELETE, detail)
