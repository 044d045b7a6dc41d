"""A fifth strategy, registered by the tests alone, trades in the portfolio backtest through
nothing but the registry: the proof that adding a strategy touches `strategies/` and its tests.
The rule (`fifth_strategy.UpCloseStrategy`) is checked against the raw 4h candles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from execution_support import remove_test_accounts
from fifth_strategy import UpCloseStrategy, registered
from team_data import TEST_DATA

from algotrading.backtest.portfolio import PortfolioBacktestConfig, run_portfolio
from algotrading.cli.main import main
from algotrading.domain.intervals import Interval
from algotrading.market.datafiles import DataSet

H4 = Interval.H4
START = 1_759_276_800_000  # 2025-10-01 00:00 UTC
END = 1_760_486_400_000  # 2025-10-15 00:00 UTC
THE_FOUR_OFF = {s: {"enabled": False} for s in ("trend", "scalper", "carry", "momentum")}


@pytest.fixture
def fifth() -> Iterator[type[UpCloseStrategy]]:
    with registered() as cls:
        yield cls


def test_the_fifth_strategy_trades_in_the_portfolio_backtest(
    fifth: type[UpCloseStrategy],
) -> None:
    config = PortfolioBacktestConfig(
        data_dirs=(str(TEST_DATA),), start_ms=START, end_ms=END, strategies=THE_FOUR_OFF,
        allocation={"momentum": 20, "upclose": 10},
    )  # fmt: skip
    result = run_portfolio(config, 1, run_id="bt-fifth", created_ms=1)
    assert result.allocation == {
        "trend": 30.0, "scalper": 20.0, "carry": 20.0, "momentum": 20.0, "upclose": 10.0,
    }  # fmt: skip
    live = [t for t in result.trades if not t["shadow"]]
    assert live and {t["strategy"] for t in live} == {"upclose"}
    closed = [t for t in live if not t["open"]]
    assert closed and result.strategies["upclose"]["status"] == "traded"
    candles = DataSet([str(TEST_DATA)]).candles("BTCUSDT", H4)
    close_at = dict(zip((candles.start_ms + H4.ms).tolist(), candles.close.tolist(), strict=True))
    for t in closed:
        assert t["symbol"] == "BTCUSDT" and t["side"] == "long"
        signal = t["signal_ms"]
        assert close_at[signal] > close_at[signal - H4.ms]  # entered after an up close
        assert t["entry_ms"] == signal  # at the next bar's open
        assert t["exit_reason"] == "signal"  # left after a down close, at the next open
        assert close_at[t["exit_ms"]] < close_at[t["exit_ms"] - H4.ms]
    first = closed[0]
    assert np.isclose(first["stop"], first["entry_price"] - 0.05 * close_at[first["signal_ms"]],
                      rtol=1e-3)  # fmt: skip


def test_the_fifth_strategy_trades_in_a_paper_replay(
    fifth: type[UpCloseStrategy], use_database: str, tmp_path: Path,
    capsys: pytest.CaptureFixture,
) -> None:  # fmt: skip
    strategies = tmp_path / "strategies.json"
    table = {"momentum": {"enabled": False, "allocation_pct": 20},
             "upclose": {"symbols": ["BTCUSDT"], "allocation_pct": 10}}  # fmt: skip
    strategies.write_text(json.dumps(THE_FOUR_OFF | table))
    out_file = tmp_path / "replay.json"
    try:
        code = main([
            "paper", "replay", "--data-dir", str(TEST_DATA), "--start", "2025-10-02T00:00:00Z",
            "--end", "2025-10-03T00:00:00Z", "--strategy-config", str(strategies),
            "--out", str(out_file),
        ])  # fmt: skip
        err = capsys.readouterr().err
    finally:
        remove_test_accounts(use_database)
    assert code == 0, err
    report = json.loads(out_file.read_text())
    trades = [t for t in report["trades"] if t["strategy"] == "upclose"]
    assert any(t["status"] == "closed" for t in trades)
    assert all(o["order_link_id"][0] == "U" for o in report["orders"])
    first = {s["scope"]: s for s in reversed(report["snapshots"])}  # each scope's first row
    # the account's table, merged into the registry's default: 10 % and 20 % of the 10,000
    assert float(first["upclose"]["real_peak"]) == 1000.0
    assert float(first["momentum"]["equity"]) == 2000.0
    assert float(first["trend"]["equity"]) == 3000.0
