"""`algo accounts create|list|set-keys|mode` and `algo up --exchange testnet` (issue 16, item 6).

Bybit's testnet cannot be reached from the test machines: the loopback simulator stands at the
account's URL, which is what the jobs' runtimes open."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from execution_support import KEY, SECRET, remove_test_accounts, rows, use_secrets_key

from algotrading.cli.main import cli, main
from algotrading.db.accounts import load_credentials
from algotrading.local.bybit_sim import BybitSimulator, SimConfig
from algotrading.local.scheduler import ReplayClock
from algotrading.settings import get_settings

START_MS = 1_759_464_000_000
"""2025-10-03 04:00 UTC: day 20364 of the epoch, 20364 * 86 400 000 + 4 * 3 600 000."""


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def accounts(url: str) -> list[tuple]:
    return rows(url, "SELECT name, mode, base_url, api_key_encrypted IS NOT NULL"
                     " FROM trading_accounts ORDER BY id")  # fmt: skip


def test_create_list_set_keys_mode(
    capsys: pytest.CaptureFixture, worker_db_url: str, tmp_path: Path
) -> None:
    assert run(capsys, "accounts", "create", "tn", "--capital", "10000")[0] == 0
    code, out, err = run(capsys, "accounts", "create", "main", "--mode", "live", "--capital", "500",
                         "--exchange", "mainnet")  # fmt: skip
    assert code == 0 and "WARNING" in err and "MAINNET" in err
    assert accounts(worker_db_url) == [
        ("tn", "test", "https://api-testnet.bybit.com", False),
        ("main", "live", "https://api.bybit.com", False),
    ]
    keys = tmp_path / "keys.txt"
    keys.write_text("the-key\nthe-secret\n")
    code, out, err = run(capsys, "accounts", "set-keys", "tn", "--keys-file", str(keys))
    assert code == 0 and "the-key" not in out + err and "WARNING" not in err
    with_stdin = CliRunner().invoke(cli, ["accounts", "set-keys", "main"], input="k2\ns2\n")
    assert with_stdin.exit_code == 0 and "WARNING" in with_stdin.output
    import psycopg

    with psycopg.connect(worker_db_url) as conn:
        ids = [r[0] for r in rows(worker_db_url, "SELECT id FROM trading_accounts ORDER BY id")]
        assert load_credentials(conn, ids[0])[1].api_secret == "the-secret"
        assert load_credentials(conn, ids[1])[1].api_key == "k2"
    code, out, err = run(capsys, "accounts", "mode", "main", "paper")
    assert code == 0 and "mode live -> paper" in out and "WARNING" in err
    code, out, err = run(capsys, "accounts", "list", "--json")
    listed = json.loads(out)
    assert [(a["name"], a["mode"], a["exchange"], a["has_keys"], a["mainnet"]) for a in listed] == [
        ("tn", "test", "testnet", True, False),
        ("main", "paper", "mainnet", True, True),
    ]
    assert err.count("WARNING") == 1


@pytest.mark.parametrize(
    ("args", "keys", "why"),
    [
        (("create", "dup", "--capital", "1"), None, "an account named 'dup' already exists"),
        (("create", "x", "--capital", "-5"), None, "--capital must be a positive"),
        (("create", "x"), None, "--capital"),
        (("create", "x", "--capital", "1", "--mode", "real"), None, "--mode"),
        (("create", "x", "--capital", "1", "--exchange", "ftp://h"), None, "invalid --exchange"),
        (("create", "42", "--capital", "1"), None, "invalid account name"),
        (("mode", "nobody", "live"), None, "no account named 'nobody'"),
        (("mode", "dup", "real"), None, "MODE"),
        (("set-keys", "nobody"), "k\ns\n", "no account named 'nobody'"),
        (("set-keys", "dup"), "  \n", "got 0 word(s)"),
        (("set-keys", "dup"), "only-a-key\n", "got 1 word(s)"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    capsys: pytest.CaptureFixture, worker_db_url: str, tmp_path: Path,
    args: tuple[str, ...], keys: str | None, why: str,
) -> None:  # fmt: skip
    assert run(capsys, "accounts", "create", "dup", "--capital", "10000")[0] == 0
    before = accounts(worker_db_url)
    extra: tuple[str, ...] = ()
    if keys is not None:
        (tmp_path / "keys").write_text(keys)
        extra = ("--keys-file", str(tmp_path / "keys"))
    code, out, err = run(capsys, "accounts", *args, *extra)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and why in err
    assert accounts(worker_db_url) == before


def test_set_keys_without_secrets_key_is_one_clear_line(
    capsys: pytest.CaptureFixture, worker_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(capsys, "accounts", "create", "tn", "--capital", "10000")[0] == 0
    monkeypatch.setenv("ALGO_SECRETS_KEY", "")
    get_settings.cache_clear()
    code, out, err = run(capsys, "accounts", "set-keys", "tn")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1
    assert err.startswith("error: ALGO_SECRETS_KEY is not set")
    assert accounts(worker_db_url)[0][3] is False


def test_up_on_testnet_trades_the_account_at_its_own_url(
    capsys: pytest.CaptureFixture, worker_db_url: str, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:  # fmt: skip
    sim = BybitSimulator(SimConfig(stepped=True, start_ms=START_MS).validated()).start()
    try:
        code, _, err = run(
            capsys, "accounts", "create", "tn", "--exchange", sim.rest_url, "--capital", "10000"
        )
        assert code == 0, err
        keys = tmp_path / "keys"
        keys.write_text(f"{KEY}\n{SECRET}\n")
        assert run(capsys, "accounts", "set-keys", "tn", "--keys-file", str(keys))[0] == 0
        monkeypatch.setattr(
            "algotrading.local.exchange_stack.wall_clock",
            lambda: (sim.now_ms, ReplayClock(sim.step_to)),
        )
        # The hourly market history reads BYBIT_BASE_URL without keys: here, the simulator.
        monkeypatch.setenv("BYBIT_BASE_URL", sim.rest_url)
        monkeypatch.setenv("ALGO_HISTORY_DIR", str(tmp_path / "history"))
        get_settings.cache_clear()
        code, out, err = run(capsys, "up", "--exchange", "testnet", "--for", "15m", "--no-api")
    finally:
        sim.stop()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].endswith(f"(tn) test on {sim.rest_url}")
    # 04:00 (a close: 4 jobs, and the hourly market history), 04:05 and 04:10 (snapshot and
    # funding poll): 9 runs.
    assert lines[-1] == "done: 9 job run(s), 0 with a failure"
    (account_id,) = rows(worker_db_url, "SELECT id FROM trading_accounts WHERE name = 'tn'")[0]
    ledger = rows(
        worker_db_url,
        "SELECT job, status, count(*) FROM evaluations WHERE trading_account_id = %s"
        " GROUP BY job, status ORDER BY job",
        account_id,
    )
    assert ledger == [("evaluate", "done", 1), ("snapshot", "done", 3)]


def test_up_on_testnet_needs_an_account_with_keys(
    capsys: pytest.CaptureFixture, worker_db_url: str
) -> None:
    assert run(capsys, "accounts", "create", "tn", "--capital", "10000")[0] == 0
    code, out, err = run(capsys, "up", "--exchange", "testnet", "--for", "15m")
    assert code == 2 and out == "" and "no active test or live account has keys" in err
    code, out, err = run(capsys, "up", "--exchange", "testnet", "--replay-start", "2025-10-03")
    assert code == 2 and "not with --exchange testnet" in err
    assert rows(worker_db_url, "SELECT count(*) FROM job_runs") == [(0,)]
