"""Every risk rule accepting, reducing and rejecting, with its reason code.

Account: 10 000 USDT, default 30/20/20/30 sleeves (trend sizes on 3000), fee rate 0 unless a
test is about fees, so the hand numbers stay readable.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.domain.allocation import AllocationTable
from algotrading.domain.limits import RiskLimits
from algotrading.domain.scopes import UnknownStrategy
from algotrading.portfolio.sleeves import build_ledger
from algotrading.risk import (
    OpenPosition,
    ReasonCode,
    RiskContext,
    TradeProposal,
    risk_context,
    validate,
)
from algotrading.strategies.registry import default_allocation, sleeve_ids

D = Decimal
LIMITS = RiskLimits(fee_rate=D(0))  # 2 % per trade, 10 % portfolio, 3x leverage, no max loss


def _ctx(positions: tuple[OpenPosition, ...] = (), **breakers: str) -> RiskContext:
    ledger = build_ledger(D(10000), default_allocation(), [])
    return risk_context(ledger, positions, breakers)


def _long(qty: str = "10", strategy: str = "trend", **kw: object) -> TradeProposal:
    args = {"entry_price": D(100), "stop_loss": D(98), "leverage": D(2)} | kw
    return TradeProposal(strategy, "BTCUSDT", "long", D(qty), **args)  # type: ignore[arg-type]


def _pos(strategy: str, side: str, symbol: str = "BTCUSDT", **kw: object) -> OpenPosition:
    args = {"qty": D(1), "entry_price": D(100), "stop_loss": None, "leverage": D(1)} | kw
    return OpenPosition(strategy, symbol, side, **args)  # type: ignore[arg-type]


def test_a_trade_within_every_limit_is_accepted_unchanged() -> None:
    decision = validate(_long("10"), _ctx(), LIMITS)
    assert (decision.accepted, decision.qty, decision.code, decision.reason) == (
        True, D(10), None, None
    )  # fmt: skip
    assert decision.signal_decision == "accepted" and not decision.shadow


def test_max_loss_per_trade_reduces_the_quantity() -> None:
    limits = RiskLimits(max_loss_per_trade=D(15), fee_rate=D(0))
    decision = validate(_long("10"), _ctx(), limits)  # 2 USDT per unit at the stop: 7.5 units
    assert (decision.accepted, decision.qty, decision.adjusted) == (True, D("7.5"), True)
    assert decision.code is ReasonCode.MAX_LOSS_PER_TRADE
    assert decision.reason.startswith("max_loss_per_trade: qty reduced from 10 to 7.5")


def test_risk_per_trade_is_2_percent_of_the_sleeve() -> None:
    decision = validate(_long("40"), _ctx(), LIMITS)  # 2 % of 3000 = 60 USDT = 30 units
    assert (decision.accepted, decision.qty, decision.code) == (
        True, D(30), ReasonCode.MAX_RISK_PER_TRADE
    )  # fmt: skip
    assert "limit 2 % of trend capital 3000.00 = 60.00 USDT" in decision.reason


def test_fees_count_as_loss_at_the_stop() -> None:
    limits = RiskLimits(fee_rate=D("0.001"))
    decision = validate(_long("40"), _ctx(), limits)
    unit = D(2) + D(198) * D("0.001")  # 2.198 USDT per unit: price move + entry and exit fee
    assert decision.qty == (D(60) / unit).quantize(D("1e-12"), rounding="ROUND_DOWN")
    assert decision.qty == D("27.297543221110")


def test_sleeve_allocation_caps_margin() -> None:
    held = (_pos("trend", "long", "ETHUSDT", qty=D(10), stop_loss=D(99)),)  # margin 1000
    wide = {"stop_loss": D(99), "leverage": D(1)}  # risk cap 60 units, margin 100 per unit
    decision = validate(_long("25", **wide), _ctx(held), LIMITS)
    assert (decision.qty, decision.code) == (D(20), ReasonCode.SLEEVE_ALLOCATION)
    full = (_pos("trend", "long", "ETHUSDT", qty=D(30), stop_loss=D(99)),)  # margin 3000
    rejected = validate(_long("1", **wide), _ctx(full), LIMITS)
    assert (rejected.accepted, rejected.shadow, rejected.qty) == (False, False, D(0))
    assert rejected.code is ReasonCode.SLEEVE_ALLOCATION
    assert rejected.reason.startswith("sleeve_allocation: margin 100.00 USDT, trend has 0.00")


def test_a_strategy_without_allocation_cannot_trade() -> None:
    ledger = build_ledger(
        10000, AllocationTable.from_mapping({"trend": 60, "carry": 40}, sleeve_ids()), []
    )
    decision = validate(_long("1", strategy="momentum"), risk_context(ledger), LIMITS)
    assert not decision.accepted and decision.code is ReasonCode.MAX_RISK_PER_TRADE


def test_portfolio_open_risk_is_capped_at_10_percent_of_equity() -> None:
    # momentum short ETH: 99 units from mark 100 to stop 110 = 990 at risk of a 1000 budget
    short = _pos("momentum", "short", "ETHUSDT", qty=D(99), stop_loss=D(110), mark_price=D(100))
    assert short.open_risk == D(990)
    decision = validate(_long("10"), _ctx((short,)), LIMITS)
    assert (decision.qty, decision.code) == (D(5), ReasonCode.PORTFOLIO_RISK)  # 10 / 2 per unit
    more = _pos("carry", "long", "SOLUSDT", qty=D(10), stop_loss=D(99))  # 10 more at risk
    rejected = validate(_long("10"), _ctx((short, more)), LIMITS)
    assert (rejected.accepted, rejected.code) == (False, ReasonCode.PORTFOLIO_RISK)
    assert "open risk 1000.00 + 20.00 USDT" in rejected.reason


def test_open_risk_of_positions() -> None:
    trailing = _pos("trend", "long", qty=D(2), stop_loss=D(110), mark_price=D(120))
    assert trailing.open_risk == D(20)  # from the mark, not the entry
    locked_in = _pos("trend", "long", qty=D(2), stop_loss=D(125), mark_price=D(120))
    assert locked_in.open_risk == 0
    naked = _pos("trend", "short", qty=D(2), leverage=D(2), mark_price=D(120))
    assert naked.open_risk == D(120)  # no stop: the whole isolated margin
    assert naked.margin == D(100)


def test_leverage_above_the_account_maximum_is_rejected() -> None:
    decision = validate(_long("1", leverage=D(5)), _ctx(), LIMITS)
    assert (decision.accepted, decision.code) == (False, ReasonCode.MAX_LEVERAGE)
    assert decision.reason == "max_leverage: leverage 5 exceeds the account's max_leverage 3"


@pytest.mark.parametrize(
    ("held", "code"),
    [
        (_pos("momentum", "short"), ReasonCode.CROSS_STRATEGY_CONFLICT),
        (_pos("momentum", "long"), ReasonCode.SYMBOL_IN_USE),
        (_pos("trend", "short"), ReasonCode.REVERSAL_WITHOUT_EXIT),
    ],
)
def test_one_strategy_per_symbol(held: OpenPosition, code: ReasonCode) -> None:
    decision = validate(_long("1"), _ctx((held,)), LIMITS)
    assert (decision.accepted, decision.shadow, decision.code) == (False, False, code)
    assert decision.reason.startswith(f"{code}: {held.strategy} holds a {held.side} BTCUSDT")


def test_adding_to_an_own_position_and_other_symbols_are_fine() -> None:
    held = (_pos("trend", "long"), _pos("momentum", "short", "ETHUSDT"))
    assert validate(_long("1"), _ctx(held), LIMITS).accepted


def test_paper_positions_only_count_for_paper_entries() -> None:
    paper = (_pos("momentum", "short", is_shadow=True),)
    assert validate(_long("1"), _ctx(paper), LIMITS).accepted  # live: paper is invisible
    decision = validate(_long("1"), _ctx(paper, trend="paused"), LIMITS)
    assert decision.code is ReasonCode.CROSS_STRATEGY_CONFLICT and not decision.shadow


def test_a_paused_strategy_trades_on_paper_with_the_same_sizing() -> None:
    decision = validate(_long("40"), _ctx(trend="paused"), LIMITS)
    assert (decision.accepted, decision.shadow, decision.qty) == (False, True, D(30))
    assert decision.signal_decision == "rejected" and decision.adjusted
    assert decision.reason == (
        "strategy_paused: trend drawdown breaker: trading on paper; max_risk_per_trade: qty"
        " reduced from 40 to 30 (loss at stop 80.00 USDT, limit 2 % of trend capital 3000.00"
        " = 60.00 USDT)"
    )
    assert validate(_long("1", strategy="carry"), _ctx(trend="paused"), LIMITS).accepted


def test_a_halted_portfolio_sends_every_strategy_to_paper() -> None:
    decision = validate(_long("1"), _ctx(portfolio="halted", trend="paused"), LIMITS)
    assert (decision.shadow, decision.qty, decision.code) == (
        True, D(1), ReasonCode.PORTFOLIO_HALTED
    )  # fmt: skip


def test_flooring_an_accepted_quantity_keeps_it_accepted() -> None:
    limits = RiskLimits(max_loss_per_trade=D(7), fee_rate=D("0.00055"))
    first = validate(_long("10"), _ctx(), limits)
    floored = first.qty.quantize(D("0.001"), rounding="ROUND_DOWN")
    second = validate(_long(str(floored)), _ctx(), limits)
    assert second.accepted and not second.adjusted and second.qty == floored


def test_unknown_strategy_is_an_error_not_a_rejection() -> None:
    with pytest.raises(UnknownStrategy, match="unknown strategy 'grid'"):
        validate(_long("1", strategy="grid"), _ctx(), LIMITS)
