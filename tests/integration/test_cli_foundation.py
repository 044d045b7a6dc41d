"""The `algo` CLI end to end: db and data commands, and one-line errors with exit 2."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
import pytest

from algotrading.cli.main import main
from algotrading.db.migrate import MIGRATIONS_DIR
from algotrading.settings import get_settings


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_every_command_has_help(capsys: pytest.CaptureFixture) -> None:
    commands = [[], ["db"], ["db", "migrate"], ["db", "status"], ["db", "reset"], ["data"],
                ["data", "info"]]  # fmt: skip
    for args in commands:
        code, out, _ = run(capsys, *args, "--help")
        assert code == 0 and "Usage:" in out, args


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["backtest", "run", "--bogus"],
         "error: No such option '--bogus'. (Did you mean one of: '--out', '--symbols'?) "
         "(see 'algo backtest run --help')"),
        (["backtest", "run"],
         "error: Missing option '--strategy'. (see 'algo backtest run --help')"),
        (["nosuch"], "error: No such command 'nosuch'. (see 'algo --help')"),
        (["backtest", "run", "--strategy", "trend", "--capital", "abc"],
         "error: Invalid value for '--capital': 'abc' is not a valid float. "
         "(see 'algo backtest run --help')"),
    ],
)  # fmt: skip
def test_a_usage_error_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture, args: list[str], line: str
) -> None:
    code, out, err = run(capsys, *args)
    assert (code, out, err) == (2, "", line + "\n")


def test_status_json_after_migrate(use_database: str, capsys: pytest.CaptureFixture) -> None:
    assert run(capsys, "db", "migrate")[0] == 0
    code, out, _ = run(capsys, "db", "status", "--json")
    state = json.loads(out)
    assert code == 0 and state["pending"] == []
    assert state["applied"][0]["name"] == "001_users_and_accounts"


def test_reset_without_confirm_touches_nothing(
    use_database: str, capsys: pytest.CaptureFixture
) -> None:
    with psycopg.connect(use_database, autocommit=True) as conn:
        conn.execute("INSERT INTO users (email, password_hash) VALUES ('keep@x.io', 'h')")
        try:
            code, out, err = run(capsys, "db", "reset")
            assert code == 2 and out == ""
            assert err.count("\n") == 1 and "--confirm" in err
            kept = conn.execute("SELECT count(*) FROM users WHERE email = 'keep@x.io'").fetchone()
            assert kept == (1,)
        finally:
            conn.execute("DELETE FROM users WHERE email = 'keep@x.io'")


def test_unreachable_database_is_one_line_without_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bob:hunter22@127.0.0.1:1/nothing")
    monkeypatch.setenv("ALGO_DB_CONNECT_TIMEOUT", "2")
    code, out, err = run(capsys, "db", "status")
    assert code == 2 and out == ""
    assert err.startswith("error: cannot connect to postgresql://bob:***@127.0.0.1:1/nothing")
    assert err.count("\n") == 1 and "hunter22" not in err


def test_invalid_setting_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("ALGO_DB_POOL_MAX", "lots")
    code, _, err = run(capsys, "data", "info")
    assert code == 2 and err.startswith("error: invalid ALGO_DB_POOL_MAX:") and err.count("\n") == 1


@pytest.mark.slow
def test_data_info_json_on_the_shared_primary_set(
    shared_data: Path, capsys: pytest.CaptureFixture
) -> None:
    code, out, _ = run(capsys, "data", "info", "--data-dir", str(shared_data), "--json")
    info = json.loads(out)
    assert code == 0 and len(info["symbols"]) == 8
    klines = [s for s in info["series"] if s["kind"] == "klines"]
    assert len(klines) == 8 * 5 and all(s["gaps"] == 0 for s in klines)
    assert {s["first"] for s in klines} == {"2025-09-24T00:00:00Z"}


def test_data_info_bad_directory(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code, out, err = run(capsys, "data", "info", "--data-dir", str(tmp_path / "missing"))
    assert (code, out) == (2, "") and err.startswith("error: data directory not found")


@pytest.mark.slow
def test_embedded_server_is_reused_and_stopped() -> None:
    # Outside pytest's temporary root: see tests/conftest.py for why.
    base = Path(tempfile.mkdtemp(prefix="algo-pg-"))
    try:
        assert_reused_and_stopped(base / "pgd")
    finally:
        shutil.rmtree(base, ignore_errors=True)


def assert_reused_and_stopped(pgdata: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ALGO_PGDATA_DIR"] = str(pgdata)
    cmd = [sys.executable, "-m", "algotrading.cli.main", "db"]
    first = subprocess.run([*cmd, "migrate"], env=env, capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert not (pgdata / "postmaster.pid").exists()  # stopped when the process ended
    second = subprocess.run(
        [*cmd, "status", "--json"], env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["pending"] == []  # the same data directory, reused
    assert not (pgdata / "postmaster.pid").exists()


@pytest.mark.slow
def test_the_embedded_database_migrates_itself_on_first_use() -> None:
    """A fresh clone's first command that stores something works without `algo db migrate`."""
    base = Path(tempfile.mkdtemp(prefix="algo-pg-"))
    try:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["ALGO_PGDATA_DIR"] = str(base / "pgd")
        cmd = [sys.executable, "-m", "algotrading.cli.main"]
        listed = subprocess.run([*cmd, "backtest", "list"], env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert listed.returncode == 0, listed.stderr
        status = subprocess.run([*cmd, "db", "status", "--json"], env=env, capture_output=True,
                                text=True, timeout=120)  # fmt: skip
        assert json.loads(status.stdout)["pending"] == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_database_url_is_never_migrated_behind_the_operator_s_back(
    fresh_db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", fresh_db_url)
    get_settings.cache_clear()
    code, out, err = run(capsys, "backtest", "list")
    migrations = sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql"))
    assert (code, out) == (2, "")
    assert err == (
        f"error: the database lacks {len(migrations)} migration(s) ({migrations[0]} ..): "
        "run `algo db migrate` first\n"
    )
    with psycopg.connect(fresh_db_url) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
        assert tables.fetchone() == (0,)  # nothing was created
