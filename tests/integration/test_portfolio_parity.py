"""Live parity: `algo paper replay` (the executor, stepped, on the simulator) and `algo backtest
portfolio` over the same real span and strategy config open and close the same trades.

The scalper with `setup_window_bars: 3` (tests/execution_support.py) on BTCUSDT and ETHUSDT, over
two real spans: 2025-10-21 (a stop, and a partial take-profit at the middle band followed by a
signal exit) and 2025-10-25 .. 10-28 (signal exits and a stop). Both paths: same symbols, sides,
entry and exit times and exit reasons, in the same order, and every exit leg alike: its reason,
its price under the fill model up to the simulator's tick, its quantity after the executor's
floor to the lot step (the backtest has neither tick nor lot). Tick and lot are the simulator's,
derived from the bundled price level.

Conventions of the comparison, each what the executor does before it sends:
* a market fill (entry, signal exit) is moved to the tick against the taker;
* a stop fills inside a bar at the backtest's stop distance taken from the simulator's entry
  fill, rounded to the tick towards the entry (`execution.sizing.round_stop`); the backtest
  names the bar's start as the exit time, the replay the simulator's execution time, which must
  lie within that bar;
* the partial take-profit rests at the exchange at the target rounded to the tick towards the
  entry (`round_take_profit`) and fills there; its quantity is half the entry floored to the lot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Any

import pytest
from execution_support import SCALPER_ENTRY, remove_test_accounts

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.cli.main import main
from algotrading.domain.fills import round_to_tick
from algotrading.domain.timefmt import parse_time

SPANS = {
    "partial": (("2025-10-21T00:00:00Z", "2025-10-22T00:00:00Z"), 2),
    "signals": (("2025-10-25T00:00:00Z", "2025-10-28T00:00:00Z"), 5),
}
"""Span -> (start and end, trades in it)."""
SYMBOLS = ["BTCUSDT", "ETHUSDT"]
FILTERS = {"BTCUSDT": (0.1, Decimal("0.0001")), "ETHUSDT": (0.01, Decimal("0.01"))}
"""The simulator's tick and lot step per symbol (`bybit_sim.instruments.derive_instrument`)."""
MARKET_EXITS = {"signal", "time_stop"}
"""Exits filled by a market order at a bar's open; the others fill inside a bar."""
STOPS = {"stop_loss", "trailing_stop"}
BAR_MS = 15 * 60_000


@pytest.fixture(autouse=True)
def _cleanup(worker_db_url: str) -> Iterator[None]:
    """The replay's account and its rows go: other tests count rows table-wide."""
    yield
    remove_test_accounts(worker_db_url)


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
    assert main(["paper", "replay", *data, "--json", str(live)]) == 0
    assert main(["backtest", "portfolio", *data, "--no-store", "--json", str(backtest)]) == 0
    capsys.readouterr()
    report = json.loads(live.read_text())
    replayed, ours = report["trades"], json.loads(backtest.read_text())["trades"]
    assert len(replayed) == len(ours) == count
    replayed.sort(key=lambda r: (r["opened_ms"], r["symbol"]))
    for r, b in zip(replayed, ours, strict=True):
        assert_same_trade(r, b, exit_legs(report["orders"], r["id"]))
    if span == "partial":
        assert [b["exit_reason"] for b in ours] == ["stop_loss", "partial_take_profit+signal"]


def exit_legs(orders: list[dict[str, Any]], trade_id: int) -> list[dict[str, Any]]:
    """The replayed trade's filled reduce-only orders, in the order they were placed."""
    legs = [
        o for o in orders
        if o["trade_id"] == trade_id and o["reduce_only"] and o["status"] == "filled"
    ]  # fmt: skip
    return sorted(legs, key=lambda o: o["id"])


def toward_entry(price: float, tick: float, long: bool, *, up_for_long: bool) -> float:
    step = Decimal(repr(tick))
    rounding = ROUND_CEILING if up_for_long == long else ROUND_FLOOR
    return float((Decimal(repr(price)) / step).to_integral_value(rounding=rounding) * step)


def executor_stop(b: dict[str, Any], tick: float, long: bool) -> float:
    """Where the executor's stop fills (no gap): the backtest's stop distance taken from the
    simulator's entry fill, rounded to the tick towards the entry as `execution.sizing.round_stop`
    does before it is sent."""
    entry = Decimal(repr(round_to_tick(b["entry_price"], tick, long)))
    distance = abs(Decimal(repr(b["entry_price"])) - Decimal(repr(b["stop"])))
    level = entry - distance if long else entry + distance
    return toward_entry(float(level), tick, long, up_for_long=True)


def expected_price(b: dict[str, Any], leg: dict[str, Any], tick: float, long: bool) -> float:
    """Where the simulator fills the backtest's exit leg, by how the executor sends it."""
    if leg["reason"] in MARKET_EXITS:
        return round_to_tick(leg["price"], tick, not long)
    if leg["reason"] in STOPS:
        return executor_stop(b, tick, long)
    return toward_entry(leg["price"], tick, long, up_for_long=False)  # round_take_profit


def assert_same_trade(r: dict[str, Any], b: dict[str, Any], legs: list[dict[str, Any]]) -> None:
    """One replayed trade against the backtest's: identity and times exactly, every exit leg's
    reason, price and quantity after the simulator's tick and lot step."""
    tick, lot = FILTERS[b["symbol"]]
    long = b["side"] == "long"
    assert (r["strategy"], r["symbol"], r["side"]) == (b["strategy"], b["symbol"], b["side"])
    assert r["opened_ms"] == parse_time(b["entry_time"])
    assert r["exit_reason"] == b["exit_reason"].split("+")[-1]
    exit_ms, final = parse_time(b["exit_time"]), b["exits"][-1]["reason"]
    if final in MARKET_EXITS:
        assert r["closed_ms"] == exit_ms
    else:  # intrabar: the backtest names the bar's start, the replay a time inside that bar
        assert exit_ms <= r["closed_ms"] <= exit_ms + BAR_MS
    assert float(r["entry_price"]) == pytest.approx(round_to_tick(b["entry_price"], tick, long))
    qty = Decimal(repr(b["qty"])).quantize(lot, rounding=ROUND_FLOOR)
    assert Decimal(r["qty"]) == qty
    assert [leg["reason"] for leg in legs] == [leg["reason"] for leg in b["exits"]]
    left = qty
    for ours, theirs in zip(legs, b["exits"], strict=True):
        want = expected_price(b, theirs, tick, long)
        assert float(ours["avg_fill_price"]) == pytest.approx(want)
        share = (qty * Decimal(repr(theirs["fraction"]))).quantize(lot, rounding=ROUND_FLOOR)
        assert Decimal(ours["filled_qty"]) == (share if theirs is not b["exits"][-1] else left)
        left -= Decimal(ours["filled_qty"])
    total = sum(Decimal(o["avg_fill_price"]) * Decimal(o["filled_qty"]) for o in legs)
    assert Decimal(r["exit_price"]) == pytest.approx(total / qty)
