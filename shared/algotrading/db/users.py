"""Platform users: the people who sign in to the API and own trading accounts.

Plain functions over the `users` table (conn in, `User` out); the caller commits. The password
hash and the TOTP secret stay in the database layer's hands: `User` carries neither, so a route
that returns a user can never leak them. Email is unique case-insensitively (the index on
`lower(email)`), so `Ann@x.io` and `ann@x.io` are one person.

One user is special on a single machine: the owner of the accounts made without a login
(`algo paper replay`, `algo up`, `algo accounts create`), so that a name means one account and
a later import into a multi-user database has one owner to map (`local_user`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import psycopg

from algotrading.errors import AppError


class Role(StrEnum):
    """Matches the CHECK constraint of `users.role`."""

    ADMIN = "admin"
    USER = "user"


class UserNotFound(AppError):
    """No user with that id or email."""


class EmailTaken(AppError):
    """Another user already has that email."""


@dataclass(frozen=True, slots=True)
class User:
    id: int
    email: str
    display_name: str | None
    role: Role
    is_active: bool
    totp_enabled: bool
    sessions_valid_after: datetime
    created_at: datetime

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


_COLUMNS = (
    "id, email, display_name, role, is_active, totp_enabled, sessions_valid_after, created_at"
)


def _user(row: tuple[Any, ...]) -> User:
    uid, email, name, role, active, totp, valid_after, created = row
    return User(
        id=int(uid), email=str(email), display_name=name, role=Role(role),
        is_active=bool(active), totp_enabled=bool(totp),
        sessions_valid_after=valid_after, created_at=created,
    )  # fmt: skip


def create_user(
    conn: psycopg.Connection,
    email: str,
    password_hash: str,
    role: Role = Role.USER,
    display_name: str | None = None,
) -> User:
    """Insert a user; a taken email is `EmailTaken` (the transaction stays usable)."""
    try:
        with conn.transaction():
            row = conn.execute(
                f"INSERT INTO users (email, password_hash, role, display_name)"
                f" VALUES (%s, %s, %s, %s) RETURNING {_COLUMNS}",
                (email.strip(), password_hash, Role(role).value, display_name),
            ).fetchone()
    except psycopg.errors.UniqueViolation:
        raise EmailTaken(f"a user with email {email.strip()} already exists") from None
    assert row is not None
    return _user(row)


def get_user(conn: psycopg.Connection, user_id: int) -> User:
    row = conn.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        raise UserNotFound(f"user {user_id} does not exist")
    return _user(row)


def find_by_email(conn: psycopg.Connection, email: str) -> tuple[User, str] | None:
    """The user and their password hash, for sign-in; None when nobody has that email."""
    row = conn.execute(
        f"SELECT {_COLUMNS}, password_hash FROM users WHERE lower(email) = lower(%s)",
        (email.strip(),),
    ).fetchone()
    return None if row is None else (_user(row[:-1]), str(row[-1]))


def password_hash_of(conn: psycopg.Connection, user_id: int) -> str:
    row = conn.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,)).fetchone()
    if row is None:
        raise UserNotFound(f"user {user_id} does not exist")
    return str(row[0])


def list_users(conn: psycopg.Connection, limit: int, offset: int) -> tuple[list[User], int]:
    """One page of users, oldest first, and the total count."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM users ORDER BY id LIMIT %s OFFSET %s", (limit, offset)
    ).fetchall()
    total = conn.execute("SELECT count(*) FROM users").fetchone()
    return [_user(r) for r in rows], int(total[0]) if total else 0


def count_admins(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT count(*) FROM users WHERE role = 'admin' AND is_active").fetchone()
    return int(row[0]) if row else 0


def update_user(
    conn: psycopg.Connection,
    user_id: int,
    *,
    display_name: str | None = None,
    role: Role | None = None,
    is_active: bool | None = None,
) -> User:
    """Change the given fields (None leaves one as it is)."""
    row = conn.execute(
        "UPDATE users SET display_name = COALESCE(%s, display_name),"
        " role = COALESCE(%s, role), is_active = COALESCE(%s, is_active), updated_at = now()"
        f" WHERE id = %s RETURNING {_COLUMNS}",
        (display_name, None if role is None else Role(role).value, is_active, user_id),
    ).fetchone()
    if row is None:
        raise UserNotFound(f"user {user_id} does not exist")
    return _user(row)


def set_password_hash(conn: psycopg.Connection, user_id: int, password_hash: str) -> None:
    """Store a new hash and end every session issued before it (a changed password means
    whoever held the old one is signed out)."""
    updated = conn.execute(
        "UPDATE users SET password_hash = %s, sessions_valid_after = now(), updated_at = now()"
        " WHERE id = %s",
        (password_hash, user_id),
    ).rowcount
    if updated != 1:
        raise UserNotFound(f"user {user_id} does not exist")


def revoke_sessions(conn: psycopg.Connection, user_id: int) -> None:
    """Refuse every access token issued until now and revoke every refresh token."""
    updated = conn.execute(
        "UPDATE users SET sessions_valid_after = now(), updated_at = now() WHERE id = %s",
        (user_id,),
    ).rowcount
    if updated != 1:
        raise UserNotFound(f"user {user_id} does not exist")
    conn.execute(
        "UPDATE auth_sessions SET revoked_at = now() WHERE user_id = %s AND revoked_at IS NULL",
        (user_id,),
    )


def delete_user(conn: psycopg.Connection, user_id: int) -> None:
    """Delete the user (their trading accounts and sessions go with them, by the foreign keys)."""
    if conn.execute("DELETE FROM users WHERE id = %s", (user_id,)).rowcount != 1:
        raise UserNotFound(f"user {user_id} does not exist")


def totp_secret_of(conn: psycopg.Connection, user_id: int) -> bytes | None:
    row = conn.execute(
        "SELECT totp_secret_encrypted FROM users WHERE id = %s", (user_id,)
    ).fetchone()
    if row is None:
        raise UserNotFound(f"user {user_id} does not exist")
    return None if row[0] is None else bytes(row[0])


def set_totp(
    conn: psycopg.Connection, user_id: int, secret_encrypted: bytes | None, enabled: bool
) -> None:
    """Store a pending secret (enabled False), confirm it (True), or clear it (None, False)."""
    conn.execute(
        "UPDATE users SET totp_secret_encrypted = %s, totp_enabled = %s, updated_at = now()"
        " WHERE id = %s",
        (secret_encrypted, enabled, user_id),
    )


LOCAL_USER_EMAIL = "paper-replay@localhost"
"""The local owner's e-mail: the name the paper replay gave it first, kept so existing rows stay
owned. Its password hash is a placeholder no password matches: it cannot sign in."""


def local_user(conn: psycopg.Connection) -> int:
    """The local user's id, created on first use; the caller commits."""
    row = conn.execute(
        "SELECT id FROM users WHERE lower(email) = %s", (LOCAL_USER_EMAIL,)
    ).fetchone()
    if row is not None:
        return int(row[0])
    created = conn.execute(
        "INSERT INTO users (email, display_name, password_hash) VALUES (%s, 'paper replay', '!')"
        " RETURNING id",
        (LOCAL_USER_EMAIL,),
    ).fetchone()
    if created is None:  # INSERT ... RETURNING always returns a row; this guards a broken driver
        raise RuntimeError("INSERT INTO users returned no id")
    return int(created[0])
