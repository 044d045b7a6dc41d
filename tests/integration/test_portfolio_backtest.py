"""`algo backtest portfolio` end to end on the bundled data: distributed units give the same
bytes, the run is stored, and bad input is one line with exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from algotrading.backtest.portfolio import PortfolioBacktestConfig, plan, run_portfolio
from algotrading.cli.main import main

SPAN = ("--start", "2025-10-20T02:00:00Z", "--end", "2025-12-01")


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.slow
def test_one_worker_and_four_give_byte_identical_results(tmp_path: Path) -> None:
    config = PortfolioBacktestConfig()
    one = run_portfolio(config, 1, tmp_path / "a", run_id="bt-x", created_ms=1).dumps()
    four = run_portfolio(config, 4, tmp_path / "b", run_id="bt-x", created_ms=1).dumps()
    assert one == four
    data = json.loads(one)
    assert len(data["units"]) > 4 and data["trades"]  # several units, and trades to compare
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        p.name for p in (tmp_path / "b").iterdir()
    )


def test_units_are_small_json_messages() -> None:
    specs = plan(PortfolioBacktestConfig())
    assert [s.strategy for s in specs if s.strategy == "momentum"] == ["momentum"]
    assert all(len(json.dumps(s.to_json())) < 4096 for s in specs)


def test_momentum_ranks_over_the_universe_dir(shared_data: Path) -> None:
    universe = shared_data / "universe_binance_usdm_2025"
    specs = plan(PortfolioBacktestConfig(universe_dirs=(str(universe),)))
    momentum = next(s for s in specs if s.strategy == "momentum")
    assert len(momentum.symbols) == 32 and momentum.data_dirs == [str(universe.resolve())]
    assert all(str(universe.resolve()) not in s.data_dirs for s in specs if s is not momentum)


@pytest.mark.slow
def test_run_store_report(capsys: pytest.CaptureFixture, use_database: str, tmp_path: Path) -> None:
    out_json, report = tmp_path / "p.json", tmp_path / "p.html"
    code, out, err = run(capsys, "backtest", "portfolio", *SPAN, "--workers", "2", "--out",
                         str(out_json), "--report", str(report))  # fmt: skip
    assert code == 0 and err == ""
    data = json.loads(out_json.read_text())
    assert data["kind"] == "portfolio" and set(data["sleeve_metrics"]) == {
        "trend", "scalper", "carry", "momentum"
    }  # fmt: skip
    assert out.splitlines()[1].split() == ["metric", "portfolio", "trend", "scalper", "carry",
                                           "momentum"]  # fmt: skip
    assert "Breaker transitions" in report.read_text() and f"stored as {data['run_id']}" in out
    code, out, _ = run(capsys, "backtest", "show", data["run_id"], "--json")
    shown = json.loads(out)
    live = [t for t in data["trades"] if not t["shadow"]]
    assert code == 0 and shown["kind"] == "portfolio" and len(shown["trades"]) == len(live)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--workers", "0"], "--workers must be at least 1, got 0"),
        (["--data-dir", "{bundled}", "--data-dir", "{bundled}/klines/.."],
         "--data-dir: overlapping data directories"),
        (["--universe-dir", "{empty}"], "no candles that resample to 1d"),
        (["--start", "2025-12-01", "--end", "2025-11-01"], "the end of the span must be after"),
        (["--capital", "-5"], "capital must be a positive amount"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture, tmp_path: Path, args: list[str], message: str
) -> None:
    from algotrading.bundled import BUNDLED_DATA_DIR

    (tmp_path / "klines").mkdir()
    filled = [a.format(bundled=BUNDLED_DATA_DIR, empty=tmp_path) for a in args]
    code, out, err = run(capsys, "backtest", "portfolio", *filled, "--no-store")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and message in err
