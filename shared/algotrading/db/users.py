"""The one user of a single machine: the owner of the accounts made without a login.

There is no sign-up yet (the API brings users). Until then every account made on one machine,
by `algo paper replay`, `algo up` or `algo accounts create`, belongs to this user, so that a
name means one account and a later import into a multi-user database has one owner to map.
"""

from __future__ import annotations

import psycopg

LOCAL_USER_EMAIL = "paper-replay@localhost"
"""Its e-mail: the name the paper replay gave it first, kept so existing rows stay owned."""


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
