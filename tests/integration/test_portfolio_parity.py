"""Live parity: `algo paper replay` (the executor, stepped, on the simulator) and `algo backtest
portfolio` over the same real span and strategy config open and close the same trades.

The scalper with `setup_window_bars: 3` (tests/execution_support.py) enters long on BTCUSDT at
the 15m close 2025-10-24 15:00 and leaves on its exit signal at 15:15. Both paths: same symbol,
side, entry and exit times and exit reason; prices equal under the fill model up to the
simulator's tick (0.1 for BTCUSDT: the simulator rounds a fill against the taker to the tick,
the backtest has no tick); the quantity equal after the executor's floor to the lot step
(0.0001 here: the backtest has no lot step)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

import pytest
from execution_support import SCALPER_ENTRY, remove_test_accounts

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.cli.main import main
from algotrading.domain.fills import round_to_tick
from algotrading.domain.timefmt import parse_time

SPAN = ("--start", "2025-10-24T14:00:00Z", "--end", "2025-10-24T18:00:00Z")
TICK, LOT = 0.1, Decimal("0.0001")


@pytest.fixture(autouse=True)
def _cleanup(worker_db_url: str) -> Iterator[None]:
    """The replay's account and its rows go: other tests count rows table-wide."""
    yield
    remove_test_accounts(worker_db_url)


def test_replay_and_portfolio_backtest_trade_alike(
    use_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config = tmp_path / "strategies.json"
    config.write_text(json.dumps({
        "scalper": {"params": SCALPER_ENTRY, "symbols": ["BTCUSDT"]},
        "trend": {"enabled": False}, "carry": {"enabled": False}, "momentum": {"enabled": False},
    }))  # fmt: skip
    live, backtest = tmp_path / "replay.json", tmp_path / "portfolio.json"
    data = ("--data-dir", str(BUNDLED_DATA_DIR), *SPAN, "--strategy-config", str(config))
    assert main(["paper", "replay", *data, "--json", str(live)]) == 0
    assert main(["backtest", "portfolio", *data, "--no-store", "--json", str(backtest)]) == 0
    capsys.readouterr()
    replayed = json.loads(live.read_text())["trades"]
    ours = json.loads(backtest.read_text())["trades"]
    assert len(replayed) == len(ours) == 1
    for r, b in zip(replayed, ours, strict=True):
        long = b["side"] == "long"
        assert (r["strategy"], r["symbol"], r["side"]) == (b["strategy"], b["symbol"], b["side"])
        assert r["opened_ms"] == parse_time(b["entry_time"]) == parse_time("2025-10-24T15:00Z")
        assert r["closed_ms"] == parse_time(b["exit_time"]) and r["exit_reason"] == b["exit_reason"]
        assert float(r["entry_price"]) == pytest.approx(round_to_tick(b["entry_price"], TICK, long))
        exit_price = round_to_tick(b["exit_price"], TICK, not long)
        assert float(r["exit_price"]) == pytest.approx(exit_price)
        floored = Decimal(repr(b["qty"])).quantize(LOT, rounding=ROUND_FLOOR)
        assert Decimal(r["qty"]) == floored
