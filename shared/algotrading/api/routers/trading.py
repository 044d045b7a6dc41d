"""`/api/trading`: an account's trades and orders, its exchange positions and balance, and the
operator's hand on one trade (close, stop-loss/take-profit, cancel an order)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from algotrading.api import trading
from algotrading.api.deps import Conn, PageQuery, Scoped
from algotrading.api.instruments import KnownInstruments
from algotrading.api.responses import SCOPED
from algotrading.api.runtimes import AccountRuntime, LibrarySettings
from algotrading.api.schemas.common import Page
from algotrading.api.schemas.strategies import SYMBOL_PATTERN, SleeveId
from algotrading.api.schemas.trading import (
    BalanceOut,
    CloseRequest,
    LevelsUpdate,
    OrderOut,
    PositionOut,
    TradeCreate,
    TradeDetail,
    TradeFilter,
    TradeOut,
)
from algotrading.db.audit import OperatorAction
from algotrading.execution import manual, manual_entry

router = APIRouter(prefix="/api/trading", tags=["trading"], responses=SCOPED)
RowId = Annotated[int, Path(ge=1, le=2**63 - 1)]


@router.get("/trades")
def list_trades(
    scope: Scoped, conn: Conn, page: PageQuery, status: TradeFilter | None = None,
    strategy: SleeveId | None = None,
    symbol: Annotated[str | None, Query(pattern=SYMBOL_PATTERN, examples=["BTCUSDT"])] = None,
) -> Page[TradeOut]:  # fmt: skip
    """The account's trades, newest first (`open` includes entries whose fill is pending)."""
    name = None if strategy is None else strategy.value
    items, total = trading.trades(
        conn, scope.account_id, status, name, symbol, page.limit, page.offset
    )
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/trades", status_code=201)
def create_trade(
    body: TradeCreate, scope: Scoped, conn: Conn, settings: LibrarySettings,
    runtime: AccountRuntime, known: KnownInstruments,
) -> TradeOut:  # fmt: skip
    """Open a hand-made trade at market (409 naming the risk rule or breaker that refused)."""
    known.check((body.symbol,), "symbol")
    opened = trading.at_exchange(lambda: manual_entry.open_trade(
        scope.account_id, trading.entry_of(body), settings=settings, runtime=runtime))  # fmt: skip
    detail = {"trade_id": opened.id} | body.model_dump(mode="json", exclude={"reason"})
    trading.audit(conn, scope, OperatorAction.TRADE_CREATE, opened.strategy, body.reason, detail)
    return trading.trade_out(opened)


@router.get("/trades/{trade_id}")
def get_trade(trade_id: RowId, scope: Scoped, conn: Conn) -> TradeDetail:
    """One trade with its orders."""
    return trading.trade(conn, scope.account_id, trade_id)


@router.put("/trades/{trade_id}")
def update_levels(
    trade_id: RowId, body: LevelsUpdate, scope: Scoped, conn: Conn, settings: LibrarySettings,
    runtime: AccountRuntime,
) -> TradeOut:  # fmt: skip
    """Move the stop-loss and/or take-profit at the exchange (409: the exchange refused)."""
    updated = trading.at_exchange(lambda: manual.set_levels(
        scope.account_id, trade_id, body.stop_loss, body.take_profit, settings=settings,
        runtime=runtime))  # fmt: skip
    detail = body.model_dump(exclude={"reason"}, exclude_none=True)
    trading.audit(conn, scope, OperatorAction.TRADE_UPDATE, updated.strategy, body.reason,
                  {"trade_id": trade_id, **detail})  # fmt: skip
    return trading.trade_out(updated)


@router.post("/trades/{trade_id}/close")
def close_trade(
    trade_id: RowId, body: CloseRequest, scope: Scoped, conn: Conn, settings: LibrarySettings,
    runtime: AccountRuntime,
) -> TradeOut:  # fmt: skip
    """Close an open live trade at market, booked like any exit (exit reason `flatten`)."""
    closed = trading.at_exchange(lambda: manual.close_trade(
        scope.account_id, trade_id, settings=settings, runtime=runtime))  # fmt: skip
    trading.audit(conn, scope, OperatorAction.TRADE_CLOSE, closed.strategy, body.reason,
                  {"trade_id": trade_id, "exit_price": closed.exit_price})  # fmt: skip
    return trading.trade_out(closed)


@router.delete("/orders/{order_id}")
def cancel_order(
    order_id: RowId, scope: Scoped, conn: Conn, settings: LibrarySettings,
    runtime: AccountRuntime,
) -> OrderOut:  # fmt: skip
    """Cancel an open order at the exchange (404: no such order; 409: it is final)."""
    row = trading.at_exchange(lambda: manual.cancel_order(
        scope.account_id, order_id, settings=settings, runtime=runtime))  # fmt: skip
    trading.audit(conn, scope, OperatorAction.ORDER_CANCEL, row.strategy or "portfolio", None,
                  {"order_id": order_id, "order_link_id": row.order_link_id})  # fmt: skip
    return trading.order_out(row)


@router.get("/positions")
def positions(
    scope: Scoped, conn: Conn, page: PageQuery, settings: LibrarySettings,
    runtime: AccountRuntime,
) -> Page[PositionOut]:  # fmt: skip
    """The account's open positions as its exchange reports them, by symbol."""
    found = trading.positions(conn, scope, runtime, settings)
    items = found[page.offset : page.offset + page.limit]
    return Page(items=items, total=len(found), limit=page.limit, offset=page.offset)


@router.get("/balance")
def balance(
    scope: Scoped, conn: Conn, settings: LibrarySettings, runtime: AccountRuntime
) -> BalanceOut:
    """The account's wallet at its exchange."""
    return trading.balance(conn, scope, runtime, settings)
