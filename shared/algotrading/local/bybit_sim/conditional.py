"""Conditional market orders (Bybit's stop orders): their trigger, placement and amendment.

A conditional order waits `Untriggered` with a trigger price and a direction (1: fires when the
last price rises to the trigger, 2: when it falls to it) and holds no margin until then. The
engine fires it on the first bar, starting at or after the order was placed or amended, that
reaches the level, and fills it as a taker at the level or, after a gap, at the bar's open
(`Engine._check_trigger`, `fills.trigger_fill_price`). Only Market orders triggered by the last
price are simulated; anything else is refused (10001) rather than silently simulated as
something Bybit would treat differently.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.envelope import BybitError, params_error
from algotrading.local.bybit_sim.instruments import InstrumentInfo
from algotrading.local.bybit_sim.params import Params
from algotrading.local.bybit_sim.state import ZERO, Account, Order

RISING, FALLING = 1, 2
DIRECTION_REFUSAL = 10001
"""retCode for a trigger the price is already past, with Bybit's message. Bybit's error table
lists these messages under 110092 (rising) and 110093 (falling); the simulator was specified to
answer 10001 (a client treating both as a permanent refusal sees no difference)."""


@dataclass(frozen=True, slots=True)
class Trigger:
    """Where and which way a conditional order fires."""

    price: Decimal
    direction: int


def trigger_of(p: Params, info: InstrumentInfo, order_type: str) -> Trigger | None:
    """The trigger of a create request, None without a triggerPrice (an ordinary order)."""
    if not p.has("triggerPrice"):
        return None
    if order_type != "Market":
        raise params_error("params error: the simulator supports conditional Market orders only")
    trigger_by = p.text("triggerBy") or "LastPrice"
    if trigger_by != "LastPrice":
        raise params_error(
            f"params error: triggerBy {trigger_by} is not supported by the simulator "
            "(LastPrice only: mark and index price are the last price here)"
        )
    raw = p.raw.get("triggerDirection")
    if isinstance(raw, bool) or raw not in (RISING, FALLING, str(RISING), str(FALLING)):
        raise params_error(
            "params error: triggerDirection must be 1 (rising) or 2 (falling) with a triggerPrice"
        )
    return Trigger(p.tick_price("triggerPrice", info.tick), int(raw))


def check_direction(trigger: Trigger, current: Decimal, info: InstrumentInfo) -> None:
    """Refuse a trigger the price has already passed, as Bybit does: such an order would fire
    at once, which is not what a client placing a stop means."""
    level, now = info.price_text(trigger.price), info.price_text(current)
    if trigger.direction == RISING and trigger.price <= current:
        raise BybitError(
            DIRECTION_REFUSAL, f"expect Rising, but trigger_price[{level}] <= current[{now}]"
        )
    if trigger.direction == FALLING and trigger.price >= current:
        raise BybitError(
            DIRECTION_REFUSAL, f"expect Falling, but trigger_price[{level}] >= current[{now}]"
        )


def place(
    engine: Engine,
    account: Account,
    symbol: str,
    side: str,
    qty: Decimal,
    trigger: Trigger,
    order_fields: dict[str, Any],
) -> Order:
    """Book the waiting order. Bybit shows a conditional market order with price 0 and IOC;
    it holds no margin (its margin is checked when it fires), so the wallet does not move."""
    fields = {**order_fields, "price": ZERO, "time_in_force": "IOC"}
    order = engine.new_order(
        account,
        symbol,
        side,
        qty,
        **fields,
        status="Untriggered",
        stop_order_type="Stop",
        trigger_price=trigger.price,
        trigger_direction=trigger.direction,
    )
    engine.emit_order(account, order)
    return order


def amend(
    engine: Engine,
    account: Account,
    order: Order,
    qty: Decimal | None,
    trigger_price: Decimal | None,
) -> None:
    """Move the level and/or change the quantity of an untriggered order (the caller has
    refused an unchanged request). A new level is checked against the price as on create; the
    order re-arms, so the bar running now cannot fire it (it may have passed the new level
    before the amendment)."""
    info = engine.info(order.symbol)
    if trigger_price is not None:
        moved = Trigger(trigger_price, order.trigger_direction)
        check_direction(moved, engine.price(order.symbol), info)
        order.trigger_price = trigger_price
    if qty is not None:
        order.qty = qty
    order.updated_ms = order.armed_ms = engine.now_ms
    engine.emit_order(account, order)
