"""The API's database: one pool per warm process, opened on the first request that needs it.

Never in a lifespan hook: under Lambda (Mangum with lifespan off) there is no startup event, and
a cold start that serves `/docs` should not pay for a connection. Each request gets one
connection and one transaction, committed when the route returns and rolled back when it
raises, before the answer leaves (so a client that reads right after a write sees it).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from psycopg_pool import ConnectionPool

from algotrading.db.connection import connect, database_url, ensure_schema
from algotrading.settings import Settings


class Database:
    """A lazily opened pool over the configured database (DATABASE_URL, else the embedded one)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._pool: ConnectionPool | None = None
        self._lock = threading.Lock()

    def _open(self) -> ConnectionPool:
        with self._lock:
            if self._pool is None:
                url = database_url(self._settings)
                with connect(url, self._settings.db_connect_timeout_s, autocommit=True) as conn:
                    ensure_schema(conn, embedded=not self._settings.database_url)
                self._pool = ConnectionPool(
                    url, min_size=self._settings.db_pool_min, max_size=self._settings.db_pool_max,
                    timeout=self._settings.db_connect_timeout_s, open=True,
                )  # fmt: skip
            return self._pool

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """One connection in one transaction: committed on success, rolled back on error."""
        pool = self._pool or self._open()
        with pool.connection() as conn:
            yield conn

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
