"""The connection pool used by long-running processes, against the real database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from algotrading.db.connection import open_pool
from algotrading.errors import DatabaseUnavailable
from algotrading.settings import load_settings


def test_pool_serves_concurrent_queries_within_its_bound(worker_db_url: str) -> None:
    settings = load_settings(DATABASE_URL=worker_db_url, ALGO_DB_POOL_MIN=1, ALGO_DB_POOL_MAX=3)
    pool = open_pool(settings)
    try:

        def backend_pid(_: int) -> int:
            with pool.connection() as conn:
                conn.execute("SELECT pg_sleep(0.05)")
                return conn.execute("SELECT pg_backend_pid()").fetchone()[0]

        with ThreadPoolExecutor(max_workers=6) as executor:
            pids = set(executor.map(backend_pid, range(12)))
        assert 1 <= len(pids) <= 3
        assert pool.get_stats()["pool_size"] <= 3
    finally:
        pool.close()


def test_pool_fails_fast_when_the_database_is_unreachable() -> None:
    settings = load_settings(
        DATABASE_URL="postgresql://x:secretpw@127.0.0.1:1/none", ALGO_DB_CONNECT_TIMEOUT=2
    )
    with pytest.raises(DatabaseUnavailable) as info:
        open_pool(settings)
    assert "secretpw" not in str(info.value)
