"""`/api/users`: user management, admins only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from algotrading.api import user_admin
from algotrading.api.deps import Admin, Conn, PageQuery
from algotrading.api.responses import errors
from algotrading.api.schemas.common import Message, Page
from algotrading.api.schemas.users import PasswordReset, UserCreate, UserOut, UserUpdate
from algotrading.db import users

router = APIRouter(
    prefix="/api/users", tags=["users"], responses=errors(400, 401, 403, 404, 409, 413, 422, 503)
)
UserId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The user's id")]


@router.get("")
def list_users(admin: Admin, conn: Conn, page: PageQuery) -> Page[UserOut]:
    found, total = users.list_users(conn, page.limit, page.offset)
    return Page(
        items=[UserOut.of(u) for u in found], total=total, limit=page.limit, offset=page.offset
    )


@router.post("", status_code=201)
def create_user(body: UserCreate, admin: Admin, conn: Conn) -> UserOut:
    return UserOut.of(user_admin.create(conn, admin, body))


@router.get("/{user_id}")
def get_user(user_id: UserId, admin: Admin, conn: Conn) -> UserOut:
    return UserOut.of(users.get_user(conn, user_id))


@router.patch("/{user_id}")
def update_user(user_id: UserId, body: UserUpdate, admin: Admin, conn: Conn) -> UserOut:
    """Change display name, role or active flag; a role change or deactivation signs them out."""
    return UserOut.of(user_admin.update(conn, admin, user_id, body))


@router.delete("/{user_id}")
def delete_user(user_id: UserId, admin: Admin, conn: Conn) -> Message:
    user_admin.delete(conn, admin, user_id)
    return Message(message=f"user {user_id} deleted")


@router.post("/{user_id}/password")
def reset_password(user_id: UserId, body: PasswordReset, admin: Admin, conn: Conn) -> Message:
    """Set a new password for a user (who is signed out everywhere)."""
    user_admin.reset_password(conn, admin, user_id, body.new_password)
    return Message(message=f"password of user {user_id} reset")


@router.post("/{user_id}/sessions/revoke")
def revoke_sessions(user_id: UserId, admin: Admin, conn: Conn) -> Message:
    user_admin.revoke(conn, admin, user_id)
    return Message(message=f"every session of user {user_id} is signed out")
