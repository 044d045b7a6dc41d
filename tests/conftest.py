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
from typing import Any

import psycopg
import pytest
from team_data import REASON, SHARED_DATA, shared_data_present
from team_data import __file__ as _team_data_file
from team_data import shared_data as _require_shared_data

from algotrading.db.embedded import embedded_database_url
from algotrading.db.migrate import apply_migrations
from algotrading.settings import get_settings

# The API tests' fixtures (a migrated database per module, the app, a client) live beside them.
pytest_plugins = ["api_support"]

REPO_ROOT = Path(__file__).resolve().parents[1]
TEAM_DATA_FILE = Path(_team_data_file)
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
            name.startswith("ALGO_") and not name.startswith("ALGO_TEST_")
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
    """The team's market-data folder beside the project (tests/team_data.py): skipped when it is
    absent, a failure when it is absent under CI=true."""
    return _require_shared_data()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "needs_shared_data: reads the team data folder ../shared/data (skipped without)"
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("needs_shared_data") is not None:
        _require_shared_data()


_SKIP_LINE = next(
    n
    for n, line in enumerate(TEAM_DATA_FILE.read_text().splitlines(), 1)
    if "pytest.skip(REASON)" in line
)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Every skip for want of the team data folder is reported at the one place that raises it,
    so `-ra` folds them into a single line with their count (`-v` names each test)."""
    report = yield
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and REASON in str(longrepr[2]):
        report.longrepr = (str(TEAM_DATA_FILE), _SKIP_LINE, longrepr[2])
    return report


_SUITE_SECONDS: dict[str, float] = {}
_SUITE_TESTS: dict[str, set[str]] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Time per suite (tests/unit, tests/integration, ...): set-up, call and tear-down of every
    test, summed over the workers, so the budget has an owner (docs/testing.md)."""
    parts = report.nodeid.split("/")
    suite = parts[1] if len(parts) > 2 and parts[0] == "tests" else "other"
    _SUITE_SECONDS[suite] = _SUITE_SECONDS.get(suite, 0.0) + report.duration
    _SUITE_TESTS.setdefault(suite, set()).add(report.nodeid)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """One line per suite with its test time, and one on the team data folder: where it was
    looked for, and how many tests it cost."""
    if hasattr(config, "workerinput"):
        return
    for suite in sorted(_SUITE_SECONDS):
        terminalreporter.write_line(
            f"suite {suite}: {len(_SUITE_TESTS[suite])} tests, "
            f"{_SUITE_SECONDS[suite]:.1f} s of test time (summed over workers)"
        )
    stats = terminalreporter.stats
    skipped = [r for r in stats.get("skipped", []) if REASON in str(getattr(r, "longrepr", ""))]
    ran = sum(len(stats.get(k, [])) for k in ("passed", "failed", "skipped", "xfailed", "xpassed"))
    if shared_data_present():
        line = f"team data folder: {SHARED_DATA} (present)"
    else:
        share = f" ({100 * len(skipped) / ran:.1f} % of {ran})" if ran else ""
        line = f"team data folder: absent at {SHARED_DATA}; {len(skipped)} tests skipped{share}"
    terminalreporter.write_line(line)
