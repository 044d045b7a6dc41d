"""The migration runner against a real PostgreSQL: order, exactly-once, rollback, history checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

from algotrading.db.migrate import (
    apply_migrations,
    load_migrations,
    migration_status,
    reset_database,
)
from algotrading.errors import MigrationError

EXPECTED_TABLES = {
    "users", "trading_accounts", "account_strategy_configs", "signals", "trades", "orders",
    "strategy_state", "portfolio_state", "portfolio_snapshots", "strategy_performance",
    "funding_rates", "funding_payments", "evaluations", "backtest_runs", "backtest_trades",
    "alerts", "sim_state", "job_runs", "operator_actions", "_migrations",
    "auth_sessions", "login_attempts", "live_events", "ws_connections", "funding_watermarks",
}  # fmt: skip


def _tables(conn: psycopg.Connection) -> set[str]:
    rows = conn.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
    ).fetchall()
    return {r[0] for r in rows}


def _write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir()
    for name, sql in files.items():
        (directory / name).write_text(sql)
    return directory


def test_fresh_database_gets_every_table_once(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        first = apply_migrations(conn)
        second = apply_migrations(conn)
        assert first == [m.name for m in load_migrations()]
        assert second == []
        assert _tables(conn) == EXPECTED_TABLES
        status = migration_status(conn)
    assert [m.name for m in status.applied] == first
    assert status.pending == []


def test_status_of_an_empty_database_lists_everything_pending(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        status = migration_status(conn)
        assert status.applied == []
        assert status.pending == [m.name for m in load_migrations()]
        assert _tables(conn) == set()


def test_failed_migration_is_rolled_back_and_later_ones_not_applied(
    fresh_db_url: str, tmp_path: Path
) -> None:
    directory = _write(
        tmp_path / "m",
        {
            "001_good.sql": "CREATE TABLE a (id int);",
            "002_bad.sql": "CREATE TABLE b (id int); INSERT INTO b VALUES ('not a number');",
            "003_later.sql": "CREATE TABLE c (id int);",
        },
    )
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        with pytest.raises(MigrationError, match="002_bad failed and was rolled back"):
            apply_migrations(conn, directory)
        assert _tables(conn) == {"a", "_migrations"}
        names = [r[0] for r in conn.execute("SELECT name FROM _migrations").fetchall()]
    assert names == ["001_good"]


def test_an_applied_migration_that_changed_is_refused(fresh_db_url: str, tmp_path: Path) -> None:
    directory = _write(tmp_path / "m", {"001_a.sql": "CREATE TABLE a (id int);"})
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        apply_migrations(conn, directory)
        (directory / "001_a.sql").write_text("CREATE TABLE a (id bigint);")
        with pytest.raises(MigrationError, match="changed after it was applied"):
            apply_migrations(conn, directory)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"001_a.sql": "", "003_c.sql": ""}, "expected migration number 002"),
        ({"1_a.sql": ""}, "must be named NNN_name.sql"),
    ],
)
def test_badly_numbered_files_are_refused(
    tmp_path: Path, files: dict[str, str], message: str
) -> None:
    with pytest.raises(MigrationError, match=message):
        load_migrations(_write(tmp_path / "m", files))


def test_reset_drops_data_and_reapplies(fresh_db_url: str) -> None:
    with psycopg.connect(fresh_db_url, autocommit=True) as conn:
        apply_migrations(conn)
        conn.execute("INSERT INTO users (email, password_hash) VALUES ('a@b.c', 'x')")
        reset_database(conn)
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (0,)
        assert _tables(conn) == EXPECTED_TABLES


@pytest.mark.slow
def test_eight_concurrent_cli_runs_apply_each_file_exactly_once(fresh_db_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": fresh_db_url}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "algotrading.cli.main", "db", "migrate"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    results = [(*p.communicate(timeout=120), p.returncode) for p in procs]
    assert [rc for _, _, rc in results] == [0] * 8, results
    applied_lines = sum(out.count("applied 0") for out, _, _ in results)
    with psycopg.connect(fresh_db_url) as conn:
        rows = conn.execute("SELECT name, count(*) FROM _migrations GROUP BY name").fetchall()
    names = [m.name for m in load_migrations()]
    assert sorted(rows) == [(name, 1) for name in names]
    assert applied_lines == len(names)
