"""Admin work on users: create, change, reset, revoke, delete; each written to the audit table.

The platform never ends up without an active admin: demoting, deactivating or deleting the last
one is a 409, so nobody can lock every operator out through the API.
"""

from __future__ import annotations

import psycopg

from algotrading.api.auth.account_security import check_new_password
from algotrading.api.deps import Principal
from algotrading.api.errors import conflict
from algotrading.api.schemas.users import UserCreate, UserUpdate
from algotrading.db import users
from algotrading.db.audit import OperatorAction, record_action


def _audit(
    conn: psycopg.Connection, admin: Principal, action: OperatorAction, detail: dict[str, object]
) -> None:
    record_action(
        conn, None, action, "users", actor=admin.actor, reason=None, detail=detail,
        user_id=admin.user.id,
    )  # fmt: skip


def create(conn: psycopg.Connection, admin: Principal, request: UserCreate) -> users.User:
    digest = check_new_password(request.password, "password")
    user = users.create_user(conn, request.email, digest, request.role, request.display_name)
    _audit(conn, admin, OperatorAction.USER_CREATE, {"user_id": user.id, "role": user.role})
    return user


def _keeps_an_admin(conn: psycopg.Connection, target: users.User, losing: bool) -> None:
    if losing and target.is_admin and target.is_active and users.count_admins(conn) <= 1:
        raise conflict("this is the last active admin; make another admin first")


def update(
    conn: psycopg.Connection, admin: Principal, user_id: int, change: UserUpdate
) -> users.User:
    target = users.get_user(conn, user_id)
    demoted = change.role is not None and change.role is not users.Role.ADMIN
    _keeps_an_admin(conn, target, demoted or change.is_active is False)
    updated = users.update_user(
        conn, user_id, display_name=change.display_name, role=change.role,
        is_active=change.is_active,
    )  # fmt: skip
    if change.is_active is False or (change.role is not None and change.role != target.role):
        users.revoke_sessions(conn, user_id)
    detail = {"user_id": user_id, **change.model_dump(exclude_none=True)}
    _audit(conn, admin, OperatorAction.USER_UPDATE, detail)
    return updated


def reset_password(
    conn: psycopg.Connection, admin: Principal, user_id: int, new_password: str
) -> None:
    users.get_user(conn, user_id)
    users.set_password_hash(conn, user_id, check_new_password(new_password))
    users.revoke_sessions(conn, user_id)
    _audit(conn, admin, OperatorAction.PASSWORD_RESET, {"user_id": user_id})


def revoke(conn: psycopg.Connection, admin: Principal, user_id: int) -> None:
    users.revoke_sessions(conn, user_id)
    _audit(conn, admin, OperatorAction.SESSIONS_REVOKE, {"user_id": user_id})


def delete(conn: psycopg.Connection, admin: Principal, user_id: int) -> None:
    target = users.get_user(conn, user_id)
    if target.id == admin.user.id:
        raise conflict("an admin cannot delete their own user")
    _keeps_an_admin(conn, target, losing=True)
    users.delete_user(conn, user_id)
    _audit(conn, admin, OperatorAction.USER_DELETE, {"user_id": user_id, "email": target.email})
