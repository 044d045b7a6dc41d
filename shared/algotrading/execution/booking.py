"""Recording fills: an entry that filled, a partial exit, a position that went flat.

Shared by the signal processor (orders it just placed) and the reconciliation (orders and exits
it found later), so a fill is booked the same way whoever sees it first. Entry fees are an
estimate (quantity x price x the taker rate) until the trade closes; then the trade's figures
are replaced by the exchange's own executions and funding settlements (`settle`), which is the
truth (maker fills, fee tiers, slippage and liquidation included).

Cost note: the port's `get_executions` / `get_funding_settlements` walk 7-day windows from
`since` to the exchange's clock, one or more requests per window. They are therefore called only
when a trade closes (and for funding when a settlement is due), never on every evaluation.
Funding is booked by `funding_book.book_trade_funding` (the funding poll's function): at the
close it books only the settlements after the trade's watermark, so nothing is counted twice.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any

from algotrading.db import trades as trades_db
from algotrading.db.orders import OrderRow, insert_external, list_orders, update_order
from algotrading.db.strategy_state import clear_position, save_position
from algotrading.domain.alerts import AlertEvent, AlertKind, trade_alert
from algotrading.domain.intervals import MINUTE_MS
from algotrading.domain.positions import ExitReason, PositionState, parse_exit_reason
from algotrading.domain.trades import OrderPurpose
from algotrading.exchange.errors import ExchangeRejected
from algotrading.exchange.types import (
    Execution,
    Order,
    OrderSide,
    OrderStatus,
    SymbolInfo,
    order_side_to_open,
    position_side_opened_by,
)
from algotrading.execution.context import Ctx
from algotrading.execution.funding_book import book_trade_funding
from algotrading.execution.resting import cancel_for, partial_filled
from algotrading.risk.sizing import ZERO, dec, round_stop, round_take_profit
from algotrading.strategies.base import SignalRow, Strategy, TakeProfitMode
from algotrading.strategies.policy import open_position

SINCE_MARGIN_MS = 5 * MINUTE_MS
STOPPED = (ExitReason.STOP_LOSS, ExitReason.TRAILING_STOP, ExitReason.LIQUIDATION)


def exchange_levels(
    strategy: Strategy[Any], state: PositionState, info: SymbolInfo
) -> tuple[Decimal | None, Decimal | None]:
    """The stop-loss and take-profit the exchange should hold for this state.

    The stop is the active one (initial or trailing). A take-profit is sent only when touching
    it closes the whole position; a level that arms a trail or takes a partial is the policy's
    business at the next close (the exchange's position TP/SL always closes everything).
    """
    stop, _ = state.active_stop()
    sl = None if stop is None else round_stop(dec(stop), state.is_long, info)
    policy = strategy.policy
    closes_all = policy.trail_start is None and policy.partial_fraction is None
    level = None
    if closes_all and policy.take_profit is TakeProfitMode.DISTANCE:
        level = state.take_profit
    elif closes_all and policy.take_profit is TakeProfitMode.TARGET:
        level = state.target
    tp = None if level is None else round_take_profit(dec(level), state.is_long, info)
    return sl, tp


_NAN_FIELDS = ("stop_distance", "take_profit_distance", "target_price", "trail_distance")


def pending_json(row: SignalRow) -> dict[str, Any]:
    """A signal row as JSON (NaN, "none", becomes null), for `strategy_state.extra`."""
    data = asdict(row)
    return {
        k: None if isinstance(v, float) and not math.isfinite(v) else v for k, v in data.items()
    }


def signal_row(pending: Mapping[str, Any]) -> SignalRow:
    """The signal row back from `pending_json`."""
    data = dict(pending)
    for name in _NAN_FIELDS:
        if data.get(name) is None:
            data[name] = math.nan
    return SignalRow(**data)


def book_entry(
    ctx: Ctx, row: OrderRow, order: Order, pending: Mapping[str, Any], strategy: Strategy[Any]
) -> trades_db.Trade | None:
    """The entry's outcome: an open trade (filled), a cancelled one, or still waiting (None)."""
    assert row.trade_id is not None
    if order.filled_qty <= ZERO or order.avg_fill_price is None:
        final = order.status in (OrderStatus.CANCELLED, OrderStatus.REJECTED)
        with ctx.tx() as conn:
            update_order(conn, row.id, status=order.status.value, exchange_order_id=order.order_id)
            if final:
                trades_db.cancel_trade(conn, row.trade_id, f"entry {order.status.value}")
                clear_position(conn, ctx.account_id, row.strategy or "", row.symbol, row.trade_id)
        return None
    return record_entry_fill(ctx, row, order, pending, strategy)


def record_entry_fill(
    ctx: Ctx, row: OrderRow, order: Order, pending: Mapping[str, Any], strategy: Strategy[Any]
) -> trades_db.Trade:
    """Write the filled entry: order row, open trade, policy state, alert (one transaction)."""
    assert row.trade_id is not None and order.avg_fill_price is not None
    side = position_side_opened_by(OrderSide(row.side))
    state = open_position(signal_row(pending), float(order.avg_fill_price), side, strategy.policy)
    sl, tp = exchange_levels(strategy, state, ctx.info(row.symbol))
    qty, price = order.filled_qty, order.avg_fill_price
    fee = qty * price * ctx.fee_rate
    opened = order.created_ms or ctx.close_ms
    with ctx.tx() as conn:
        update_order(
            conn, row.id, status=order.status.value, exchange_order_id=order.order_id,
            filled_qty=qty, avg_fill_price=price, fee=fee,
        )  # fmt: skip
        trades_db.mark_open(
            conn, row.trade_id, qty=qty, entry_price=price, stop_loss=sl, take_profit=tp,
            opened_ms=opened, fees=fee,
        )  # fmt: skip
        save_position(conn, ctx.account_id, row.strategy or "", row.symbol, row.trade_id, state)
        ctx.alert(
            trade_alert(
                AlertKind.TRADE_OPENED, account_id=ctx.account_id, strategy=row.strategy or "",
                symbol=row.symbol, side=side.value, qty=qty, price=price, time_ms=opened,
                dedupe_key=f"trade:{row.trade_id}:opened",
            )
        )  # fmt: skip
        trade = trades_db.get_trade(conn, ctx.account_id, row.trade_id)
    ctx.report.opened.append(trade.as_dict())
    return trade


def book_partial(ctx: Ctx, trade: trades_db.Trade, row: OrderRow, order: Order) -> None:
    """A partial exit filled: its price PnL and estimated fee; the trade stays open."""
    qty, price = order.filled_qty, order.avg_fill_price or ZERO
    assert trade.entry_price is not None
    sign = 1 if trade.is_long else -1
    realized = sign * (price - trade.entry_price) * qty
    fee = qty * price * ctx.fee_rate
    with ctx.tx() as conn:
        update_order(
            conn, row.id, status=order.status.value, exchange_order_id=order.order_id,
            filled_qty=qty, avg_fill_price=price, fee=fee,
        )  # fmt: skip
        trades_db.book_partial(conn, trade.id, realized, fee)


def mark_filled(ctx: Ctx, row: OrderRow, order: Order) -> None:
    """An exit order's exchange state, before the trade is settled."""
    price = order.avg_fill_price
    fee = None if price is None else order.filled_qty * price * ctx.fee_rate
    with ctx.tx() as conn:
        update_order(
            conn, row.id, status=order.status.value, exchange_order_id=order.order_id,
            filled_qty=order.filled_qty, avg_fill_price=price, fee=fee,
        )  # fmt: skip


def settle(
    ctx: Ctx,
    trade: trades_db.Trade,
    *,
    reason: str | None,
    fallback_price: Decimal,
    trailing: bool = False,
) -> trades_db.Trade:
    """The position is flat: book the trade's totals from the exchange's executions.

    `reason` None means nobody here closed it: the reason is read from the fills (liquidation,
    a stop or take-profit level, else `external`), and such fills are recorded as orders.
    """
    cancel_for(ctx, trade)
    since = (trade.opened_ms or ctx.close_ms) - SINCE_MARGIN_MS
    fills = _fills(ctx, trade, since)
    orders = list_orders(ctx.conn, ctx.account_id)
    mine = {
        o.exchange_order_id: o for o in orders if o.exchange_order_id and o.trade_id == trade.id
    }
    known = {o.exchange_order_id for o in orders if o.exchange_order_id}
    entry_side = order_side_to_open(trade.side)
    entries = [e for e in fills if e.order_id in mine and e.side is entry_side]
    exits = [
        e for e in fills
        if e.side is not entry_side and (e.order_id in mine or e.order_id not in known)
    ]  # fmt: skip
    if reason is None:
        reason = _exit_reason(trade, exits, trailing, mine)
    open_qty = max(trade.qty - partial_filled(ctx, trade), ZERO)
    totals = _totals(trade, entries, exits, fallback_price, ctx.fee_rate, open_qty)
    closed_ms = max([e.time_ms for e in exits], default=ctx.close_ms)
    funding = _funding(ctx, trade, closed_ms)
    with ctx.tx() as conn:
        _record_external(ctx, trade, [e for e in exits if e.order_id not in known], reason)
        trades_db.close_trade(
            conn, trade.id, exit_price=totals[0], realized_pnl=totals[1], fees=totals[2],
            exit_reason=reason, closed_ms=closed_ms,
        )  # fmt: skip
        trades_db.set_funding(conn, trade.id, funding)
        clear_position(conn, ctx.account_id, trade.strategy, trade.symbol, trade.id)
        closed = trades_db.get_trade(conn, ctx.account_id, trade.id)
        ctx.alert(closed_alert(ctx.account_id, closed))
    ctx.report.closed.append(closed.as_dict())
    return closed


def _fills(ctx: Ctx, trade: trades_db.Trade, since: int) -> list[Execution]:
    """The symbol's fills since the trade opened. A transient failure raises (the trade stays
    open and is settled at the next evaluation); a definitive refusal (the exchange keeps no
    fills that old, e.g. a replay of data older than its history) settles on our own figures."""
    try:
        found = ctx.exchange.get_executions(since, trade.symbol)
    except ExchangeRejected as err:
        ctx.finding("settled_estimated", trade.symbol, f"executions unavailable: {err}")
        return []
    return [e for e in found if e.exec_type != "Funding"]


def closed_alert(account_id: int, trade: trades_db.Trade) -> AlertEvent:
    kind = AlertKind.TRADE_STOPPED if trade.exit_reason in STOPPED else AlertKind.TRADE_CLOSED
    return trade_alert(
        kind, account_id=account_id, strategy=trade.strategy, symbol=trade.symbol,
        side=trade.side, qty=trade.qty, price=trade.exit_price or ZERO, pnl=trade.net_pnl,
        reason=trade.exit_reason, is_shadow=trade.is_shadow, time_ms=trade.closed_ms,
        dedupe_key=f"trade:{trade.id}:closed",
    )  # fmt: skip


def _exit_reason(
    trade: trades_db.Trade,
    exits: Sequence[Execution],
    trailing: bool,
    mine: Mapping[str, OrderRow],
) -> ExitReason | str:
    """Why the position went flat, read from its last exit fill (our order's reason is kept
    as written, so a text that names no reason stays that text)."""
    if not exits:
        return ExitReason.EXTERNAL
    last = exits[-1]
    ours = mine.get(last.order_id)
    if ours is not None and ours.reason:
        return parse_exit_reason(ours.reason)
    if last.exec_type == "BustTrade":
        return ExitReason.LIQUIDATION
    gaps = {}
    if trade.stop_loss is not None:
        stop = ExitReason.TRAILING_STOP if trailing else ExitReason.STOP_LOSS
        gaps[stop] = abs(last.price - trade.stop_loss)
    if trade.take_profit is not None:
        gaps[ExitReason.TAKE_PROFIT] = abs(last.price - trade.take_profit)
    if not gaps:
        return ExitReason.EXTERNAL
    nearest = min(gaps, key=lambda k: gaps[k])
    return nearest if gaps[nearest] <= last.price * Decimal("0.01") else ExitReason.EXTERNAL


def _totals(
    trade: trades_db.Trade,
    entries: Sequence[Execution],
    exits: Sequence[Execution],
    fallback_price: Decimal,
    fee_rate: Decimal,
    open_qty: Decimal,
) -> tuple[Decimal, Decimal, Decimal]:
    """(exit price, realized PnL before fees, fees) from the fills, estimated without them.

    The estimate prices only `open_qty`, what was still open at the close: a partial exit's
    PnL and fee are already in the trade's figures (`book_partial`), so pricing the full
    quantity again would count the partial twice.
    """
    entry_qty = sum((e.qty for e in entries), ZERO)
    entry = trade.entry_price or fallback_price
    if entry_qty > ZERO:
        entry = sum((e.price * e.qty for e in entries), ZERO) / entry_qty
    exit_qty = sum((e.qty for e in exits), ZERO)
    sign = 1 if trade.is_long else -1
    if exit_qty <= ZERO:  # the exchange did not list the fills: price it at the fallback
        fees = trade.fees + open_qty * fallback_price * fee_rate
        return (
            fallback_price,
            trade.realized_pnl + sign * (fallback_price - entry) * open_qty,
            fees,
        )
    exit_price = sum((e.price * e.qty for e in exits), ZERO) / exit_qty
    realized = sum((sign * (e.price - entry) * e.qty for e in exits), ZERO)
    fees = sum((e.fee for e in (*entries, *exits)), ZERO)
    if not entries:
        fees += trade.fees
    return _price(exit_price), realized, fees


def _price(value: Decimal) -> Decimal:
    return value.quantize(Decimal("1e-12"))


_EXTERNAL_PURPOSE: dict[str, OrderPurpose] = {
    ExitReason.STOP_LOSS: OrderPurpose.STOP_LOSS,
    ExitReason.TRAILING_STOP: OrderPurpose.STOP_LOSS,
    ExitReason.TAKE_PROFIT: OrderPurpose.TAKE_PROFIT,
}
"""The purpose an exchange-side close is recorded under, by why it closed (else external)."""


def _record_external(
    ctx: Ctx, trade: trades_db.Trade, fills: Sequence[Execution], reason: ExitReason | str
) -> None:
    purpose = _EXTERNAL_PURPOSE.get(reason, OrderPurpose.EXTERNAL)
    by_order: dict[str, list[Execution]] = {}
    for fill in fills:
        by_order.setdefault(fill.order_id, []).append(fill)
    for order_id, parts in by_order.items():
        qty = sum((p.qty for p in parts), ZERO)
        avg = sum((p.price * p.qty for p in parts), ZERO) / qty
        insert_external(
            ctx.conn, ctx.account_id, trade_id=trade.id, strategy=trade.strategy,
            symbol=trade.symbol, exchange_order_id=order_id, purpose=purpose,
            side=parts[0].side.value, qty=qty, avg_fill_price=_price(avg),
            fee=sum((p.fee for p in parts), ZERO), bar_close_ms=ctx.close_ms, reason=reason,
        )  # fmt: skip


def _funding(ctx: Ctx, trade: trades_db.Trade, closed_ms: int) -> Decimal:
    """The trade's funding at its close: the settlements up to the close that the funding poll
    has not booked yet (after the trade's watermark, `funding_book`), then the sum of its rows.
    Nothing due after the watermark means no exchange read (it walks 7-day windows)."""
    try:
        done = book_trade_funding(ctx.conn, ctx.exchange, ctx.account_id, trade, closed_ms)
    except ExchangeRejected as err:
        ctx.finding("funding_unavailable", trade.symbol, f"funding unavailable: {err}")
        return trade.funding
    return trade.funding if done is None else done.total
