"""Live parity: `algo paper replay` (the executor, stepped, on the simulator) and `algo backtest
portfolio` over the same real span and strategy config open and close the same trades.

The scalper with `setup_window_bars: 3` (tests/execution_support.py) on BTCUSDT and ETHUSDT, over
two real spans: 2025-10-21 (a stop, and a partial take-profit at the middle band followed by a
signal exit) and 2025-10-25 .. 10-28 (signal exits and a stop). Both paths: same symbols, sides,
entry and exit times and exit reasons, in the same order, and every exit leg alike: its reason,
its price under the fill model up to the simulator's tick, its quantity floored to the lot step
(the backtest sizes on the simulator's lot, tick and minimum order; its fills have no tick grid).
The comparison and its tick, lot and bar conventions are `backtest.parity` (`algo paper compare`),
whose rules are proven on hand-made trades in tests/unit/test_parity_compare.py; here it must
find no difference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from execution_support import SCALPER_ENTRY, remove_test_accounts

from algotrading.backtest.parity import compare
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.cli.main import main

SPANS = {
    "partial": (("2025-10-21T00:00:00Z", "2025-10-22T00:00:00Z"), 2),
    "signals": (("2025-10-25T00:00:00Z", "2025-10-28T00:00:00Z"), 5),
}
"""Span -> (start and end, trades in it)."""
SYMBOLS = ["BTCUSDT", "ETHUSDT"]
FILTERS = {
    "BTCUSDT": {"tick": "0.1", "qty_step": "0.0001"},
    "ETHUSDT": {"tick": "0.01", "qty_step": "0.01"},
}
"""The simulator's tick and lot step per symbol (`bybit_sim.instruments.derive_instrument`)."""


@pytest.fixture(autouse=True)
def _cleanup(worker_db_url: str) -> Iterator[None]:
    """The replay's account and its rows go: other tests count rows table-wide."""
    yield
    remove_test_accounts(worker_db_url)


@pytest.mark.slow
@pytest.mark.parametrize("span", sorted(SPANS))
def test_replay_and_portfolio_backtest_trade_alike(
    span: str, use_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    (start, end), count = SPANS[span]
    config = tmp_path / "strategies.json"
    config.write_text(json.dumps({
        "scalper": {"params": SCALPER_ENTRY, "symbols": SYMBOLS},
        "trend": {"enabled": False}, "carry": {"enabled": False}, "momentum": {"enabled": False},
    }))  # fmt: skip
    live, backtest = tmp_path / "replay.json", tmp_path / "portfolio.json"
    data = (
        "--data-dir", str(BUNDLED_DATA_DIR), "--start", start, "--end", end,
        "--strategy-config", str(config),
    )  # fmt: skip
    assert main(["paper", "replay", *data, "--out", str(live)]) == 0
    assert main(["backtest", "portfolio", *data, "--no-store", "--out", str(backtest)]) == 0
    capsys.readouterr()
    report, ours = json.loads(live.read_text()), json.loads(backtest.read_text())
    assert report["instruments"] == FILTERS  # every symbol a strategy looked at
    result = compare(report, ours)
    assert result.differences == [] and result.compared == count
    assert main(["paper", "compare", str(live), str(backtest)]) == 0
    assert f"{count} trades compared, 0 differences" in capsys.readouterr().out
    reasons = [t["exit_reason"] for t in ours["trades"]]
    if span == "partial":
        assert reasons == ["stop_loss", "partial_take_profit+signal"]
    else:
        assert set(reasons) == {"signal", "stop_loss"}


ALL_FOUR = ("2025-10-19T23:00:00Z", "2025-10-22T00:00:00Z")
"""Momentum's Monday rebalance (2025-10-20 00:00), a trend stop and two scalper trades."""


@pytest.mark.slow
def test_all_four_strategies_at_their_defaults_trade_alike(
    use_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    """No strategy config: every sleeve at its default parameters and symbols (momentum and
    carry from their scans) on the bundled data; replay and backtest agree trade by trade."""
    live, backtest = tmp_path / "replay.json", tmp_path / "portfolio.json"
    span = ("--start", ALL_FOUR[0], "--end", ALL_FOUR[1])
    assert main(["paper", "replay", *span, "--out", str(live)]) == 0
    assert main(["backtest", "portfolio", *span, "--no-store", "--out", str(backtest)]) == 0
    capsys.readouterr()
    report, ours = json.loads(live.read_text()), json.loads(backtest.read_text())
    result = compare(report, ours)
    assert result.differences == [] and result.compared == len(ours["trades"]) == 5
    assert {t["strategy"] for t in ours["trades"]} == {"trend", "scalper", "momentum"}
    monday = [t for t in ours["trades"] if t["strategy"] == "momentum"]
    assert {t["entry_time"] for t in monday} == {"2025-10-20T00:00:00Z"}
