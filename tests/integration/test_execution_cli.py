"""`algo run`, `algo strategies`, `algo paper replay`: results, and bad input as one line,
exit 2, nothing written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from execution_support import (
    ENTRY_CLOSE,
    SCALPER_ENTRY,
    make_account,
    remove_test_accounts,
    rows,
    scalper_account,
    sim_at,
    use_secrets_key,
)
from team_data import TEST_DATA

from algotrading.cli.main import main
from algotrading.domain.timefmt import ms_to_iso

TABLES = (
    "evaluations", "signals", "orders", "trades", "portfolio_state", "alerts", "operator_actions",
)  # fmt: skip


@pytest.fixture(autouse=True)
def _remove_accounts(worker_db_url: str) -> Iterator[None]:
    yield
    remove_test_accounts(worker_db_url)


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def nothing_written(url: str, account: int) -> bool:
    counts = [
        rows(url, f"SELECT count(*) FROM {t} WHERE trading_account_id = %s", account)[0][0]
        for t in TABLES
    ]
    return counts == [0] * len(TABLES)


@pytest.mark.parametrize(
    "args",
    [
        ("run", "evaluate", "--account", "987654321", "--at", "2025-10-24T15:00:00Z"),
        ("run", "evaluate", "--account", "{account}", "--at", "2025-10-24T15:07:00Z"),
        ("run", "evaluate", "--account", "{account}", "--at", "yesterday-ish"),
        ("run", "snapshot", "--account", "{account}", "--at", "2025-10-24T15:02:00Z"),
        ("strategies", "pause", "grid", "--account", "{account}"),
        ("strategies", "resume", "trend", "--account", "987654321"),
        ("strategies", "resume", "portfolio", "--account", "{account}", "--actor", "ops"),
        ("strategies", "resume", "portfolio", "--account", "{account}", "--reason", "why"),
        ("strategies", "resume", "grid", "--account", "{account}", "--actor", "a", "--reason", "b"),
        ("strategies", "list", "--account", "987654321"),
        ("strategies", "flatten", "scalper", "--account", "{account}", "--reason", "r", "--yes"),
        ("strategies", "flatten", "scalper", "--account", "{account}", "--actor", "a", "--yes"),
        ("strategies", "flatten", "grid", "--account", "{account}", "--actor", "a", "--reason",
         "r", "--yes"),
        ("strategies", "flatten", "portfolio", "--account", "987654321", "--actor", "a",
         "--reason", "r", "--yes"),
        ("strategies", "flatten", "portfolio", "--account", "{account}", "--actor", "a",
         "--reason", "r"),  # no --yes and no terminal to ask at
    ],
)  # fmt: skip
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    use_database: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture,
    args: tuple[str, ...],
) -> None:
    use_secrets_key(monkeypatch)
    account = make_account(use_database, "http://127.0.0.1:9", strategies={"scalper": {}})
    code, out, err = run(capsys, *(a.format(account=account) for a in args))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ")
    assert nothing_written(use_database, account)


def test_the_portfolio_is_force_resumed_with_who_and_why_recorded(
    use_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    use_secrets_key(monkeypatch)
    account = make_account(use_database, "http://127.0.0.1:9", strategies={"scalper": {}})
    code, out, _ = run(capsys, "strategies", "pause", "portfolio", "--account", str(account))
    assert (code, out) == (0, f"portfolio paused on account {account}\n")
    code, _, err = run(capsys, "strategies", "resume", "portfolio", "--account", str(account))
    assert code == 2 and err == "error: a force-resume of portfolio needs an actor and a reason\n"
    state = "SELECT breaker_state, resumed_by, resumed_reason, resumed_at IS NOT NULL"
    query = f"{state} FROM portfolio_state WHERE trading_account_id = %s AND scope = 'portfolio'"
    assert rows(use_database, query, account) == [("halted", None, None, False)]
    code, out, _ = run(capsys, "strategies", "resume", "portfolio", "--account", str(account),
                       "--actor", "alice", "--reason", "exchange incident over")  # fmt: skip
    assert (code, out) == (0, f"portfolio resumed on account {account}\n")
    assert rows(use_database, query, account) == [
        ("active", "alice", "exchange incident over", True)
    ]
    audit = "SELECT action, scope, actor, reason, detail->'transitions'->0->>'to'"
    audit += " FROM operator_actions WHERE trading_account_id = %s ORDER BY id"
    assert rows(use_database, audit, account) == [
        ("pause", "portfolio", None, None, "halted"),
        ("resume", "portfolio", "alice", "exchange incident over", "active"),
    ]  # the refused resume wrote nothing
    alerts = "SELECT kind FROM alerts WHERE trading_account_id = %s ORDER BY id"
    assert rows(use_database, alerts, account) == [
        ("breaker_triggered",), ("breaker_released",)
    ]  # fmt: skip


def test_evaluate_and_snapshot_from_the_command_line(
    use_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    use_secrets_key(monkeypatch)
    at = ms_to_iso(ENTRY_CLOSE)
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(use_database, sim)
        code, out, _ = run(capsys, "run", "evaluate", "--account", str(account), "--at", at,
                           "--json")  # fmt: skip
        result = json.loads(out)
        code2, text, _ = run(capsys, "run", "evaluate", "--account", str(account), "--at", at)
        code3, snap, _ = run(capsys, "run", "snapshot", "--account", str(account), "--at", at)
    assert (code, code2, code3) == (0, 0, 0)
    assert result["status"] == "done" and result["report"]["strategies"] == ["scalper", "carry"]
    assert [o["purpose"] for o in result["report"]["orders"]] == ["entry", "take_profit"]
    assert "already done" in text.splitlines()[0] and "entry_long" in text
    assert "portfolio" in snap and "scalper" in snap


@pytest.mark.slow
def test_paper_replay_writes_signals_orders_trades_and_snapshots(
    use_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config = tmp_path / "strategies.json"
    config.write_text(
        json.dumps(
            {
                "scalper": {"params": SCALPER_ENTRY, "symbols": ["BTCUSDT", "ETHUSDT"]},
                "trend": {"enabled": False},
                "carry": {"enabled": False},
                "momentum": {"enabled": False},
            }
        )
    )
    out_file = tmp_path / "replay.json"
    code, out, err = run(
        capsys, "paper", "replay", "--data-dir", str(TEST_DATA),
        "--start", "2025-10-24T14:00:00Z", "--end", "2025-10-25T14:00:00Z",
        "--capital", "20000", "--strategy-config", str(config), "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    assert "ephemeral key" in err
    report = json.loads(out_file.read_text())
    assert report["closes"] == 97 and report["evaluations"] == {
        "done": 97, "failed": 0, "running": 0,
    }  # fmt: skip
    assert report["capital"] == "20000"
    entries = [s for s in report["signals"] if s["decision"] == "accepted"]
    assert entries[0]["bar_close_ms"] == ENTRY_CLOSE and entries[0]["symbol"] == "BTCUSDT"
    assert {o["purpose"] for o in report["orders"]} >= {"entry"}
    assert report["trades"][0]["status"] in ("open", "closed")
    assert len(report["snapshots"]) == 97 * 5
    portfolio = [s for s in report["snapshots"] if s["scope"] == "portfolio"]
    assert report["final_equity"] == portfolio[-1]["equity"]
    assert f"account {report['account_id']}: 97 closes" in out


def test_paper_replay_bad_times_are_refused(
    use_database: str, capsys: pytest.CaptureFixture
) -> None:
    code, out, err = run(
        capsys, "paper", "replay", "--start", "2025-10-25T00:00:00Z", "--end", "2025-10-24",
    )  # fmt: skip
    assert code == 2 and out == "" and err.count("\n") == 1
    code, _, err = run(capsys, "paper", "replay", "--start", "x", "--end", "2025-10-24")
    assert code == 2 and err.startswith("error: --start:") and err.count("\n") == 1


@pytest.mark.parametrize(
    ("start", "end", "line"),
    [
        # the bundled data's last 15m candle opens 2026-03-31 23:45 and closes 2026-04-01 00:00
        ("2026-03-30T00:00:00Z", "2026-05-01T00:00:00Z",
         "error: --end 2026-05-01T00:00:00Z is after the data ends (2026-04-01T00:00:00Z)"),
        # its first candle is BTC's 4h candle of 2025-01-01 00:00, closing at 04:00
        ("2024-12-01T00:00:00Z", "2025-01-02T00:00:00Z",
         "error: --start 2024-12-01T00:00:00Z is before the data begins (2025-01-01T04:00:00Z)"),
    ],
)  # fmt: skip
def test_paper_replay_outside_the_data_is_refused_before_it_starts(
    use_database: str, capsys: pytest.CaptureFixture, start: str, end: str, line: str
) -> None:
    code, out, err = run(capsys, "paper", "replay", "--start", start, "--end", end)
    assert (code, out, err) == (2, "", line + "\n")


def test_flatten_from_the_command_line_needs_who_why_and_a_confirmation(
    use_database: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    use_secrets_key(monkeypatch)
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(use_database, sim)
        acct = ("--account", str(account))
        run(capsys, "run", "evaluate", *acct, "--at", ms_to_iso(ENTRY_CLOSE))
        refused = [
            run(capsys, "strategies", "flatten", "scalper", *acct, "--yes"),
            run(capsys, "strategies", "flatten", "scalper", *acct, "--actor", "a", "--reason", "r"),
        ]
        open_trades = (
            "SELECT count(*) FROM trades WHERE trading_account_id = %s AND status = 'open'"
        )
        still_open = rows(use_database, open_trades, account)[0][0]
        done = run(capsys, "strategies", "flatten", "scalper", *acct, "--actor", "alice",
                   "--reason", "exchange incident", "--yes")  # fmt: skip
        again = run(capsys, "strategies", "flatten", "scalper", *acct, "--actor", "alice",
                    "--reason", "check", "--yes")  # fmt: skip
    assert refused == [
        (2, "", "error: a flatten of scalper needs an actor and a reason\n"),
        (2, "", "error: flatten of scalper needs --yes when not run at a terminal\n"),
    ]
    assert still_open == 1
    assert done[:2] == (0, f"scalper flattened on account {account}: 1 position(s) closed,"
                        " 1 order(s) cancelled\n")  # fmt: skip
    assert again[:2] == (0, f"scalper flattened on account {account}: 0 position(s) closed,"
                         " 0 order(s) cancelled; scalper was already paused\n")  # fmt: skip
    assert rows(use_database, open_trades, account)[0][0] == 0
