"""A partial take-profit resting at the exchange (the scalper's 50 % at the middle band).

The policy stepper, and with it the backtest, takes a partial exit inside the bar that touches
the target, at the target. Bybit's position take-profit always closes the whole position
(quirk 10), and a market order at the next evaluation would fill a bar later at another price.
So the partial rests as its own reduce-only conditional market order: trigger = the target
rounded toward the entry (as every take-profit is), direction = towards profit, quantity = the
partial share of the position. It fills where the backtest books it, with the taker fee.

One such order per trade at a time. Its row has purpose `take_profit`, the trigger in `price`,
and a link id from intent `partial_tp` and the close it was placed at (a redone evaluation finds
it). Lifecycle:

* placed after the entry is protected and kept at the target after every step while the partial
  is still to come: moved (amended) when the target moved (it follows the middle band),
  cancelled when no partial is wanted any more (the target crossed to the losing side);
* a trigger the price has already passed cannot rest (the exchange refuses it): `keep` says so
  and the caller takes the partial at market at once, as the backtest fills it at the next open;
* filled: the reconciliation books it as a partial exit (`book_partial`) at the next evaluation;
* the trade closes: the order is cancelled (`booking.settle`), so it can never reduce a later
  position on the same symbol.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from algotrading.db import trades as trades_db
from algotrading.db.orders import OrderRow, insert_intent, set_price, trade_orders, update_order
from algotrading.domain.positions import ExitReason, PositionState
from algotrading.domain.trades import OrderPurpose
from algotrading.exchange.errors import ExchangeError, ExchangeRejected
from algotrading.exchange.types import Order, TriggerDirection, order_side_to_close
from algotrading.execution.context import Ctx
from algotrading.execution.order_ids import link_prefix, order_link_id
from algotrading.execution.submit import send
from algotrading.risk.sizing import ZERO, dec, exit_quantity, round_take_profit
from algotrading.strategies.base import Strategy
from algotrading.strategies.policy import profit_level

INTENT = "partial_tp"
PARTIAL_PURPOSES = (OrderPurpose.TAKE_PROFIT, OrderPurpose.PARTIAL_EXIT)
"""Rows that take the partial: the resting order, or a market order when it could not rest."""


def partial_level(
    strategy: Strategy[Any], state: PositionState, ctx: Ctx, symbol: str
) -> Decimal | None:
    """The trigger the exchange should hold for the state's partial, None when none is due."""
    if not state.is_open:
        return None
    level, role = profit_level(state, strategy.policy)
    if role != "partial" or level is None:
        return None
    return round_take_profit(dec(level), state.is_long, ctx.info(symbol))


def partial_share(strategy: Strategy[Any], state: PositionState) -> float:
    """The partial's fraction of the initial quantity (never more than is still open)."""
    return min(strategy.policy.partial_fraction or 0.0, state.qty_fraction)


def partial_qty(
    ctx: Ctx, strategy: Strategy[Any], state: PositionState, symbol: str, open_qty: Decimal
) -> Decimal:
    """The partial's quantity out of `open_qty`, floored to the lot (everything when the rest
    would be dust)."""
    share = dec(partial_share(strategy, state)) / dec(state.qty_fraction)
    return exit_quantity(open_qty, share, ctx.info(symbol))


def resting_row(ctx: Ctx, trade: trades_db.Trade) -> OrderRow | None:
    """The trade's latest resting partial order row, if it ever had one."""
    prefix = link_prefix(trade.strategy, INTENT)
    rows = [r for r in trade_orders(ctx.conn, trade.id) if r.order_link_id.startswith(prefix)]
    return rows[-1] if rows else None


def partial_filled(ctx: Ctx, trade: trades_db.Trade) -> Decimal:
    """What the trade's partial-exit orders (resting or at market) filled so far."""
    rows = trade_orders(ctx.conn, trade.id)
    return sum(
        (r.filled_qty for r in rows if r.purpose in PARTIAL_PURPOSES and r.reduce_only),
        ZERO,
    )


