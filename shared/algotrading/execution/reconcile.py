"""Reconciliation: the exchange is the truth; make the database agree before deciding anything.

Runs first in every evaluation, in this order:

1. **Orders not final** (intents included): asked for by link id. A filled entry is booked (the
   fill a crash or a timeout kept from being recorded), with the levels of the signal it was
   sent for; a filled exit is booked; an intent of an earlier close that the exchange does not
   know never reached it and is closed as rejected (an intent of *this* close is left: the
   processor sends it again under the same id).
2. **Positions**: one `get_positions` call. An open live trade whose position is gone was closed
   at the exchange (stop-loss, take-profit, liquidation, a manual close): it is settled from the
   executions, which say at what price and why. A position that is still there must hold the
   trade's stop-loss and take-profit; if not (the call after the fill failed), they are set now.
   Size or side differences are reported. A position no trade of ours explains is reported,
   never touched.
3. **Funding** of open live trades at their symbol's settlement times.

Executions are read only when a position closed, not "since the last run" on every evaluation:
the port walks 7-day windows up to the exchange's clock, and every missed fill shows up as an
order row that is not final or a position that differs from our trades, which is what triggers
the reads. A manual trade opened and closed between two evaluations on a symbol we do not hold
is therefore not seen here; it shows in the unattributed equity (docs/RISK.md).
"""

from __future__ import annotations

from decimal import Decimal

from algotrading.db import trades as trades_db
from algotrading.db.orders import OrderRow, open_orders, trade_orders, update_order
from algotrading.db.strategy_state import clear_position, load_positions
from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.domain.funding import DEFAULT_FUNDING_INTERVAL_H
from algotrading.domain.intervals import HOUR_MS
from algotrading.domain.positions import ExitReason, PositionState
from algotrading.domain.trades import OrderPurpose, TradeStatus
from algotrading.exchange.errors import ExchangeError
from algotrading.exchange.types import ExchangePosition, Order, order_side_to_open
from algotrading.execution.booking import (
    book_entry,
    book_partial,
    mark_filled,
    settle,
)
from algotrading.execution.context import Ctx
from algotrading.execution.funding_book import book_trade_funding
from algotrading.execution.protect import protect
from algotrading.execution.resting import PARTIAL_PURPOSES
from algotrading.risk.sizing import ZERO, dec

NORMAL_EXITS = (ExitReason.STOP_LOSS, ExitReason.TRAILING_STOP, ExitReason.TAKE_PROFIT)


def reconcile(ctx: Ctx) -> None:
    """Bring the database in line with the exchange (see the module docstring)."""
    for row in open_orders(ctx.conn, ctx.account_id):
        _order(ctx, row)
    ctx.positions = {p.symbol: p for p in ctx.exchange.get_positions()}
    trades = trades_db.active_trades(ctx.conn, ctx.account_id)
    for trade in trades:
        if not trade.is_shadow and trade.status is TradeStatus.OPEN:
            _position(ctx, trade, ctx.positions.get(trade.symbol))
    ours = {t.symbol for t in trades if not t.is_shadow}
    for symbol, position in ctx.positions.items():
        if symbol not in ours:
            _unattributed(ctx, position)
    _funding(ctx)


def _order(ctx: Ctx, row: OrderRow) -> None:
    try:
        order = ctx.exchange.get_order(row.symbol, order_link_id=row.order_link_id)
    except ExchangeError as err:
        ctx.transient(f"order {row.order_link_id}: lookup failed: {err}")
        return
    if order is None:
        if row.bar_close_ms is None or row.bar_close_ms < ctx.close_ms:
            _never_sent(ctx, row)
        return
    if row.purpose is OrderPurpose.ENTRY:
        _entry(ctx, row, order)
    elif order.filled_qty > ZERO and order.avg_fill_price is not None:
        _exit(ctx, row, order)
    else:
        mark_filled(ctx, row, order)


def _never_sent(ctx: Ctx, row: OrderRow) -> None:
    reason = "not at the exchange: the intent was never sent"
    with ctx.tx() as conn:
        update_order(conn, row.id, status="rejected", reason=reason)
        if row.purpose is OrderPurpose.ENTRY and row.trade_id is not None:
            trades_db.cancel_trade(conn, row.trade_id, reason)
            clear_position(conn, ctx.account_id, row.strategy or "", row.symbol, row.trade_id)
    _report(ctx, "intent_not_sent", row.symbol, f"order {row.order_link_id}: {reason}")


def _entry(ctx: Ctx, row: OrderRow, order: Order) -> None:
    stored = load_positions(ctx.conn, ctx.account_id).get((row.strategy or "", row.symbol))
    strategy = ctx.strategies.get(row.strategy or "")
    pending = stored.pending if stored is not None and stored.trade_id == row.trade_id else None
    if pending is None or strategy is None:
        message = f"entry {row.order_link_id} {order.status}: no pending signal to book it from"
        mark_filled(ctx, row, order)
        _report(ctx, "entry_without_signal", row.symbol, message, AlertLevel.CRITICAL)
        return
    trade = book_entry(ctx, row, order, pending, strategy)
    if trade is not None:
        message = (
            f"{row.strategy} {row.symbol}: entry {row.order_link_id} filled {trade.qty} @"
            f" {trade.entry_price} was not recorded; recorded now"
        )
        _report(ctx, "missed_fill", row.symbol, message)


