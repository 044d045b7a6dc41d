"""The `ws_connections` table: the API Gateway WebSocket connections (AWS) and whom they watch.

A row is stored unauthenticated at `$connect` (user and account NULL) and gets its user and
account once the client's first message authenticated it; only such rows receive events. The
row goes at `$disconnect`, on a refused message, or when posting to it answers that it is gone.
"""

from __future__ import annotations

import psycopg


def add_connection(conn: psycopg.Connection, connection_id: str) -> None:
    """A new, unauthenticated connection (a reconnect with a reused id starts over)."""
    conn.execute(
        "INSERT INTO ws_connections (connection_id) VALUES (%s) ON CONFLICT (connection_id)"
        " DO UPDATE SET user_id = NULL, trading_account_id = NULL, authenticated_at = NULL,"
        " connected_at = now()",
        (connection_id,),
    )


def watch(conn: psycopg.Connection, connection_id: str, user_id: int, account_id: int) -> bool:
    """Mark the connection authenticated for `user_id`, watching `account_id`; False when the
    connection is unknown (it went away meanwhile)."""
    return (
        conn.execute(
            "UPDATE ws_connections SET user_id = %s, trading_account_id = %s,"
            " authenticated_at = COALESCE(authenticated_at, now()) WHERE connection_id = %s",
            (user_id, account_id, connection_id),
        ).rowcount
        == 1
    )


def connection_user(conn: psycopg.Connection, connection_id: str) -> int | None:
    """The user an authenticated connection belongs to; None when unknown or not signed in."""
    row = conn.execute(
        "SELECT user_id FROM ws_connections WHERE connection_id = %s", (connection_id,)
    ).fetchone()
    return None if row is None or row[0] is None else int(row[0])


def remove_connection(conn: psycopg.Connection, connection_id: str) -> bool:
    return (
        conn.execute(
            "DELETE FROM ws_connections WHERE connection_id = %s", (connection_id,)
        ).rowcount
        == 1
    )


def watching(conn: psycopg.Connection, account_id: int | None) -> list[str]:
    """The authenticated connections watching `account_id` (None: every authenticated one,
    for an account-less event), in connection order."""
    rows = conn.execute(
        "SELECT connection_id FROM ws_connections WHERE user_id IS NOT NULL"
        " AND trading_account_id IS NOT NULL"
        " AND (%s::bigint IS NULL OR trading_account_id = %s::bigint)"
        " ORDER BY connected_at, connection_id",
        (account_id, account_id),
    ).fetchall()
    return [str(r[0]) for r in rows]
