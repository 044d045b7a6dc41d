"""Sizing arithmetic by hand, and how it meets the risk rules and the instrument's rounding."""

from __future__ import annotations

import math
from decimal import Decimal as D

import pytest

from algotrading.domain.limits import RiskLimits
from algotrading.exchange.types import SymbolInfo
from algotrading.execution.booking import exchange_levels, pending_json, signal_row
from algotrading.portfolio.sleeves import build_ledger
from algotrading.risk import TradeProposal, risk_context, validate
from algotrading.risk.sizing import (
    exit_quantity,
    risk_quantity,
    round_stop,
    round_take_profit,
    to_instrument,
    weight_quantity,
)
from algotrading.strategies import PositionSide, SignalRow, get_strategy, open_position
from algotrading.strategies.registry import default_allocation


def info(
    tick: str = "0.01", step: str = "0.001", min_notional: str = "5", min_qty: str = "0.001"
) -> SymbolInfo:
    return SymbolInfo(
        "SOLUSDT", "SOL", "USDT", "USDT", "Trading", D(tick), D(step), D(min_qty), D(1000),
        D(500), D(min_notional), D(1), D(50), D("0.01"), 8, 0,
    )  # fmt: skip


def test_risk_quantity_is_the_risk_budget_over_the_loss_per_unit() -> None:
    # 2 % of 2000 = 40 USDT; per unit: 2.00 of price + (100 + 98) x 0.00055 = 0.1089 of fees
    qty = risk_quantity(D(2000), D(2), D(100), D(98), D("0.00055"))
    assert qty == D(40) / D("2.1089")
    short = risk_quantity(D(2000), D(2), D(100), D(102), D("0.00055"))
    assert short == D(40) / D("2.1111")


def test_a_full_risk_budget_passes_the_risk_rule_unreduced() -> None:
    """Sizing measures the loss at the stop exactly as the risk module does."""
    ledger = build_ledger(D(10_000), default_allocation(), [])
    qty = risk_quantity(ledger.sizing_capital("scalper"), D(2), D(100), D(98), D("0.00055"))
    proposal = TradeProposal("scalper", "SOLUSDT", "long", qty, D(100), D(98), D(2))
    verdict = validate(proposal, risk_context(ledger), RiskLimits())
    assert verdict.accepted and not verdict.adjusted and verdict.qty == qty


def test_weight_quantity_puts_the_weight_of_the_sleeve_in_margin() -> None:
    # 25 % of 3000 as margin at 2x = 1500 USDT of notional at 150 = 10 units
    assert weight_quantity(D(3000), D("0.25"), D(2), D(150)) == D(10)
    assert weight_quantity(D(0), D("0.25"), D(2), D(150)) == D(0)


def test_rounding_to_the_instrument() -> None:
    assert to_instrument(D("12.34567"), D(150), info()).qty == D("12.345")
    below_step = to_instrument(D("0.0009"), D(150), info())
    assert below_step.qty == 0 and below_step.refusal.startswith("below_minimum")
    tiny = to_instrument(D("0.02"), D(150), info(min_notional="5"))  # 3 USDT < 5
    assert tiny.qty == 0 and "notional" in tiny.refusal
    assert to_instrument(D(900), D(150), info()).qty == D(500)  # max market order quantity


def test_levels_round_towards_the_entry() -> None:
    assert round_stop(D("97.123"), True, info()) == D("97.13")  # long stop: up
    assert round_stop(D("102.127"), False, info()) == D("102.12")  # short stop: down
    assert round_take_profit(D("103.129"), True, info()) == D("103.12")
    assert round_take_profit(D("96.121"), False, info()) == D("96.13")


def test_exit_quantity_never_leaves_dust() -> None:
    assert exit_quantity(D("1.000"), D("0.5"), info()) == D("0.500")
    assert exit_quantity(D("0.001"), D("0.5"), info()) == D("0.001")  # cannot split one step
    coarse = info(min_qty="0.010")
    assert exit_quantity(D("1.000"), D("0.995"), coarse) == D("1.000")  # rest below the minimum
    assert exit_quantity(D("1.000"), D("0.99"), coarse) == D("0.990")


def row(**values: float) -> SignalRow:
    base = dict(
        symbol="SOLUSDT", close_ms=1_000_000, entry_long=True, entry_short=False,
        exit_long=False, exit_short=False, stop_distance=4.0, take_profit_distance=6.0,
        target_price=math.nan, trail_distance=3.0, weight=None, time_stop_bars=None,
        settled=True,
    )  # fmt: skip
    return SignalRow(**(base | values))  # type: ignore[arg-type]


def test_exchange_levels_follow_the_policy() -> None:
    trend = get_strategy("trend")
    state = open_position(row(), 100.0, PositionSide.LONG, trend.policy)
    assert exchange_levels(trend, state, info()) == (D("96.00"), None)  # 3 ATR arms the trail
    fixed = get_strategy("trend", {"take_profit_style": "fixed"})
    state = open_position(row(), 100.0, PositionSide.LONG, fixed.policy)
    assert exchange_levels(fixed, state, info()) == (D("96.00"), D("106.00"))
    carry = get_strategy("carry")
    state = open_position(row(time_stop_bars=24), 100.0, PositionSide.SHORT, carry.policy)
    assert exchange_levels(carry, state, info()) == (D("104.00"), None)


def test_a_pending_signal_row_survives_json() -> None:
    original = row(weight=0.25)
    stored = pending_json(original)
    assert stored["target_price"] is None and stored["stop_distance"] == 4.0
    back = signal_row(stored)
    assert math.isnan(back.target_price) and back.weight == 0.25
    assert back.stop_distance == original.stop_distance and back.symbol == original.symbol


@pytest.mark.parametrize("bad", [D(0), D(-1)])
def test_no_capital_no_quantity(bad: D) -> None:
    assert risk_quantity(bad, D(2), D(100), D(98), D("0.00055")) == 0
