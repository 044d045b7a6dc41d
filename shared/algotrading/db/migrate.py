"""The migration runner: numbered SQL files applied once each, in order, under an advisory lock.

Each file runs in its own transaction together with its `_migrations` row, so a file is either
fully applied and recorded or not at all. The session-level advisory lock makes concurrent
runners (several Lambdas cold-starting at once, parallel CLI calls) apply each file exactly once:
the others wait, then find nothing left to do.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import psycopg

from algotrading.errors import MigrationError
from algotrading.logs import get_logger

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
ADVISORY_LOCK_KEY = 7_164_211_900_001  # arbitrary, fixed: one key for this schema's migrations
_FILE_NAME = re.compile(r"^(?P<number>\d{3})_(?P<label>[a-z0-9_]+)\.sql$")
_log = get_logger(__name__)

_CREATE_TRACKING = """
CREATE TABLE IF NOT EXISTS _migrations (
    id          SERIAL PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    checksum    TEXT NOT NULL,
    applied_at  TIMESTAMPTZ NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    number: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    name: str
    applied_at: datetime


@dataclass(frozen=True, slots=True)
class MigrationStatus:
    applied: list[AppliedMigration]
    pending: list[str]


def load_migrations(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """The migration files, checked to be numbered 1, 2, 3, ... without gaps or duplicates."""
    found: list[Migration] = []
    for path in sorted(directory.glob("*.sql")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            raise MigrationError(f"{path.name}: migration files must be named NNN_name.sql")
        found.append(Migration(int(match["number"]), path.stem, path.read_text(encoding="utf-8")))
    for expected, migration in enumerate(found, start=1):
        if migration.number != expected:
            raise MigrationError(f"{migration.name}: expected migration number {expected:03d}")
    return found


def _applied(conn: psycopg.Connection) -> dict[str, tuple[str, datetime]]:
    exists = conn.execute("SELECT to_regclass('_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = conn.execute("SELECT name, checksum, applied_at FROM _migrations ORDER BY id").fetchall()
    return {name: (checksum, applied_at) for name, checksum, applied_at in rows}


def _check_history(files: list[Migration], applied: dict[str, tuple[str, datetime]]) -> None:
    by_name = {m.name: m for m in files}
    for name, (checksum, _) in applied.items():
        if name not in by_name:
            raise MigrationError(f"database has migration {name} which no file provides")
        if by_name[name].checksum != checksum:
            raise MigrationError(
                f"migration {name} changed after it was applied; migrations are append-only"
            )


def migration_status(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> MigrationStatus:
    """Applied and pending migrations, without changing anything."""
    files = load_migrations(directory)
    applied = _applied(conn)
    _check_history(files, applied)
    done = [AppliedMigration(name, at) for name, (_, at) in applied.items()]
    return MigrationStatus(done, [m.name for m in files if m.name not in applied])


def apply_migrations(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration; return the names applied by this call.

    `conn` must be in autocommit mode: the lock is held by the session, and each migration opens
    its own transaction.
    """
    if not conn.autocommit:
        raise ValueError("apply_migrations needs an autocommit connection")
    files = load_migrations(directory)
    conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
    try:
        conn.execute(_CREATE_TRACKING)
        applied = _applied(conn)
        _check_history(files, applied)
        done = []
        for migration in files:
            if migration.name not in applied:
                _apply_one(conn, migration)
                done.append(migration.name)
        return done
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))


def _apply_one(conn: psycopg.Connection, migration: Migration) -> None:
    try:
        with conn.transaction():
            conn.execute(migration.sql.encode())
            conn.execute(
                "INSERT INTO _migrations (name, checksum) VALUES (%s, %s)",
                (migration.name, migration.checksum),
            )
    except psycopg.Error as exc:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise MigrationError(
            f"migration {migration.name} failed and was rolled back ({detail}); "
            "later migrations were not applied"
        ) from None
    _log.info("applied migration %s", migration.name)


def reset_database(conn: psycopg.Connection, directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Drop every object in the public schema, then apply all migrations again."""
    if not conn.autocommit:
        raise ValueError("reset_database needs an autocommit connection")
    conn.execute("SELECT pg_advisory_lock(%s)", (ADVISORY_LOCK_KEY,))
    try:
        with conn.transaction():
            conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
            conn.execute("CREATE SCHEMA public")
    finally:
        conn.execute("SELECT pg_advisory_unlock(%s)", (ADVISORY_LOCK_KEY,))
    return apply_migrations(conn, directory)
