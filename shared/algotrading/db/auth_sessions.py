"""Refresh tokens (`auth_sessions`) and sign-in attempts (`login_attempts`).

A refresh token is a random string the client keeps; the table holds only its SHA-256, so a
leaked database dump signs nobody in. Refreshing rotates the token (the old row is revoked and
points at its successor); presenting a revoked token again means it was copied, so the caller
revokes every session of that user (`revoke_sessions`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: int
    user_id: int
    expires_at: datetime
    revoked: bool
    second_factor: bool
    expired: bool


def open_session(
    conn: psycopg.Connection,
    user_id: int,
    token: str,
    lifetime: timedelta,
    *,
    client: str | None,
    second_factor: bool,
) -> int:
    """A new refresh token's row; `second_factor` says the sign-in passed TOTP, so the access
    tokens it refreshes into carry that too."""
    row = conn.execute(
        "INSERT INTO auth_sessions (user_id, token_sha256, expires_at, client_addr, second_factor)"
        " VALUES (%s, %s, now() + %s, %s, %s) RETURNING id",
        (user_id, token_digest(token), lifetime, client, second_factor),
    ).fetchone()
    assert row is not None
    return int(row[0])


def find_session(conn: psycopg.Connection, token: str) -> SessionRow | None:
    """The session of a refresh token, locked for the rest of the transaction (two refreshes
    of one token at once: the second waits and then sees it revoked)."""
    row = conn.execute(
        "SELECT id, user_id, expires_at, revoked_at IS NOT NULL, second_factor,"
        " expires_at <= now() FROM auth_sessions WHERE token_sha256 = %s FOR UPDATE",
        (token_digest(token),),
    ).fetchone()
    if row is None:
        return None
    return SessionRow(int(row[0]), int(row[1]), row[2], bool(row[3]), bool(row[4]), bool(row[5]))


def revoke_session(conn: psycopg.Connection, session_id: int, replaced_by: int | None) -> None:
    conn.execute(
        "UPDATE auth_sessions SET revoked_at = COALESCE(revoked_at, now()),"
        " replaced_by = COALESCE(%s, replaced_by) WHERE id = %s",
        (replaced_by, session_id),
    )


def record_attempt(conn: psycopg.Connection, email: str, client: str, succeeded: bool) -> None:
    conn.execute(
        "INSERT INTO login_attempts (email, client_addr, succeeded) VALUES (%s, %s, %s)",
        (email.strip().lower()[:320], client[:100], succeeded),
    )


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failed sign-ins inside the window: for the email since its last success, and from the
    client address; `retry_after_s` is when the oldest counted failure leaves the window."""

    by_email: int
    by_client: int
    email_retry_after_s: int
    client_retry_after_s: int


def recent_failures(
    conn: psycopg.Connection, email: str, client: str, window: timedelta
) -> RecentFailures:
    row = conn.execute(
        """
        WITH e AS (
            SELECT created_at FROM login_attempts
            WHERE lower(email) = lower(%(email)s) AND NOT succeeded
              AND created_at > now() - %(window)s
              AND created_at > COALESCE((SELECT max(created_at) FROM login_attempts
                  WHERE lower(email) = lower(%(email)s) AND succeeded), '-infinity')
        ), c AS (
            SELECT created_at FROM login_attempts
            WHERE client_addr = %(client)s AND NOT succeeded
              AND created_at > now() - %(window)s
        )
        SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM c),
            COALESCE(ceil(extract(epoch FROM
                (SELECT min(created_at) FROM e) + %(window)s - now())), 0),
            COALESCE(ceil(extract(epoch FROM
                (SELECT min(created_at) FROM c) + %(window)s - now())), 0)
        """,
        {"email": email.strip(), "client": client, "window": window},
    ).fetchone()
    assert row is not None
    return RecentFailures(int(row[0]), int(row[1]), max(1, int(row[2])), max(1, int(row[3])))
