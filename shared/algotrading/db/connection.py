"""Connections and the pool: the same code serves the embedded server, DATABASE_URL and Aurora."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg_pool import ConnectionPool

from algotrading.db.migrate import apply_migrations, migration_status
from algotrading.errors import DatabaseUnavailable, MigrationError
from algotrading.logs import redact
from algotrading.settings import Settings, get_settings


def database_url(settings: Settings | None = None) -> str:
    """DATABASE_URL when set, else the embedded server's URL (starting it if needed)."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return embedded_database_url(settings.pgdata_dir)


def embedded_database_url(pgdata_dir: Path) -> str:
    """The embedded server's URL, starting it if needed; imported here so that a process with
    DATABASE_URL (a Lambda function) never loads the embedded server's module."""
    from algotrading.db.embedded import embedded_database_url as start_embedded

    return start_embedded(pgdata_dir)


def connect(url: str, timeout_s: float = 10.0, autocommit: bool = False) -> psycopg.Connection:
    """One connection; an unreachable server becomes a one-line `DatabaseUnavailable`."""
    try:
        return psycopg.connect(url, connect_timeout=max(1, int(timeout_s)), autocommit=autocommit)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to {redact(url)}: {redact(reason)}") from None


_READY: set[str] = set()
"""Database URLs whose schema this process has found current (checked once per process)."""


@contextmanager
def connection(
    settings: Settings | None = None, autocommit: bool = False, schema: bool = True
) -> Iterator[psycopg.Connection]:
    """A short-lived connection for CLI commands; closed on exit. With `schema`, a command
    never meets a missing table: the embedded database is migrated on first use, a database
    named by DATABASE_URL is refused in one line until the operator migrates it (`algo db`
    commands pass False: they manage the schema themselves)."""
    settings = settings or get_settings()
    conn = connect(database_url(settings), settings.db_connect_timeout_s, autocommit)
    try:
        if schema:
            schema_ready(conn, settings)
        yield conn
    finally:
        conn.close()


def schema_ready(conn: psycopg.Connection, settings: Settings) -> None:
    """`ensure_schema` once per process and database."""
    url = database_url(settings)
    if url not in _READY:
        ensure_schema(conn, embedded=not settings.database_url)
        _READY.add(url)


def ensure_schema(conn: psycopg.Connection, embedded: bool) -> None:
    """Apply pending migrations to the embedded database; for any other, say how to."""
    pending = migration_status(conn).pending
    if not pending:
        return
    if not embedded:
        raise MigrationError(
            f"the database lacks {len(pending)} migration(s) ({pending[0]} ..): "
            "run `algo db migrate` first"
        )
    if conn.autocommit:
        apply_migrations(conn)
        return
    conn.rollback()
    conn.autocommit = True
    try:
        apply_migrations(conn)
    finally:
        conn.autocommit = False


def open_pool(settings: Settings | None = None) -> ConnectionPool:
    """A pool for long-lived processes (API, stream). Fails fast if the database is unreachable."""
    settings = settings or get_settings()
    url = database_url(settings)
    connect(url, settings.db_connect_timeout_s).close()
    pool = ConnectionPool(
        url,
        min_size=settings.db_pool_min,
        max_size=settings.db_pool_max,
        timeout=settings.db_connect_timeout_s,
        open=True,
    )
    return pool
