"""Live parity for carry: `algo paper replay` and `algo backtest portfolio` make the same trades
on a span of the real 2021-2025 Bybit set (../shared/data/bybit_derivs_2021_2025) where carry
trades often.

Carry alone on BTCUSDT, ETHUSDT, XRPUSDT and DOGEUSDT from 2024-02-14 12:00 to 02-16 00:00. The
span holds what went wrong before (docs/BACKTESTING.md, "Live parity"):

* DOGEUSDT shorts entered at 17:00 and 18:00 whose stops are hit within the next 1h bar: the
  replay must read the stop's fill back from the simulator (data two years older than the wall
  clock) and book `stop_loss` at the stop, not `external` at the last price;
* XRPUSDT and BTCUSDT have 15m bars only from 2024-03-15 and 1h bars before: the simulator must
  trade them on the 1h bars in February, as Bybit would, so the replay enters where the backtest
  does;
* quantities: both size from the stop on the tick and floor to the lot step. The first DOGEUSDT
  short, at the 17:00 close 0.08368 with carry's stop distance 0.0016627781: stop 0.0853427781,
  down to the tick 0.085342; carry's sleeve 2000 USDT (20 % of 10 000) x 0.5 % risk over
  (0.001662 + (0.08368 + 0.085342) x 0.00055 taker) = 5698.1, floored to the lot: 5698.

The tick and lot of each symbol follow docs/simulator.md's rules from the median close of its
finest file: BTCUSDT's 15m file (2024-03-15 .. 12, ~ 60-70 k: tick 0.1, lot 0.0001), ETHUSDT
~ 2 k (0.01, 0.01), XRPUSDT ~ 0.5 and DOGEUSDT ~ 0.1 (tick 1e-6, lot 1).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from execution_support import remove_test_accounts
from team_data import SHARED_DATA

from algotrading.backtest.parity import compare
from algotrading.cli.main import main

DATA = SHARED_DATA / "bybit_derivs_2021_2025"
"""In the team data folder (tests/team_data.py), not in a clone of the repository."""
START, END = "2024-02-14T12:00:00Z", "2024-02-16T00:00:00Z"
SYMBOLS = ["BTCUSDT", "ETHUSDT", "XRPUSDT", "DOGEUSDT"]
FILTERS = {
    "BTCUSDT": {"tick": "0.1", "qty_step": "0.0001"},
    "DOGEUSDT": {"tick": "0.000001", "qty_step": "1"},
    "ETHUSDT": {"tick": "0.01", "qty_step": "0.01"},
    "XRPUSDT": {"tick": "0.000001", "qty_step": "1"},
}
TRADES = 7
"""All shorts: DOGE 02-14 17:00, DOGE 18:00, XRP 21:00, XRP 02-15 04:00 (each stopped), DOGE
02-15 02:00, ETH 17:00 and XRP 22:00 (open at the end)."""
STOPPED = 4


pytestmark = pytest.mark.needs_shared_data


@pytest.fixture(autouse=True)
def _cleanup(worker_db_url: str) -> Iterator[None]:
    """The replay's account and its rows go: other tests count rows table-wide."""
    yield
    remove_test_accounts(worker_db_url)


@pytest.mark.slow
def test_carry_replay_and_portfolio_backtest_trade_alike(
    use_database: str, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    config = tmp_path / "strategies.json"
    config.write_text(json.dumps({
        "carry": {"symbols": SYMBOLS},
        "trend": {"enabled": False}, "scalper": {"enabled": False}, "momentum": {"enabled": False},
    }))  # fmt: skip
    live, backtest = tmp_path / "replay.json", tmp_path / "portfolio.json"
    data = (
        "--data-dir", str(DATA), "--start", START, "--end", END, "--strategy-config", str(config),
    )  # fmt: skip
    assert main(["paper", "replay", "--name", "carry-parity", *data, "--out", str(live)]) == 0
    assert main(["backtest", "portfolio", *data, "--no-store", "--out", str(backtest)]) == 0
    capsys.readouterr()
    report, ours = json.loads(live.read_text()), json.loads(backtest.read_text())
    assert report["instruments"] == FILTERS
    result = compare(report, ours)
    assert result.differences == [] and result.compared == TRADES
    first = min(report["trades"], key=lambda t: t["id"])
    assert (first["symbol"], first["exit_reason"]) == ("DOGEUSDT", "stop_loss")
    assert float(first["exit_price"]) == float(first["stop_loss"])
    assert first["qty"].rstrip("0").rstrip(".") == "5698"
    reasons = [t["exit_reason"] for t in report["trades"]]
    assert reasons.count("stop_loss") == STOPPED and reasons.count(None) == TRADES - STOPPED
    assert main(["paper", "compare", str(live), str(backtest)]) == 0
    assert f"{TRADES} trades compared, 0 differences" in capsys.readouterr().out
