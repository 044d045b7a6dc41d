"""The fallback settlement (no exchange fills) after a partial exit, by hand arithmetic."""

from __future__ import annotations

from decimal import Decimal as D

from algotrading.db.trades import Trade
from algotrading.domain.trades import TradeStatus
from algotrading.execution.booking import _totals
from algotrading.strategies import PositionSide


def half_closed_long() -> Trade:
    """Long 2 @ 100; a partial exit sold 1 @ 110 and was booked: PnL 10, fees 0.2 + 0.11."""
    return Trade(
        id=1, strategy="s", symbol="BTCUSDT", side=PositionSide.LONG, status=TradeStatus.OPEN,
        qty=D("2"), entry_price=D("100"), exit_price=None, stop_loss=None, take_profit=None,
        leverage=None, realized_pnl=D("10"), fees=D("0.31"), funding=D("0"), exit_reason=None,
        is_shadow=False, opened_ms=0, closed_ms=None, signal_id=None,
    )  # fmt: skip


def test_fallback_prices_only_the_quantity_left_after_a_partial() -> None:
    # the remaining 1 closes at 120: PnL 10 + (120 - 100) x 1 = 30 (not 10 + 20 x 2 = 50);
    # fees 0.31 + 1 x 120 x 0.001 = 0.43 (not 0.31 + 0.24 = 0.55)
    price, realized, fees = _totals(half_closed_long(), [], [], D("120"), D("0.001"), D("1"))
    assert price == D("120")
    assert realized == D("30")
    assert fees == D("0.43")


def test_fallback_after_a_partial_that_took_everything_adds_nothing() -> None:
    price, realized, fees = _totals(half_closed_long(), [], [], D("120"), D("0.001"), D("0"))
    assert (price, realized, fees) == (D("120"), D("10"), D("0.31"))
