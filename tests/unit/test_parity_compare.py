"""`backtest.parity.compare` (`algo paper compare`) on hand-made trades: where each backtest price
goes under the executor's tick and lot rules, and every kind of difference it must report.

The backtest trade is a BTCUSDT long entered at 100000.04 (a market buy: up to the tick, 100000.1)
with 0.0123 (on the lot already, as the executor sizes), half taken at the middle band 100400.07
(a resting take-profit: down to the tick, towards the entry, 100400.0; 0.0061), the rest on a
signal at the next open 100300.02 (a market sell: down to the tick, 100300.0; what is left,
0.0062).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from algotrading.backtest.parity import compare
from algotrading.cli.main import main
from algotrading.domain.timefmt import parse_time

ENTRY, EXIT = "2025-10-21T13:00:00Z", "2025-10-21T13:15:00Z"


def backtest_trade(**changes: Any) -> dict[str, Any]:
    trade = {
        "strategy": "scalper", "symbol": "BTCUSDT", "side": "long", "qty": 0.0123,
        "shadow": False, "open": False, "entry_time": ENTRY, "entry_price": 100000.04,
        "stop": 99500.0, "exit_time": EXIT, "exit_reason": "partial_take_profit+signal",
        "exits": [
            {"time_ms": parse_time(ENTRY), "price": 100400.07, "fraction": 0.5,
             "reason": "partial_take_profit"},
            {"time_ms": parse_time(EXIT), "price": 100300.02, "fraction": 0.5, "reason": "signal"},
        ],
    }  # fmt: skip
    return trade | changes


def order(n: int, price: str, qty: str, reason: str, *, reduce_only: bool = True) -> dict:
    return {"id": n, "trade_id": 7, "reduce_only": reduce_only, "status": "filled",
            "avg_fill_price": price, "filled_qty": qty, "reason": reason}  # fmt: skip


def replay_report(**changes: Any) -> dict[str, Any]:
    trade = {
        "id": 7, "strategy": "scalper", "symbol": "BTCUSDT", "side": "long", "qty": "0.0123",
        "entry_price": "100000.1", "opened_ms": parse_time(ENTRY), "closed_ms": parse_time(EXIT),
        "exit_reason": "signal",
    } | changes  # fmt: skip
    orders = [
        order(1, "100000.1", "0.0123", "", reduce_only=False),
        order(2, "100400.0", "0.0061", "partial_take_profit"),
        order(3, "100300.0", "0.0062", "signal"),
    ]
    instruments = {"BTCUSDT": {"tick": "0.1", "qty_step": "0.0001"}}
    return {"trades": [trade], "orders": orders, "instruments": instruments}


def test_the_executor_s_prices_and_quantities_compare_equal() -> None:
    result = compare(replay_report(), {"trades": [backtest_trade()]})
    assert (result.compared, result.differences, result.equal) == (1, [], True)


def test_a_stop_is_taken_from_the_simulator_s_entry_and_compared_by_bar() -> None:
    """Stop distance 500.04 from the fill 100000.1 = 99500.06, up to the tick: 99500.1."""
    exits = [{"time_ms": parse_time(ENTRY), "price": 99500.0, "fraction": 1.0,
              "reason": "stop_loss"}]  # fmt: skip
    ours = backtest_trade(exit_reason="stop_loss", exit_time=ENTRY, exits=exits)
    report = replay_report(exit_reason="stop_loss", closed_ms=parse_time(ENTRY) + 5 * 60_000)
    report["orders"] = [report["orders"][0], order(2, "99500.1", "0.0123", "stop_loss")]
    assert compare(report, {"trades": [ours]}).differences == []
    report["orders"][1]["avg_fill_price"] = "99500.0"  # the backtest's own, unrounded level
    assert (
        compare(report, {"trades": [ours]})
        .differences[0]
        .endswith("leg 1 (stop_loss) price: replay 99500.0, backtest 99500.1")
    )
    late = replay_report(exit_reason="stop_loss", closed_ms=parse_time(ENTRY) + 16 * 60_000)
    late["orders"] = report["orders"]
    assert "outside the bar" in compare(late, {"trades": [ours]}).differences[0]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda r: r["orders"][1].update(avg_fill_price="100400.1"),
         "leg 1 (partial_take_profit) price: replay 100400.1, backtest 100400.0"),
        (lambda r: r["orders"][2].update(filled_qty="0.0061"),
         "leg 2 quantity: replay 0.0061, backtest 0.0062"),
        (lambda r: r["orders"].pop(1),
         "exit legs: replay ['signal'], backtest ['partial_take_profit', 'signal']"),
        (lambda r: r["trades"][0].update(closed_ms=parse_time(EXIT) + 15 * 60_000),
         "exit time:"),
        (lambda r: r["trades"][0].update(qty="0.0124"), "quantity: replay 0.0124"),
        (lambda r: r["trades"][0].update(side="short"), "identity:"),
        (lambda r: r["trades"][0].update(entry_price="100000.0"), "entry price:"),
        (lambda r: r["trades"][0].update(exit_reason="stop_loss"), "exit reason:"),
        (lambda r: r["instruments"].clear(), "the replay lists no instrument filters"),
    ],
    ids=["partial price", "leg qty", "missing leg", "exit time", "qty", "side", "entry",
         "reason", "filters"],
)  # fmt: skip
def test_every_difference_is_named(change: Any, expected: str) -> None:
    report = copy.deepcopy(replay_report())
    change(report)
    result = compare(report, {"trades": [backtest_trade()]})
    assert not result.equal
    assert any(expected in line for line in result.differences), result.differences


def test_a_missing_trade_is_a_difference_and_paper_trades_form_their_own_group() -> None:
    shadow = backtest_trade(shadow=True)
    result = compare(replay_report(), {"trades": [backtest_trade(), shadow]})
    assert result.differences == ["paper trade count: replay 0, backtest 1"]
    result = compare(replay_report(), {"trades": [backtest_trade(), backtest_trade()]})
    assert result.differences == ["trade count: replay 1, backtest 2"]


def test_a_paper_trade_is_compared_by_its_exit_price() -> None:
    report = copy.deepcopy(replay_report())
    paper = {**report["trades"][0], "id": 8, "is_shadow": True, "exit_price": "100350.0"}
    report["trades"].append(paper)
    ours = backtest_trade(shadow=True, exit_price=100350.045)  # the legs' mean: 4.5e-7 apart
    assert compare(report, {"trades": [backtest_trade(), ours]}).equal
    moved = {**paper, "exit_price": str(float(ours["exit_price"]) * 1.001)}  # 0.1 % off
    report["trades"][-1] = moved
    result = compare(report, {"trades": [backtest_trade(), ours]})
    assert len(result.differences) == 1
    assert result.differences[0].startswith("paper scalper BTCUSDT")
    assert "paper exit price: replay 100450.395" in result.differences[0]  # 100350.045 x 1.001


def test_the_command_exits_1_on_a_difference_and_2_on_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    replay, portfolio = tmp_path / "replay.json", tmp_path / "portfolio.json"
    replay.write_text(json.dumps(replay_report()))
    portfolio.write_text(json.dumps({"trades": [backtest_trade()]}))
    assert main(["paper", "compare", str(replay), str(portfolio)]) == 0
    assert capsys.readouterr().out.startswith("1 trade compared, 0 differences")
    portfolio.write_text(json.dumps({"trades": [backtest_trade(qty=0.02)]}))
    assert main(["paper", "compare", str(replay), str(portfolio)]) == 1
    assert "quantity: replay 0.0123, backtest 0.02\n" in capsys.readouterr().out
    assert main(["paper", "compare", str(portfolio), str(portfolio)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not an `algo paper replay --out` report" in err[0]
