"""A strategy whose input is missing never fails silently: the portfolio and single-strategy
backtests name each idle strategy and symbol with its reason in the result JSON, the stored run,
the CLI output and the report, and the run goes on for the others.

Expected values come from the data files themselves (which symbols have open-interest files,
which intervals a temporary data set holds, how many rows were written), never from the run.
"""

from __future__ import annotations

import gzip
import json
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.cli.main import main
from algotrading.domain.intervals import Interval
from algotrading.strategies.registry import get_strategy

SPAN = ("--start", "2025-11-20T00:00:00Z", "--end", "2025-12-01")
ONLY_SCALPER = {"trend": {"enabled": False}, "carry": {"enabled": False},
                "momentum": {"enabled": False}}  # fmt: skip


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _stems(folder: Path) -> set[str]:
    return {p.name.split("_")[0].removesuffix(".csv.gz") for p in folder.glob("*.csv.gz")}


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def _copy(target: Path, symbol: str, intervals: tuple[str, ...], funding: bool = True) -> None:
    (target / "klines").mkdir(parents=True, exist_ok=True)
    (target / "funding").mkdir(exist_ok=True)
    for iv in intervals:
        name = f"{symbol}_{iv}.csv.gz"
        shutil.copy(BUNDLED_DATA_DIR / "klines" / name, target / "klines" / name)
    if funding:
        name = f"{symbol}.csv.gz"
        shutil.copy(BUNDLED_DATA_DIR / "funding" / name, target / "funding" / name)


def _head(target: Path, symbol: str, rows: int) -> None:
    """The first `rows` 15m candles of the bundled file, nothing else of the symbol."""
    (target / "klines").mkdir(parents=True, exist_ok=True)
    with gzip.open(BUNDLED_DATA_DIR / "klines" / f"{symbol}_15m.csv.gz", "rt") as f:
        lines = [next(f) for _ in range(rows + 1)]
    with gzip.open(target / "klines" / f"{symbol}_15m.csv.gz", "wt") as f:
        f.writelines(lines)


def _config(tmp_path: Path, strategies: dict[str, object]) -> str:
    path = tmp_path / "strategies.json"
    path.write_text(json.dumps(strategies), encoding="utf-8")
    return str(path)


@pytest.mark.slow
def test_carry_without_open_interest_is_idle_per_symbol_everywhere(
    capsys: pytest.CaptureFixture, use_database: str, tmp_path: Path
) -> None:
    """The bundled set has open interest for a few symbols only; carry requires it: each carry
    symbol without an open-interest file is idle, named in the table, the JSON, the stored run
    and the report, while the scalper still trades."""
    with_oi = _stems(BUNDLED_DATA_DIR / "open_interest")
    out_json, report = tmp_path / "p.json", tmp_path / "p.html"
    code, out, err = run(capsys, "backtest", "portfolio", *SPAN, "--workers", "2", "--out",
                         str(out_json), "--report", str(report))  # fmt: skip
    assert code == 0 and err == ""
    data = json.loads(out_json.read_text())
    carry = data["assumptions"]["symbols"]["carry"]  # the symbols carry was run on
    lacking = [s for s in carry if s not in with_oi]
    assert lacking and set(carry) <= _stems(BUNDLED_DATA_DIR / "klines")  # not vacuous
    no_oi = [r["symbol"] for r in data["idle"] if r["code"] == "no_open_interest"]
    assert no_oi == lacking
    page = report.read_text()
    for symbol in lacking:
        line = f"carry idle on {symbol}: no open interest in the data"
        assert line in out.splitlines() and line in data["strategies"]["carry"]["idle"]
        assert f"<li>{line}</li>" in page
    assert data["strategies"]["scalper"]["trades"] > 0
    assert data["strategies"]["scalper"]["status"] == "traded"
    assert "<h2>Idle strategies and symbols</h2>" in page
    run_id = data["run_id"]
    code, shown, _ = run(capsys, "backtest", "show", run_id, "--json")
    assert code == 0 and json.loads(shown)["idle"] == data["idle"]