def _exit(ctx: Ctx, row: OrderRow, order: Order) -> None:
    if row.purpose in PARTIAL_PURPOSES and row.trade_id is not None:
        trade = trades_db.get_trade(ctx.conn, ctx.account_id, row.trade_id)
        if trade.status is TradeStatus.OPEN:
            book_partial(ctx, trade, row, order)
            if row.purpose is OrderPurpose.PARTIAL_EXIT:
                message = f"partial exit {row.order_link_id} recorded"
                _report(ctx, "missed_fill", row.symbol, message)
            else:  # the resting partial take-profit did its job (execution.resting)
                message = f"partial take-profit filled {order.filled_qty} @ {order.avg_fill_price}"
                ctx.finding("partial_take_profit", row.symbol, message, trade_id=trade.id)
            return
    mark_filled(ctx, row, order)  # a full exit: the position check settles the trade


def _position(ctx: Ctx, trade: trades_db.Trade, position: ExchangePosition | None) -> None:
    stored = load_positions(ctx.conn, ctx.account_id).get((trade.strategy, trade.symbol))
    state = stored.position if stored is not None and stored.trade_id == trade.id else None
    if position is None:
        fallback = ctx.exchange.get_ticker(trade.symbol).last_price
        trailing = bool(state is not None and state.trail_active)
        closed = settle(ctx, trade, reason=None, fallback_price=fallback, trailing=trailing)
        message = (
            f"{trade.strategy} {trade.symbol}: position closed at the exchange"
            f" ({closed.exit_reason}) @ {closed.exit_price}"
        )
        if closed.exit_reason in NORMAL_EXITS:
            ctx.finding("closed_at_exchange", trade.symbol, message, trade_id=trade.id)
        else:
            level = AlertLevel.CRITICAL if closed.exit_reason is ExitReason.LIQUIDATION else None
            _report(ctx, "closed_at_exchange", trade.symbol, message, level)
        return
    expected = order_side_to_open(trade.side)
    if position.side is not expected:
        message = (
            f"{trade.strategy} {trade.symbol}: exchange holds {position.side},"
            f" trade is {trade.side}"
        )
        _report(ctx, "wrong_side", trade.symbol, message, AlertLevel.CRITICAL)
        return
    _size(ctx, trade, position, state)
    if protect(ctx, trade, position, position.size) and trade.stop_loss != position.stop_loss:
        message = (
            f"{trade.strategy} {trade.symbol}: stop-loss {trade.stop_loss} set"
            f" (was {position.stop_loss})"
        )
        _report(ctx, "protected", trade.symbol, message)


def _size(
    ctx: Ctx, trade: trades_db.Trade, position: ExchangePosition, state: PositionState | None
) -> None:
    """Report (once per size) a position that is not the size our trade expects."""
    exits = sum((o.filled_qty for o in trade_orders(ctx.conn, trade.id) if o.reduce_only), ZERO)
    fraction = dec(state.qty_fraction) if state is not None else Decimal(1)
    expected = min(trade.qty * fraction, trade.qty - exits)  # a resting partial may lead the state
    if abs(position.size - expected) <= ctx.info(trade.symbol).qty_step:  # partial-exit rounding
        return
    message = (
        f"{trade.strategy} {trade.symbol}: exchange position {position.size}, trade expects"
        f" {expected.normalize():f}; the exchange's size is used"
    )
    _report(
        ctx, "size_differs", trade.symbol, message,
        key=f"recon:size:{trade.id}:{position.size}",
    )  # fmt: skip


def _unattributed(ctx: Ctx, position: ExchangePosition) -> None:
    message = (
        f"{position.symbol}: exchange position {position.side} {position.size} is not one of"
        " our trades (manual trade?); left untouched"
    )
    _report(
        ctx, "unattributed_position", position.symbol, message,
        key=f"recon:unattributed:{position.symbol}:{position.created_ms}",
    )  # fmt: skip


def _funding(ctx: Ctx) -> None:
    """At a settlement time, book what each open live trade paid or received since its
    watermark (`funding_book`, the funding poll's function: a settlement is booked once
    whichever books it first)."""
    for trade in trades_db.active_trades(ctx.conn, ctx.account_id):
        if trade.is_shadow or trade.status is not TradeStatus.OPEN:
            continue
        hours = ctx.info(trade.symbol).funding_interval_hours or DEFAULT_FUNDING_INTERVAL_H
        if ctx.close_ms % (hours * HOUR_MS):
            continue
        try:
            book_trade_funding(ctx.conn, ctx.exchange, ctx.account_id, trade, ctx.close_ms)
        except ExchangeError as err:
            ctx.report.errors.append(f"{trade.symbol}: funding lookup failed: {err}")


def _report(
    ctx: Ctx,
    kind: str,
    symbol: str | None,
    message: str,
    level: AlertLevel | None = None,
    key: str | None = None,
) -> None:
    """A finding in the report and a `reconciliation` alert."""
    ctx.finding(kind, symbol, message)
    with ctx.tx():
        ctx.alert(
            AlertEvent.create(
                AlertKind.RECONCILIATION, message, account_id=ctx.account_id, level=level,
                details={"finding": kind, "symbol": symbol}, time_ms=ctx.close_ms,
                dedupe_key=key or f"recon:{kind}:{symbol}:{ctx.close_ms}",
            )
        )  # fmt: skip
