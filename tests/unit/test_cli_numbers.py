"""Numbers a trader reads (`cli.numbers`, `cli.presentation`): plurals, quantities and prices at
the lot and tick, money without exponents, ISO times beside epoch milliseconds. Expected values
worked out by hand in the comments."""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.backtest.metrics import format_metric
from algotrading.cli.numbers import count, money, money_cell, on_step, step_cell
from algotrading.cli.presentation import present_replay, with_iso_times


@pytest.mark.parametrize(
    ("n", "word", "text"),
    [(0, "trade", "0 trades"), (1, "trade", "1 trade"), (2, "trade", "2 trades"),
     (2929, "close", "2,929 closes"), (1, "series", "1 series")],
)  # fmt: skip
def test_plurals(n: int, word: str, text: str) -> None:
    assert count(n, word, "series" if word == "series" else None) == text


@pytest.mark.parametrize(
    ("text", "step", "shown"),
    [
        ("0.033400000000", "0.0001", "0.0334"),  # BTC lot: four decimals
        ("119609.100000000000", "0.1", "119609.1"),  # BTC tick
        ("17.000000000000", "1", "17"),  # ADA lot of 1: no decimals
        ("0E-12", "0.01", "0.00"),  # an unfilled order's quantity, at ETH's lot
        ("0.0335001", "0.0001", "0.0335001"),  # off the lot: every digit kept, nothing rounded
    ],
)
def test_decimal_text_at_the_step_without_changing_the_value(
    text: str, step: str, shown: str
) -> None:
    assert on_step(text, step) == shown and Decimal(shown) == Decimal(text)


@pytest.mark.parametrize(
    ("text", "shown"),
    [("0E-8", "0.00"), ("10000.00000000", "10000.00"), ("4.39774861", "4.39774861"),
     ("-3.5", "-3.50"), ("20000", "20000.00")],
)  # fmt: skip
def test_money_text_never_an_exponent(text: str, shown: str) -> None:
    assert money(text) == shown


def test_table_cells_round_to_the_step_and_money_to_cents() -> None:
    # 204.939030638 on a lot of 0.1: 204.9 (the next digit, 3, rounds down)
    assert step_cell(204.939030638, Decimal("0.1")) == "204.9"
    # a stop of 101683.67417247595 on a tick of 0.1: 101683.7 (the next digit, 7, rounds up)
    assert step_cell(101683.67417247595, Decimal("0.1")) == "101683.7"
    assert step_cell(0.0334, None) == "0.0334" and step_cell(None, Decimal("1")) == "-"
    assert money_cell(-1234.5) == "-1,234.50" and money_cell(0.0) == "0.00"


def test_money_metrics_at_two_decimals() -> None:
    assert format_metric("avg_win", 8.355) == "8.36"  # was 4 significant digits: 8.355
    assert format_metric("funding_paid", 0.3441) == "0.34"
    assert format_metric("net_pnl", 0) == "0.00"
    assert format_metric("sharpe", -0.8292) == "-0.8292"  # a ratio, not money: unchanged


def test_iso_times_beside_every_epoch_field() -> None:
    # 1,759,480,200,000 ms = 20,364 days + 30,600 s after 1970-01-01; day 20,364 is 2025-10-03
    # (2025-01-01 is day 20,089; +275 days = October 3) and 30,600 s = 08:30
    data = {"opened_ms": 1759480200000, "closed_ms": None, "time_ms": [1, 2],
            "exits": [{"time_ms": 1759481100000}],
            "snap": {"time_ms": 0, "time": "kept"}}  # fmt: skip
    shown = with_iso_times(data)
    assert shown["opened"] == "2025-10-03T08:30:00Z" and shown["closed"] is None
    assert shown["exits"][0]["time"] == "2025-10-03T08:45:00Z"  # 900,000 ms later
    assert "time" not in shown  # a curve's list of times stays milliseconds
    assert shown["snap"]["time"] == "kept"  # a name already taken is left alone
    assert shown["opened_ms"] == data["opened_ms"]


def test_a_replay_report_at_its_instruments() -> None:
    report = {
        "instruments": {"BTCUSDT": {"tick": "0.1", "qty_step": "0.0001"}},
        "final_equity": "10001.62093139",
        "signals": [],
        "orders": [{"symbol": "BTCUSDT", "qty": "0.016700000000", "filled_qty": "0E-12",
                    "price": "119885.600000000000", "fee": "0E-8", "created_ms": 0}],
        "trades": [{"symbol": "BTCUSDT", "qty": "0.033400000000", "funding": "0E-8",
                    "leverage": "2.00", "opened_ms": 1759480200000}],
        "snapshots": [{"scope": "portfolio", "equity": "10000.00000000", "time_ms": 0,
                       "time": "1970-01-01T00:00:00Z"}],
    }  # fmt: skip
    shown = present_replay(report)
    order, trade = shown["orders"][0], shown["trades"][0]
    assert (order["qty"], order["filled_qty"], order["price"], order["fee"]) == (
        "0.0167", "0.0000", "119885.6", "0.00",
    )  # fmt: skip
    assert order["created"] == "1970-01-01T00:00:00Z"
    assert (trade["qty"], trade["funding"], trade["leverage"]) == ("0.0334", "0.00", "2.00")
    assert shown["snapshots"][0]["equity"] == "10000.00"
    assert shown["final_equity"] == "10001.62093139"  # exact: money is never rounded in JSON
    assert report["trades"][0]["qty"] == "0.033400000000"  # the input is left as it was