@pytest.mark.slow
def test_the_table_counts_live_trades_and_exposure_per_strategy(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """Trades and exposure of each strategy, recomputed from the trade list: live positions,
    and the share of the 15-minute closes with one of them open (entry <= close < exit)."""
    out_json = tmp_path / "p.json"
    code, out, _ = run(capsys, "backtest", "portfolio", *SPAN, "--workers", "1", "--out",
                       str(out_json), "--no-store")  # fmt: skip
    assert code == 0
    data = json.loads(out_json.read_text())
    grid = data["equity_curve"]["time_ms"]
    lines = out.splitlines()
    head = next(k for k, line in enumerate(lines) if line.split()[:2] == ["strategy", "status"])
    table = {line.split()[0]: line.split() for line in lines[head + 2 : head + 6]}
    assert list(table) == ["trend", "scalper", "carry", "momentum"]
    for strategy, row in table.items():
        live = [t for t in data["trades"] if t["strategy"] == strategy and not t["shadow"]]
        spans = [(_ms(t["entry_time"]), _ms(t["exit_time"]) if t["exit_time"] else grid[-1] + 1)
                 for t in live]  # fmt: skip
        held = sum(1 for g in grid if any(lo <= g < hi for lo, hi in spans))
        assert int(row[2]) == len(live) == data["strategies"][strategy]["trades"]
        assert row[3] == f"{100 * held / len(grid):.2f}%"
    assert any(int(row[2]) > 0 for row in table.values())


def test_a_missing_timeframe_leaves_that_strategy_idle_and_the_others_trade(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """SOLUSDT has only daily candles: trend (4h entries) cannot run on it and says so; the
    scalper trades BTCUSDT and ETHUSDT of the same data set."""
    data = tmp_path / "data"
    for symbol in ("BTCUSDT", "ETHUSDT"):
        _copy(data, symbol, ("15m", "1h"))
    _copy(data, "SOLUSDT", ("1d",), funding=False)
    config = _config(tmp_path, {"trend": {"symbols": ["SOLUSDT"]},
                                "scalper": {"symbols": ["BTCUSDT", "ETHUSDT"]}})  # fmt: skip
    out_json = tmp_path / "p.json"
    code, out, err = run(capsys, "backtest", "portfolio", "--data-dir", str(data), *SPAN,
                         "--strategy-config", config, "--workers", "2", "--out", str(out_json),
                         "--no-store")  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out_json.read_text())
    trend = [r for r in result["idle"] if r["strategy"] == "trend"]
    assert [(r["symbol"], r["code"], r["interval"]) for r in trend] == [
        ("SOLUSDT", "missing_timeframe", "4h")]  # fmt: skip
    assert f"trend idle on SOLUSDT: {trend[0]['reason']}" in out.splitlines()
    assert "no 4h candles in the data, and none can be built from its 1d ones" in out
    assert result["strategies"]["trend"]["status"] == "idle"
    assert result["strategies"]["scalper"]["trades"] > 0
    carry = {r["symbol"]: r["code"] for r in result["idle"] if r["strategy"] == "carry"}
    assert carry["SOLUSDT"] == "missing_timeframe"  # 1h from 1d: impossible
    assert carry["BTCUSDT"] == carry["ETHUSDT"] == "no_open_interest"  # no files copied


def test_a_single_run_leaves_out_the_symbol_without_its_timeframe(
    capsys: pytest.CaptureFixture, use_database: str, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    _copy(data, "BTCUSDT", ("15m", "1h"))
    _copy(data, "SOLUSDT", ("1d",))
    out_json, report = tmp_path / "r.json", tmp_path / "r.html"
    code, out, err = run(capsys, "backtest", "run", "--strategy", "scalper", "--symbols",
                         "BTCUSDT,SOLUSDT", "--data-dir", str(data), "--out", str(out_json),
                         "--report", str(report))  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out_json.read_text())
    line = ("scalper idle on SOLUSDT: no 15m candles in the data, and none can be built from "
            "its 1d ones")  # fmt: skip
    assert result["symbols"] == ["BTCUSDT"] and [r["line"] for r in result["idle"]] == [line]
    assert line in out.splitlines() and f"<li>{line}</li>" in report.read_text()
    code, shown, _ = run(capsys, "backtest", "show", result["run_id"], "--json")
    assert code == 0 and json.loads(shown)["idle"] == result["idle"]


def test_a_warm_up_longer_than_the_data_is_one_line_with_the_counts(
    capsys: pytest.CaptureFixture, tmp_path: Path
) -> None:
    """Two days of 15m candles (192 rows written, so 48 hourly ones): fewer than the scalper's
    hourly warm-up. Alone it cannot run: one line, exit 2. Beside a symbol with the whole
    history, the portfolio trades that one and names the short one with the same counts."""
    need = get_strategy("scalper").warmup_bars[Interval.H1]
    assert need > 48
    data = tmp_path / "data"
    _head(data, "ETHUSDT", 192)
    code, out, err = run(capsys, "backtest", "run", "--strategy", "scalper", "--symbols",
                         "ETHUSDT", "--data-dir", str(data), "--no-store")  # fmt: skip
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"needs {need} closed 1h candles (48 exist)" in err and "warm-up" in err

    _copy(data, "BTCUSDT", ("15m", "1h"))
    config = _config(tmp_path, {**ONLY_SCALPER, "scalper": {"symbols": ["BTCUSDT", "ETHUSDT"]}})
    out_json = tmp_path / "p.json"
    code, out, err = run(capsys, "backtest", "portfolio", "--data-dir", str(data), *SPAN,
                         "--strategy-config", config, "--out", str(out_json),
                         "--no-store")  # fmt: skip
    assert (code, err) == (0, "")
    result = json.loads(out_json.read_text())
    (eth,) = [r for r in result["idle"] if r["symbol"] == "ETHUSDT"]
    assert (eth["code"], eth["interval"], eth["needed"], eth["available"]) == (
        "warm_up", "1h", need, 48)  # fmt: skip
    assert f"needs {need} closed 1h candles (48 exist)" in eth["line"] and eth["line"] in out
    assert result["strategies"]["scalper"]["trades"] > 0
