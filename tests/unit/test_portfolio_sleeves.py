"""Sleeve equity = allocation x starting capital + realized - fees + funding + unrealized."""

from __future__ import annotations

from decimal import Decimal

import pytest

from algotrading.domain.allocation import AllocationTable
from algotrading.domain.breaker import ScopeEquity
from algotrading.domain.scopes import PORTFOLIO, UnknownStrategy
from algotrading.portfolio.sleeves import TradePnl, build_ledger
from algotrading.strategies.registry import default_allocation, sleeve_ids

D = Decimal

TRADES = [
    # trend: one closed winner, one open loser
    TradePnl("trend", realized_pnl=D("300"), fees=D("12.5"), funding=D("-4.25")),
    TradePnl("trend", unrealized_pnl=D("-80"), fees=D("3"), funding=D("1.5"), is_open=True),
    # scalper: a closed loser
    TradePnl("scalper", realized_pnl=D("-150"), fees=D("6")),
    # carry: an open position that mostly earns funding
    TradePnl("carry", unrealized_pnl=D("20"), fees=D("2.2"), funding=D("35.5"), is_open=True),
    # a paper trade of a paused trend sleeve: never part of the equity
    TradePnl("trend", realized_pnl=D("500"), fees=D("1"), is_shadow=True),
]


def test_sleeve_equity_with_fees_and_funding_by_hand() -> None:
    ledger = build_ledger(D(10000), default_allocation(), TRADES)
    trend = ledger.sleeve("trend")
    # 3000 + 300 - 12.5 - 4.25 (closed) - 80 - 3 + 1.5 (open) = 3201.75
    assert trend.equity == D("3201.75")
    assert trend.realized_pnl == D(300) and trend.fees == D("15.5")
    assert trend.funding == D("-2.75") and trend.unrealized_pnl == D(-80)
    assert trend.net_realized_pnl == D("284.5")
    assert (trend.open_positions, trend.shadow_pnl, trend.shadow_open_positions) == (1, D(499), 0)
    assert ledger.sleeve("scalper").equity == D(1844)  # 2000 - 150 - 6
    assert ledger.sleeve("carry").equity == D("2053.3")  # 2000 + 20 - 2.2 + 35.5
    assert ledger.sleeve("momentum").equity == D(3000)  # untouched
    assert ledger.equity == D("10099.05") == D(10000) + D("99.05")
    assert ledger.open_positions == 2 and ledger.shadow_pnl == D(499)


def test_sizing_capital_is_capped_by_the_share_of_current_equity() -> None:
    ledger = build_ledger(D(10000), default_allocation(), TRADES)
    # trend has 3201.75 but 30 % of 10099.05 is only 3029.715: it may not outgrow its share
    assert ledger.sizing_capital("trend") == D("3029.715")
    # scalper lost money: it sizes on its own 1844, not on 20 % of the portfolio (2019.81)
    assert ledger.sizing_capital("scalper") == D(1844)
    blown = build_ledger(D(1000), default_allocation(), [TradePnl("scalper", -250)])
    assert blown.sleeve("scalper").equity == D(-50)
    assert blown.sizing_capital("scalper") == 0


def test_scope_equities_feed_the_breakers() -> None:
    ledger = build_ledger(10000, default_allocation(), TRADES)
    scopes = ledger.scope_equities()
    assert scopes[PORTFOLIO] == ScopeEquity(D("10099.05"), D(499), D(10000))
    assert scopes["trend"] == ScopeEquity(D("3201.75"), D(499), D(3000))
    assert scopes["momentum"] == ScopeEquity(D(3000), D(0), D(3000))
    assert ledger.unattributed(D("10150")) == D("50.95")


def test_a_zero_allocation_sleeve_has_no_capital() -> None:
    table = AllocationTable.from_mapping({"trend": 50, "scalper": 50}, sleeve_ids())
    ledger = build_ledger(D(8000), table, [])
    assert ledger.sleeve("carry").base_capital == 0
    assert ledger.sizing_capital("carry") == 0


def test_bad_input_is_refused() -> None:
    with pytest.raises(UnknownStrategy, match="'grid'"):
        build_ledger(1000, default_allocation(), [TradePnl("grid", 1)])
    with pytest.raises(ValueError, match="starting capital must be positive"):
        build_ledger(0, default_allocation(), [])
    with pytest.raises(ValueError, match="closed trend trade cannot have unrealized PnL"):
        TradePnl("trend", unrealized_pnl=D(5))
    with pytest.raises(ValueError, match="fees of a trend trade must be finite"):
        TradePnl("trend", fees=float("inf"))  # type: ignore[arg-type]
