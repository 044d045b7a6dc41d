"""Connections and the pool: the same code serves the embedded server, DATABASE_URL and Aurora."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from algotrading.db.embedded import embedded_database_url
from algotrading.errors import DatabaseUnavailable
from algotrading.logs import redact
from algotrading.settings import Settings, get_settings


def database_url(settings: Settings | None = None) -> str:
    """DATABASE_URL when set, else the embedded server's URL (starting it if needed)."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    return embedded_database_url(settings.pgdata_dir)


def connect(url: str, timeout_s: float = 10.0, autocommit: bool = False) -> psycopg.Connection:
    """One connection; an unreachable server becomes a one-line `DatabaseUnavailable`."""
    try:
        return psycopg.connect(url, connect_timeout=max(1, int(timeout_s)), autocommit=autocommit)
    except psycopg.OperationalError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable(f"cannot connect to {redact(url)}: {redact(reason)}") from None


@contextmanager
def connection(
    settings: Settings | None = None, autocommit: bool = False
) -> Iterator[psycopg.Connection]:
    """A short-lived connection for CLI commands; closed on exit."""
    settings = settings or get_settings()
    conn = connect(database_url(settings), settings.db_connect_timeout_s, autocommit)
    try:
        yield conn
    finally:
        conn.close()


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
