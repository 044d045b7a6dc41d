"""Live parity: `algo paper replay` (the executor, stepped, on the simulator) and `algo backtest
portfolio` over the same real span and strategy config open and close the same trades.

The scalper with `setup_window_bars: 3` (tests/execution_support.py) on BTCUSDT and ETHUSDT over
three days (2025-10-25 .. 10-28) trades five times: once on BTCUSDT, four times on ETHUSDT, with
signal exits (market, next open) and a stop (intrabar). Both paths: same symbols, sides, entry
and exit times and exit reasons, in the same order; prices equal under the fill model up to the
simulator's tick (the simulator rounds a fill against the taker to the tick, the backtest has
no tick); the quantity equal after the executor's floor to the lot step (the backtest has no
lot step). Tick and lot are the simulator's, derived from the bundled price level. A stop
fills inside a bar: the backtest (on 15-minute bars) names that bar's start as the exit time,
the replay the simulator's execution time (the end of the 5-minute bar it hit in), which must
lie within that bar; its price equals the backtest's stop, taken from the simulator's entry fill
and rounded to the tick towards the entry, exactly as the executor rounds it before sending."""

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

SPAN = ("--start", "2025-10-25T00:00:00Z", "--end", "2025-10-28T00:00:00Z")
SYMBOLS = ["BTCUSDT", "ETHUSDT"]
FILTERS = {"BTCUSDT": (0.1, Decimal("0.0001")), "ETHUSDT": (0.01, Decimal("0.01"))}
"""The simulator's tick and lot step per symbol (`bybit_sim.instruments.derive_instrument`)."""
MARKET_EXITS = {"signal", "time_stop"}
"""Exits filled by a market order at a bar's open; the others fill inside a bar."""
BAR_MS = 15 * 60_000


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
        "scalper": {"params": SCALPER_ENTRY, "symbols": SYMBOLS},
        "trend": {"enabled": False}, "carry": {"enabled": False}, "momentum": {"enabled": False},
    }))  # fmt: skip
    live, backtest = tmp_path / "replay.json", tmp_path / "portfolio.json"
    data = ("--data-dir", str(BUNDLED_DATA_DIR), *SPAN, "--strategy-config", str(config))
    assert main(["paper", "replay", *data, "--json", str(live)]) == 0
    assert main(["backtest", "portfolio", *data, "--no-store", "--json", str(backtest)]) == 0
    capsys.readouterr()
    replayed = json.loads(live.read_text())["trades"]
    ours = json.loads(backtest.read_text())["trades"]
    assert len(replayed) == len(ours) == 5
    assert {b["symbol"] for b in ours} == set(SYMBOLS)
    assert {b["exit_reason"] for b in ours} == {"signal", "stop_loss"}
    replayed.sort(key=lambda r: (r["opened_ms"], r["symbol"]))
    for r, b in zip(replayed, ours, strict=True):
        assert_same_trade(r, b)


def executor_stop(b: dict[str, Any], tick: float, long: bool) -> float:
    """Where the executor's stop fills (no gap): the backtest's stop distance taken from the
    simulator's entry fill, rounded to the tick towards the entry as `execution.sizing.round_stop`
    does before it is sent."""
    step = Decimal(repr(tick))
    entry = Decimal(repr(round_to_tick(b["entry_price"], tick, long)))
    distance = abs(Decimal(repr(b["entry_price"])) - Decimal(repr(b["stop"])))
    level = entry - distance if long else entry + distance
    rounding = ROUND_CEILING if long else ROUND_FLOOR
    return float((level / step).to_integral_value(rounding=rounding) * step)


def assert_same_trade(r: dict[str, Any], b: dict[str, Any]) -> None:
    """One replayed trade against the backtest's: identity and times exactly, prices and the
    quantity after the simulator's tick and lot step."""
    tick, lot = FILTERS[b["symbol"]]
    long = b["side"] == "long"
    assert (r["strategy"], r["symbol"], r["side"]) == (b["strategy"], b["symbol"], b["side"])
    assert r["opened_ms"] == parse_time(b["entry_time"])
    assert r["exit_reason"] == b["exit_reason"]
    exit_ms = parse_time(b["exit_time"])
    if b["exit_reason"] in MARKET_EXITS:
        assert r["closed_ms"] == exit_ms
    else:  # intrabar: the backtest names the bar's start, the replay a time inside that bar
        assert exit_ms <= r["closed_ms"] <= exit_ms + BAR_MS
    assert float(r["entry_price"]) == pytest.approx(round_to_tick(b["entry_price"], tick, long))
    if b["exit_reason"] in MARKET_EXITS:
        exit_price = round_to_tick(b["exit_price"], tick, not long)
    else:
        exit_price = executor_stop(b, tick, long)
    assert float(r["exit_price"]) == pytest.approx(exit_price)
    floored = Decimal(repr(b["qty"])).quantize(lot, rounding=ROUND_FLOOR)
    assert Decimal(r["qty"]) == floored
