"""`algo market candles`, `algo funding rates` and `algo universe rank` end to end: tables, JSON,
and one-line errors with exit 2 for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from team_data import BUNDLED

from algotrading.cli.main import main
from algotrading.market.datafiles import DataSet


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_for_every_new_command(capsys: pytest.CaptureFixture) -> None:
    for args in (["market"], ["market", "candles"], ["funding"], ["funding", "rates"],
                 ["universe"], ["universe", "rank"]):  # fmt: skip
        code, out, _ = run(capsys, *args, "--help")
        assert code == 0 and "Usage:" in out, args


def test_candles_table_shows_closed_candles_with_full_precision(
    capsys: pytest.CaptureFixture,
) -> None:
    code, out, err = run(capsys, "market", "candles", "btcusdt", "4H", "--limit", "3",
                         "--data-dir", str(BUNDLED))  # fmt: skip
    lines = out.splitlines()
    assert code == 0 and err == "" and len(lines) == 2 + 3
    assert lines[0].split() == ["start", "open", "high", "low", "close", "volume", "turnover"]
    last = DataSet([BUNDLED]).candles("BTCUSDT", "4h")
    assert lines[-1].split()[:5] == ["2026-03-31T20:00:00Z", *(
        f"{v:.12g}" for v in (last.open[-1], last.high[-1], last.low[-1], last.close[-1])
    )]  # fmt: skip


def test_candles_json_builds_weeks_from_days(capsys: pytest.CaptureFixture) -> None:
    code, out, _ = run(capsys, "market", "candles", "ETHUSDT", "1w", "--limit", "2", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["interval"] == "1w" and len(payload["candles"]) == 2
    assert [c["start"] for c in payload["candles"]] == ["2026-03-16T00:00:00Z",
                                                        "2026-03-23T00:00:00Z"]  # fmt: skip


def test_funding_rates_for_8h_and_4h_symbols(
    capsys: pytest.CaptureFixture, shared_data: Path
) -> None:
    folder = str(shared_data / "universe_bybit_2024")
    code, out, _ = run(capsys, "funding", "rates", "--data-dir", folder, "--as-of",
                       "2024-07-01T05:00", "--json")  # fmt: skip
    payload = json.loads(out)
    rows = {r["symbol"]: r for r in payload["rates"]}
    assert code == 0 and payload["as_of"] == "2024-07-01T05:00:00Z" and len(rows) == 46
    assert rows["ALPHAUSDT"]["interval_hours"] == 4
    assert rows["ALPHAUSDT"]["next_settlement"] == "2024-07-01T08:00:00Z"
    assert rows["ALPHAUSDT"]["current_time"] == "2024-07-01T04:00:00Z"
    assert rows["BTCUSDT"]["interval_hours"] == 8
    assert rows["BTCUSDT"]["current_time"] == "2024-07-01T00:00:00Z"
    assert rows["BTCUSDT"]["settlements_7d"] == 21 and rows["ALPHAUSDT"]["settlements_7d"] == 42
    btc = rows["BTCUSDT"]
    assert btc["annualized"] == pytest.approx(btc["current_rate"] * 3 * 365)
    code, out, _ = run(capsys, "funding", "rates", "--data-dir", folder, "--as-of", "2024-07-01")
    header = out.splitlines()[1].split()
    assert code == 0 and header[:3] == ["symbol", "current", "7d"] and "annualized" in header
    assert any(line.startswith("TRBUSDT ") and " 4 " in line for line in out.splitlines())


def test_universe_rank_on_the_binance_set(capsys: pytest.CaptureFixture, shared_data: Path) -> None:
    folder = str(shared_data / "universe_binance_usdm_2025")
    code, out, _ = run(capsys, "universe", "rank", "--data-dir", folder, "--as-of", "2026-01-05",
                       "--json")  # fmt: skip
    payload = json.loads(out)
    assert code == 0 and payload["last_day"] == "2026-01-04T00:00:00Z"
    assert len(payload["ranked"]) == 30 and payload["ranked"][0]["rank"] == 1
    assert {e["symbol"] for e in payload["excluded"]} == {"KASUSDT", "VETUSDT"}
    code, out, _ = run(capsys, "universe", "rank")  # bundled data, default as-of
    assert code == 0 and "last day 2026-03-31" in out.splitlines()[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["market", "candles", "DOGEUSDT", "1h"], "unknown symbol 'DOGEUSDT'"),
        (["market", "candles", "BTCUSDT", "3h"], "unknown interval '3h'"),
        (["market", "candles", "BTCUSDT", "1m"], "no 1m candles for BTCUSDT"),
        (["funding", "rates", "--as-of", "next tuesday"], "not an ISO 8601 time"),
        (["funding", "rates", "--as-of", "2027-01-01"], "after the end of the funding data"),
        (["funding", "rates", "--as-of", "2020-01-01"], "no funding settlement at or before"),
        (["universe", "rank", "--as-of", "2027-01-01"], "after the end of the daily data"),
        (["universe", "rank", "--as-of", "2026-13-01"], "not an ISO 8601 time"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture, args: list[str], message: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("error: ") and message in err


def test_missing_data_dir_is_one_line(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    code, _, err = run(capsys, "funding", "rates", "--data-dir", str(tmp_path / "nowhere"))
    assert code == 2 and "data directory not found" in err
