"""The account's book at a moment: open trades, their policy states, the sleeve ledger and the
positions the risk rules look at.

Sizing capital and every risk rule read this, so it is built from the database (our trades) and
the marks of the moment (exchange positions for live trades). A live trade's open quantity is the
exchange position's size when the exchange holds one (the truth after partial exits and manual
changes), else the entry quantity times the policy state's remaining fraction; a paper trade's is
always the latter. Pending entries (sent, fill not known) are in the book with their planned
quantity and stop, so a second strategy cannot take the same symbol meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import psycopg

from algotrading.db import trades as trades_db
from algotrading.db.portfolio_config import AccountPortfolioConfig
from algotrading.db.portfolio_state import load_states
from algotrading.db.strategy_state import StoredPosition, load_positions
from algotrading.domain.breaker import BreakerStatus
from algotrading.domain.trades import TradeStatus
from algotrading.portfolio.breakers import statuses
from algotrading.portfolio.sleeves import PortfolioLedger, TradePnl, build_ledger
from algotrading.risk.sizing import ZERO, dec
from algotrading.risk.types import OpenPosition


@dataclass(frozen=True, slots=True)
class Book:
    trades: tuple[trades_db.Trade, ...]
    states: Mapping[tuple[str, str], StoredPosition]
    ledger: PortfolioLedger
    positions: tuple[OpenPosition, ...]
    open_qty: Mapping[int, Decimal]

    def held(self, strategy: str, symbol: str) -> trades_db.Trade | None:
        """The strategy's active trade on the symbol (live or paper), if any."""
        for trade in self.trades:
            if trade.strategy == strategy and trade.symbol == symbol:
                return trade
        return None


def open_quantity(
    trade: trades_db.Trade,
    stored: StoredPosition | None,
    live_sizes: Mapping[str, Decimal],
) -> Decimal:
    if not trade.is_shadow and trade.status is TradeStatus.OPEN and trade.symbol in live_sizes:
        return live_sizes[trade.symbol]
    fraction = 1.0
    if stored is not None and stored.position is not None and stored.trade_id == trade.id:
        fraction = stored.position.qty_fraction
    return trade.qty * dec(fraction)


def unrealized(trade: trades_db.Trade, qty: Decimal, mark: Decimal | None) -> Decimal:
    if mark is None or trade.entry_price is None or trade.status is not TradeStatus.OPEN:
        return ZERO
    sign = 1 if trade.is_long else -1
    return sign * (mark - trade.entry_price) * qty


def build_book(
    conn: psycopg.Connection,
    account_id: int,
    config: AccountPortfolioConfig,
    marks: Mapping[str, Decimal],
    live_sizes: Mapping[str, Decimal],
) -> Book:
    """Trades and states from the database, valued at `marks` (symbol -> price)."""
    trades = tuple(trades_db.active_trades(conn, account_id))
    states = load_positions(conn, account_id)
    pnl: list[TradePnl] = []
    for strategy, shadow, (realized, fees, funding) in trades_db.closed_totals(conn, account_id):
        pnl.append(TradePnl(strategy, realized, ZERO, fees, funding, False, shadow))
    positions, open_qty = [], {}
    for t in trades:
        qty = open_quantity(t, states.get((t.strategy, t.symbol)), live_sizes)
        open_qty[t.id] = qty
        mark = marks.get(t.symbol)
        pnl.append(
            TradePnl(
                t.strategy, t.realized_pnl, unrealized(t, qty, mark), t.fees, t.funding,
                t.status is TradeStatus.OPEN, t.is_shadow,
            )
        )  # fmt: skip
        if qty > ZERO and t.entry_price is not None:
            positions.append(
                OpenPosition(
                    t.strategy, t.symbol, t.side, qty, t.entry_price, t.stop_loss,
                    t.leverage or Decimal(1), mark, t.is_shadow,
                )
            )  # fmt: skip
    ledger = build_ledger(config.starting_capital, config.allocation, pnl)
    return Book(trades, states, ledger, tuple(positions), open_qty)


def breaker_statuses(conn: psycopg.Connection, account_id: int) -> dict[str, BreakerStatus]:
    """The stored breaker states (scopes never evaluated are active)."""
    return statuses(load_states(conn, account_id))
