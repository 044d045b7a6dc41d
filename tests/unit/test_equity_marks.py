"""A snapshot never values a paper trade at 0 unrealized PnL because its ticker read failed."""

from __future__ import annotations

from decimal import Decimal as D
from types import SimpleNamespace
from typing import Any

import pytest

from algotrading.db import trades as trades_db
from algotrading.domain.breaker import BreakerThresholds
from algotrading.domain.trades import TradeStatus
from algotrading.exchange.errors import ExchangeUnavailable
from algotrading.execution import equity


class TickerDown:
    """The exchange port's edge: no live positions, and the ticker read fails."""

    def get_positions(self) -> list[Any]:
        return []

    def get_ticker(self, symbol: str) -> Any:
        raise ExchangeUnavailable(f"ticker {symbol}: HTTP 503")


class Recorder:
    def __init__(self) -> None:
        self.exchange = TickerDown()
        self.conn = None
        self.account_id = 1
        self.transients: list[str] = []

    def transient(self, message: str) -> None:
        self.transients.append(message)


@pytest.fixture
def paper_trade(monkeypatch: pytest.MonkeyPatch) -> None:
    """One open paper trade on ETHUSDT, a symbol the account does not hold live."""
    trade = SimpleNamespace(symbol="ETHUSDT", status=TradeStatus.OPEN, entry_price=D("2000"))
    monkeypatch.setattr(trades_db, "active_trades", lambda conn, account_id: [trade])


@pytest.mark.usefixtures("paper_trade")
def test_a_failed_ticker_read_is_not_a_mark_at_entry() -> None:
    with pytest.raises(ExchangeUnavailable):
        equity.marks(Recorder())  # type: ignore[arg-type]


@pytest.mark.usefixtures("paper_trade")
def test_the_snapshot_is_skipped_as_incomplete_and_reported() -> None:
    ctx = Recorder()
    out = equity.take(ctx, BreakerThresholds())  # type: ignore[arg-type]
    assert out == {"error": "ticker ETHUSDT: HTTP 503", "incomplete": True}
    assert ctx.transients == ["snapshot: ExchangeUnavailable: ticker ETHUSDT: HTTP 503"]
