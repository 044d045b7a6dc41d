"""One convention for machine output (docs/output.md): `--json` prints JSON on stdout and nothing
else, `--out FILE` writes the result file, and the old `--json FILE` spelling is a usage error of
one line, exit 2, before any work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from execution_support import remove_test_accounts, rows

from algotrading.cli.main import main

RUN = ("backtest", "run", "--strategy", "ema_cross", "--symbols", "BTCUSDT",
       "--start", "2025-11-01", "--end", "2025-12-15")  # fmt: skip
PORTFOLIO = ("backtest", "portfolio", "--start", "2025-10-20T02:00:00Z", "--end", "2025-12-01")
REPLAY_NAME = "output-lot-and-tick"
REPLAY = ("paper", "replay", "--start", "2025-10-01T00:00:00Z", "--end", "2025-10-01T01:00:00Z")


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_prints_the_result_alone_and_out_writes_the_same(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    target = tmp_path / "run.json"
    code, out, err = run(capsys, *RUN, "--json", "--out", str(target), "--no-store")
    assert code == 0
    printed = json.loads(out)  # stdout is the JSON and nothing else: no table, no notes
    assert printed == json.loads(target.read_text())
    assert printed["strategy"] == "ema_cross" and printed["symbols"] == ["BTCUSDT"]
    assert err == f"result written to {target}\n"


def test_portfolio_json_before_no_store_is_a_flag_not_a_file_name(
    capsys: pytest.CaptureFixture, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The issue's trap: `--json --no-store` once wrote a file named `--no-store` and stored the
    run. Now `--json` takes no value: the JSON is on stdout and `--no-store` is honoured."""
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, *PORTFOLIO, "--json", "--no-store")
    assert code == 0 and err == ""
    assert json.loads(out)["kind"] == "portfolio"
    assert list(tmp_path.iterdir()) == []  # no file called --no-store, nothing else written


@pytest.mark.parametrize("command", [RUN, PORTFOLIO, REPLAY])
def test_the_old_json_file_spelling_is_one_usage_line(
    capsys: pytest.CaptureFixture, tmp_path: Path, command: tuple[str, ...]
) -> None:
    target = tmp_path / "r.json"
    code, out, err = run(capsys, *command, "--json", str(target))
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith("error: Got unexpected extra argument")
    assert f"(see 'algo {' '.join(command[:2])} --help')" in err
    assert not target.exists()


@pytest.mark.parametrize("command", [RUN, PORTFOLIO, REPLAY])
def test_an_out_path_in_a_missing_folder_fails_before_the_work(
    capsys: pytest.CaptureFixture, use_database: str, tmp_path: Path, command: tuple[str, ...]
) -> None:
    target = tmp_path / "nowhere" / "r.json"
    code, out, err = run(capsys, *command, "--out", str(target))
    assert (code, out) == (2, "")
    assert err == f"error: --out {target}: the folder {target.parent} does not exist\n"
    assert not target.parent.exists()


def test_an_out_path_that_is_a_folder_is_refused(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    code, out, err = run(capsys, *RUN, "--out", str(tmp_path), "--no-store")
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert err.startswith("error: Invalid value for '--out'") and "is a directory" in err


def test_backtest_list_shows_both_kinds(capsys: pytest.CaptureFixture, use_database: str) -> None:
    """The issue's trap: `make demo` stored a portfolio run that `algo backtest list` never
    showed. Both kinds are listed, newest first, with a kind column."""
    code, out, _ = run(capsys, *RUN, "--json")
    single = json.loads(out)["run_id"]
    code2, out, _ = run(capsys, *PORTFOLIO, "--json")
    portfolio = json.loads(out)["run_id"]
    assert (code, code2) == (0, 0)

    code, out, _ = run(capsys, "backtest", "list", "--json")
    listed = {r["run_id"]: r for r in json.loads(out)}
    assert code == 0 and listed[single]["kind"] == "strategy"
    assert listed[portfolio]["kind"] == "portfolio" and listed[portfolio]["strategy"] is None

    code, out, _ = run(capsys, "backtest", "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split()[:3] == ["id", "kind", "created"]
    assert lines[2].split()[:2] == [portfolio, "portfolio"]  # the newest first
    assert next(line for line in lines if line.startswith(single)).split()[1] == "strategy"


def test_a_replay_trade_at_the_instruments_lot_and_tick(
    capsys: pytest.CaptureFixture, use_database: str
) -> None:
    """The replay's one BTCUSDT trade of 2025-10-03 08:30 (the scalper at its defaults):
    exact in the database, at the lot and tick in the JSON."""
    code, out, err = run(capsys, "paper", "replay", "--start", "2025-10-03T08:00:00Z", "--end",
                         "2025-10-03T09:00:00Z", "--name", REPLAY_NAME, "--json")  # fmt: skip
    assert code == 0, err
    report = json.loads(out)
    # BTCUSDT's price level is about 110,000: its lot is the smallest power of ten worth at least
    # 5 USDT, 10^ceil(log10(5 / 110,000)) = 10^ceil(-4.34) = 0.0001, and its tick
    # min(0.1, 10^(floor(log10 110,000) - 5)) = min(0.1, 1) = 0.1 (docs/simulator.md)
    assert report["instruments"]["BTCUSDT"] == {"tick": "0.1", "qty_step": "0.0001"}
    trade = report["trades"][0]
    stored = rows(use_database, "SELECT qty::text, entry_price::text, funding::text FROM trades"
                  " WHERE id = %s", trade["id"])  # fmt: skip
    assert stored == [("0.033400000000", "119609.100000000000", "0.00000000")]  # as stored
    # 0.033400000000 to the lot of 0.0001: 0.0334; 119609.100000000000 to the tick 0.1: 119609.1;
    # no funding (psycopg reads it as Decimal("0E-8"), the old "0E-8" in the JSON): 0.00
    assert (trade["qty"], trade["entry_price"], trade["funding"]) == ("0.0334", "119609.1", "0.00")
    assert trade["opened"] == "2025-10-03T08:30:00Z" and trade["opened_ms"] == 1759480200000
    assert ", 1 trade; equity 10,001.62\n" in err  # on stderr with --json, plural right
    remove_test_accounts(use_database)
