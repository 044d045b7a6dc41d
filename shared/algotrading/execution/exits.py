"""Closing (part of) a live position with a reduce-only market order.

Exits never pass the risk rules (lowering risk is always allowed, also while a breaker is
tripped). Each exit is an intent row first, under its own deterministic link id (intent `exit`
or `partial_exit` of the strategy, symbol and close), so a redone evaluation finds the row and
does not send it twice; an exit whose row is already final was handled by the first run (or by
the reconciliation) and is left alone.
"""

from __future__ import annotations

from decimal import Decimal

from algotrading.db import trades as trades_db
from algotrading.db.orders import OPEN_STATUSES, get_by_link, insert_intent, update_order
from algotrading.domain.positions import ExitReason
from algotrading.domain.trades import OrderPurpose, TradeStatus
from algotrading.exchange.types import order_side_to_close
from algotrading.execution.booking import book_partial, mark_filled, settle
from algotrading.execution.context import Ctx
from algotrading.execution.order_ids import order_link_id
from algotrading.execution.submit import send
from algotrading.risk.sizing import ZERO

_PURPOSE = {
    "partial_exit": OrderPurpose.PARTIAL_EXIT,
    "exit": OrderPurpose.EXIT,
    "halt": OrderPurpose.EXIT,
    "flatten": OrderPurpose.EXIT,
}
"""Intent (of the link id) -> the order's purpose: a halt's or a flatten's close is an exit."""


def market_exit(
    ctx: Ctx,
    trade: trades_db.Trade,
    *,
    qty: Decimal,
    open_qty: Decimal,
    reason: ExitReason,
    intent: str = "exit",
) -> bool:
    """Send the exit and book it; True when the position is reduced (or already was)."""
    link = order_link_id(ctx.account_id, trade.strategy, trade.symbol, intent, ctx.close_ms)
    existing = get_by_link(ctx.conn, ctx.account_id, link)
    if existing is not None and existing.status not in OPEN_STATUSES:
        return existing.status == "filled"
    with ctx.tx() as conn:
        row = insert_intent(
            conn, ctx.account_id, link_id=link, trade_id=trade.id, strategy=trade.strategy,
            symbol=trade.symbol, purpose=_PURPOSE.get(intent, OrderPurpose.EXIT),
            side=order_side_to_close(trade.side).value, qty=qty, bar_close_ms=ctx.close_ms,
            reduce_only=True, reason=reason,
        )  # fmt: skip
    sent = send(ctx, row, None)
    if sent.rejected is not None:
        with ctx.tx() as conn:
            update_order(conn, row.id, status="rejected", reason=sent.rejected)
        ctx.report.errors.append(f"{trade.strategy} {trade.symbol} exit refused: {sent.rejected}")
        return False
    if sent.order is None:
        ctx.transient(f"{trade.strategy} {trade.symbol} exit unknown: {sent.unknown}")
        return False
    order = sent.order
    if order.filled_qty <= ZERO or order.avg_fill_price is None:
        mark_filled(ctx, row, order)
        return False
    if order.filled_qty < open_qty:
        book_partial(ctx, trade, row, order)
        return True
    if row.purpose is OrderPurpose.PARTIAL_EXIT:  # a partial that took all: booked as one,
        book_partial(ctx, trade, row, order)  # so settling's estimate prices nothing twice
    else:
        mark_filled(ctx, row, order)
    settle(ctx, trade, reason=reason, fallback_price=order.avg_fill_price)
    return True


def close_all_live(ctx: Ctx, trades: list[trades_db.Trade], reason: ExitReason) -> int:
    """Close every open live trade at market (a portfolio halt with close_positions_on_halt);
    returns how many were closed."""
    closed = 0
    for trade in trades:
        if trade.is_shadow or trade.status is not TradeStatus.OPEN:
            continue
        position = ctx.positions.get(trade.symbol)
        qty = position.size if position is not None else trade.qty
        if market_exit(ctx, trade, qty=qty, open_qty=qty, reason=reason, intent="halt"):
            closed += 1
    return closed
