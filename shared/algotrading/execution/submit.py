"""Sending a logged intent to the exchange and learning what became of it.

The caller has committed the intent row (db.orders.insert_intent) before calling `send`, so a
crash anywhere below leaves a row naming the order. `send` places the market order once under
the row's deterministic link id and then looks at it (market orders fill at once on Bybit and in
the simulator; a few short pauses cover an exchange that is a moment behind). The three
outcomes:

* `order` set: the exchange knows the order (filled, or still open: reconciliation follows it);
* `rejected` set: the exchange definitively refused it, nothing happened;
* `unknown` set: the outcome could not be established (timeout, outage, rate limit). The intent
  row stays `created`; the next evaluation asks for it by link id, and a retry of this
  evaluation sends it again under the same id, which cannot place a second order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from decimal import Decimal

from algotrading.db.orders import OrderRow
from algotrading.exchange.errors import ExchangeError, ExchangeRejected
from algotrading.exchange.types import Order, OrderRequest, OrderSide, OrderStatus, TriggerDirection
from algotrading.execution.context import Ctx
from algotrading.logs import get_logger

log = get_logger(__name__)

FINAL = (OrderStatus.FILLED, OrderStatus.CANCELLED, OrderStatus.REJECTED)


@dataclass(frozen=True, slots=True)
class Sent:
    order: Order | None = None
    rejected: str | None = None
    unknown: str | None = None


def send(
    ctx: Ctx,
    row: OrderRow,
    expected_price: Decimal | None,
    trigger: TriggerDirection | None = None,
) -> Sent:
    """Place the intent's order once and follow it until it is final or we stop waiting.

    With `trigger` the order is conditional (its trigger is the row's `price`): it rests, so it
    is not followed; the reconciliation asks for it at every evaluation."""
    request = OrderRequest(
        symbol=row.symbol,
        side=OrderSide(row.side),
        qty=row.qty,
        order_link_id=row.order_link_id,
        price=expected_price if trigger is None else None,
        reduce_only=row.reduce_only,
        trigger_price=row.price if trigger is not None else None,
        trigger_direction=trigger,
    )
    try:
        order = ctx.exchange.place_order(request)
    except ExchangeRejected as err:
        log.warning("order %s refused: %s", row.order_link_id, err)
        return Sent(rejected=f"exchange_rejected: {err}")
    except ExchangeError as err:
        log.warning("order %s outcome unknown: %s", row.order_link_id, err)
        return Sent(unknown=f"{type(err).__name__}: {err}")
    return Sent(order=order if trigger is not None else follow(ctx, order))


def follow(ctx: Ctx, order: Order) -> Order:
    """The order as the exchange reports it after short pauses, until it is final."""
    sleep = ctx.sleep or time.sleep
    latest = order
    for delay in ctx.fill_delays_s:
        if latest.status in FINAL:
            return latest
        if delay > 0:
            sleep(delay)
        try:
            found = ctx.exchange.get_order(order.symbol, order_link_id=order.order_link_id)
        except ExchangeError as err:
            log.warning("order %s: lookup failed: %s", order.order_link_id, err)
            continue
        if found is not None:
            latest = found
    return latest
