"""Test fixtures on a real PostgreSQL.

One embedded server for the whole session, shared by every xdist worker (pgserver counts the
processes holding it); one migrated database per worker; each test runs in a transaction that is
rolled back, or gets a fresh empty database when it needs one (migration tests).

The server's data lives in `.local/test-pg`, not under pytest's temporary root: pytest resets
that root to mode 0700 whenever a worker first uses it, which would lock out the `pgserver` OS
user that PostgreSQL runs as under root. Database names carry the run's id, so two test runs
sharing the server never touch each other's databases.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from algotrading.db.embedded import embedded_database_url
from algotrading.db.migrate import apply_migrations
from algotrading.settings import get_settings

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
_counter = itertools.count()


def _admin_execute(admin_url: str, sql: str) -> None:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.encode())


RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", uuid.uuid4().hex)[:10]


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of the `postgres` database on the session's embedded server."""
    explicit = os.environ.get("ALGO_TEST_DATABASE_URL")
    if explicit:
        return explicit
    return embedded_database_url(REPO_ROOT / ".local" / "test-pg")


def _database_url(admin_url: str, name: str) -> str:
    return psycopg.conninfo.make_conninfo(admin_url, dbname=name)


@pytest.fixture(scope="session")
def worker_db_url(pg_admin_url: str, worker_id: str) -> Iterator[str]:
    """A migrated database owned by this xdist worker, dropped at the end of the session."""
    name = f"algo_test_{RUN_ID}_{worker_id}"
    _admin_execute(pg_admin_url, f"CREATE DATABASE {name}")
    url = _database_url(pg_admin_url, name)
    with psycopg.connect(url, autocommit=True) as conn:
        apply_migrations(conn)
    yield url
    _admin_execute(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def db(worker_db_url: str) -> Iterator[psycopg.Connection]:
    """A connection to the migrated worker database; everything it does is rolled back."""
    conn = psycopg.connect(worker_db_url)
    try:
        yield conn
    finally:
        conn.rollback()
        conn.close()


@pytest.fixture
def fresh_db_url(pg_admin_url: str, worker_id: str) -> Iterator[str]:
    """An empty database for this test alone, dropped afterwards."""
    name = f"algo_fresh_{RUN_ID}_{worker_id}_{next(_counter)}"
    _admin_execute(pg_admin_url, f"CREATE DATABASE {name}")
    try:
        yield _database_url(pg_admin_url, name)
    finally:
        _admin_execute(pg_admin_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Each test reads settings afresh, never from a developer's .env or shell."""
    for name in list(os.environ):
        if name == "DATABASE_URL" or (
            name.startswith("ALGO_") and name != "ALGO_TEST_DATABASE_URL"
        ):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def use_database(monkeypatch: pytest.MonkeyPatch, worker_db_url: str) -> str:
    """Point DATABASE_URL (and so the CLI) at the worker database."""
    monkeypatch.setenv("DATABASE_URL", worker_db_url)
    get_settings.cache_clear()
    return worker_db_url


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The team's market-data folder beside the project (CI has it too)."""
    if not (SHARED_DATA / "klines").is_dir():
        pytest.fail(f"market data expected at {SHARED_DATA}")
    return SHARED_DATA
