"""The demo sign-in of `make demo`: an admin `demo@localhost` with a random password.

Created once; its password is written to `.local/demo-credentials` (mode 0600, never in the
repository) so a second `make demo` reuses the same user and password instead of piling up users
or printing a password nobody stored. An admin sees every account, so the demo user sees the
`local` paper account the stack trades. When the file is lost but the user is still there, the
password is reset to a new one and written again: the file is the only place it is kept.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import psycopg

from algotrading.api.auth.passwords import hash_password
from algotrading.db.users import Role, create_user, find_by_email, set_password_hash

DEMO_EMAIL = "demo@localhost"
CREDENTIALS_FILE = Path(".local/demo-credentials")


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str
    user_id: int
    created: bool
    """False when an existing user and its stored password were reused (or the password reset)."""


def ensure_demo_login(conn: psycopg.Connection, path: Path = CREDENTIALS_FILE) -> DemoLogin:
    """The demo admin, created on the first call; the caller commits."""
    stored = _read_password(path)
    found = find_by_email(conn, DEMO_EMAIL)
    if found is not None and stored is not None:
        return DemoLogin(DEMO_EMAIL, stored, found[0].id, created=False)
    password = secrets.token_urlsafe(18)
    if found is None:
        user = create_user(conn, DEMO_EMAIL, hash_password(password), Role.ADMIN, "demo")
        user_id, created = user.id, True
    else:
        user_id, created = found[0].id, False
        set_password_hash(conn, user_id, hash_password(password))
    _write_password(path, password)
    return DemoLogin(DEMO_EMAIL, password, user_id, created)


def _read_password(path: Path) -> str | None:
    if not path.exists():
        return None
    for line in path.read_text().splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "password" and value.strip():
            return value.strip()
    return None


def _write_password(path: Path, password: str) -> None:
    """`email=` and `password=` lines, readable by the owner only from the first byte."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    path.touch(mode=0o600)
    path.write_text(f"email={DEMO_EMAIL}\npassword={password}\n")