def keep(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    state: PositionState,
    open_qty: Decimal,
    price: Decimal,
) -> bool:
    """Make the exchange hold the state's partial at its level; False when the level is already
    passed at `price` (the current price) and the partial must go at market now."""
    if strategy.policy.partial_fraction is None:
        return True  # nothing ever rests for this strategy: no lookup
    row = resting_row(ctx, trade)
    level = partial_level(strategy, state, ctx, trade.symbol)
    if level is None:
        if row is not None and row.is_open:
            cancel(ctx, row)
        return True
    if _passed(level, price, state.is_long):
        if row is not None and row.is_open:
            cancel(ctx, row)
        return False
    if row is not None and row.is_open:
        if row.price != level:
            _move(ctx, row, level)
        return True
    if row is not None and row.status == "filled":
        return True
    _place(ctx, trade, strategy, state, open_qty, level)
    return True


def cancel(ctx: Ctx, row: OrderRow) -> Order | None:
    """Cancel a resting order; returns it as the exchange knows it afterwards when it filled
    meanwhile (the caller books that fill), else None. An unknown outcome is transient."""
    try:
        ctx.exchange.cancel_order(row.symbol, order_link_id=row.order_link_id)
    except ExchangeRejected:
        pass  # gone already (filled, cancelled by the exchange): the lookup below tells
    except ExchangeError as err:
        ctx.transient(f"{row.symbol}: cancelling resting order {row.order_link_id}: {err}")
        return None
    try:
        order = ctx.exchange.get_order(row.symbol, order_link_id=row.order_link_id)
    except ExchangeError as err:
        ctx.transient(f"{row.symbol}: resting order {row.order_link_id}: lookup failed: {err}")
        return None
    if order is not None and order.filled_qty > ZERO:
        return order
    with ctx.tx() as conn:
        update_order(conn, row.id, status="cancelled", reason="cancelled: not wanted")
    return None


def cancel_for(ctx: Ctx, trade: trades_db.Trade) -> None:
    """The trade is closing: its resting partial must not outlive it (a fill found now is one
    of the trade's exits, which `settle` reads from the executions)."""
    row = resting_row(ctx, trade)
    if row is None or not row.is_open:
        return
    order = cancel(ctx, row)
    if order is not None and order.avg_fill_price is not None:
        with ctx.tx() as conn:
            update_order(
                conn, row.id, status=order.status.value, exchange_order_id=order.order_id,
                filled_qty=order.filled_qty, avg_fill_price=order.avg_fill_price,
            )  # fmt: skip


def _passed(level: Decimal, price: Decimal, is_long: bool) -> bool:
    return price >= level if is_long else price <= level


def _place(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    state: PositionState,
    open_qty: Decimal,
    level: Decimal,
) -> None:
    qty = partial_qty(ctx, strategy, state, trade.symbol, open_qty)
    link = order_link_id(ctx.account_id, trade.strategy, trade.symbol, INTENT, ctx.close_ms)
    side = order_side_to_close(trade.side)
    with ctx.tx() as conn:
        row = insert_intent(
            conn, ctx.account_id, link_id=link, trade_id=trade.id, strategy=trade.strategy,
            symbol=trade.symbol, purpose=OrderPurpose.TAKE_PROFIT, side=side.value, qty=qty,
            bar_close_ms=ctx.close_ms, reduce_only=True, price=level,
            reason=ExitReason.PARTIAL_TAKE_PROFIT,
        )  # fmt: skip
    direction = TriggerDirection.RISE if trade.is_long else TriggerDirection.FALL
    sent = send(ctx, row, None, direction)
    if sent.rejected is not None:
        with ctx.tx() as conn:
            update_order(conn, row.id, status="rejected", reason=sent.rejected)
        ctx.report.errors.append(
            f"{trade.strategy} {trade.symbol} partial take-profit refused: {sent.rejected}"
        )
    elif sent.order is None:
        ctx.transient(f"{trade.strategy} {trade.symbol} partial take-profit: {sent.unknown}")
    else:
        with ctx.tx() as conn:
            update_order(
                conn, row.id, status=sent.order.status.value,
                exchange_order_id=sent.order.order_id or None,
            )  # fmt: skip


def _move(ctx: Ctx, row: OrderRow, level: Decimal) -> None:
    try:
        ctx.exchange.modify_order(row.symbol, order_link_id=row.order_link_id, trigger_price=level)
    except ExchangeRejected as err:  # filled or gone meanwhile: the reconciliation will tell
        ctx.finding("resting_not_moved", row.symbol, f"{row.order_link_id} not moved: {err}")
        return
    except ExchangeError as err:
        ctx.transient(f"{row.symbol}: moving resting order {row.order_link_id}: {err}")
        return
    with ctx.tx() as conn:
        set_price(conn, row.id, level)
