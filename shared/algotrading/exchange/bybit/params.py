"""Unified requests -> Bybit V5 request parameters (the outbound half of the mapper).

Everything that leaves for the exchange is rounded to the instrument's tick and step here and
checked against its minimums, so an order Bybit would refuse is refused before it is sent.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from algotrading.exchange.bybit.mapper import CATEGORY, fmt
from algotrading.exchange.errors import InvalidRequest, LeverageOutOfRange, OrderBelowMinimum
from algotrading.exchange.types import (
    OrderRequest,
    OrderSide,
    OrderType,
    SymbolInfo,
    TimeInForce,
    TriggerDirection,
)

_SIDE = {OrderSide.BUY: "Buy", OrderSide.SELL: "Sell"}
_DIRECTION = {TriggerDirection.RISE: 1, TriggerDirection.FALL: 2}
_TIF = {
    TimeInForce.GTC: "GTC",
    TimeInForce.IOC: "IOC",
    TimeInForce.FOK: "FOK",
    TimeInForce.POST_ONLY: "PostOnly",
}
PRICE_FIELDS = (
    "price",
    "triggerPrice",
    "triggerDirection",
    "triggerBy",
    "takeProfit",
    "stopLoss",
    "tpLimitPrice",
    "slLimitPrice",
    "tpTriggerBy",
    "slTriggerBy",
    "tpOrderType",
    "slOrderType",
    "tpslMode",
    "timeInForce",
)
"""Quirk 9: none of these may accompany a market order."""
ONE_WAY = 0
"""positionIdx of one-way mode, the only mode the platform trades in."""


def checked_qty(request: OrderRequest, info: SymbolInfo) -> Decimal:
    """The quantity floored to the step, refused below the minimum or above the maximum."""
    qty = info.floor_qty(request.qty)
    if qty < info.min_qty or qty <= 0:
        raise OrderBelowMinimum(
            f"{info.symbol}: quantity {request.qty} is below the minimum {info.min_qty} "
            f"(step {info.qty_step})"
        )
    limit = info.max_market_qty if request.order_type is OrderType.MARKET else info.max_qty
    if limit > 0 and qty > limit:
        raise InvalidRequest(f"{info.symbol}: quantity {qty} is above the maximum {limit}")
    return qty


def check_notional(qty: Decimal, price: Decimal, info: SymbolInfo, *, reduce_only: bool) -> None:
    """Bybit refuses opening orders worth less than minNotionalValue; closing ones it allows."""
    if reduce_only or info.min_notional <= 0:
        return
    if qty * price < info.min_notional:
        raise OrderBelowMinimum(
            f"{info.symbol}: order value {fmt(qty * price)} USDT is below the minimum "
            f"{info.min_notional} USDT"
        )


def order_params(request: OrderRequest, info: SymbolInfo, qty: Decimal) -> dict[str, Any]:
    """The body of /v5/order/create. TP/SL are never attached here (quirk 10)."""
    params: dict[str, Any] = {
        "category": CATEGORY,
        "symbol": info.symbol,
        "side": _SIDE[request.side],
        "orderType": "Market" if request.order_type is OrderType.MARKET else "Limit",
        "qty": fmt(qty),
        "orderLinkId": request.order_link_id,
        "positionIdx": ONE_WAY,
        "reduceOnly": request.reduce_only,
    }
    if request.order_type is OrderType.LIMIT and request.price is not None:
        params["price"] = fmt(info.round_price(request.price, request.side))
        params["timeInForce"] = _TIF[request.time_in_force or TimeInForce.GTC]
    if request.order_type is OrderType.MARKET:
        params = strip_price_fields(params)
    if request.trigger_price is not None and request.trigger_direction is not None:
        params |= trigger_params(info, request.trigger_price, request.trigger_direction)
    return params


def trigger_params(
    info: SymbolInfo, trigger_price: Decimal, direction: TriggerDirection
) -> dict[str, Any]:
    """A conditional order's trigger: quirk 9 forbids a market order's *price*, not its trigger
    (Bybit needs triggerPrice and triggerDirection to rest a conditional market order)."""
    return {
        "triggerPrice": fmt(info.round_price(trigger_price)),
        "triggerDirection": _DIRECTION[direction],
        "triggerBy": "LastPrice",
    }


def strip_price_fields(params: dict[str, Any]) -> dict[str, Any]:
    """Quirk 9: a market order carries no price-related field at all."""
    return {k: v for k, v in params.items() if k not in PRICE_FIELDS}


def amend_params(
    info: SymbolInfo,
    ref: dict[str, str],
    qty: Decimal | None,
    price: Decimal | None,
    trigger_price: Decimal | None = None,
) -> dict[str, Any]:
    """Body of /v5/order/amend; only the fields that change are sent."""
    if qty is None and price is None and trigger_price is None:
        raise InvalidRequest("modify_order needs a new qty, price or trigger price")
    params: dict[str, Any] = {"category": CATEGORY, "symbol": info.symbol, **ref}
    if qty is not None:
        floored = info.floor_qty(qty)
        if floored < info.min_qty or floored <= 0:
            raise OrderBelowMinimum(
                f"{info.symbol}: quantity {qty} is below the minimum {info.min_qty}"
            )
        params["qty"] = fmt(floored)
    if price is not None:
        if price <= 0:
            raise InvalidRequest(f"{info.symbol}: price must be positive, got {price}")
        params["price"] = fmt(info.round_price(price))
    if trigger_price is not None:
        if trigger_price <= 0:
            raise InvalidRequest(
                f"{info.symbol}: trigger price must be positive, got {trigger_price}"
            )
        params["triggerPrice"] = fmt(info.round_price(trigger_price))
    return params


def trading_stop_params(
    info: SymbolInfo, stop_loss: Decimal | None, take_profit: Decimal | None
) -> dict[str, Any]:
    """Quirk 10: position TP/SL through /v5/position/trading-stop, whole position, market exit."""
    if stop_loss is None and take_profit is None:
        raise InvalidRequest("set_stop_loss_take_profit needs a stop loss or a take profit")
    params: dict[str, Any] = {
        "category": CATEGORY,
        "symbol": info.symbol,
        "tpslMode": "Full",
        "positionIdx": ONE_WAY,
    }
    for name, value in (("stopLoss", stop_loss), ("takeProfit", take_profit)):
        if value is None:
            continue
        if value < 0:
            raise InvalidRequest(f"{info.symbol}: {name} must not be negative, got {value}")
        params[name] = "0" if value == 0 else fmt(info.round_price(value))
    return params


def leverage_params(info: SymbolInfo, leverage: Decimal) -> dict[str, Any]:
    """Both sides get the same leverage (one-way mode); refused outside the instrument's range."""
    value = info.round_leverage(leverage)
    if leverage > info.max_leverage or value < info.min_leverage:
        raise LeverageOutOfRange(
            f"{info.symbol}: leverage {leverage} is outside "
            f"{info.min_leverage}..{info.max_leverage}"
        )
    text = fmt(value.normalize())
    return {"category": CATEGORY, "symbol": info.symbol, "buyLeverage": text, "sellLeverage": text}


def order_ref(order_id: str | None, order_link_id: str | None) -> dict[str, str]:
    """Exactly one way to name an order; Bybit would prefer orderId if both were sent."""
    if bool(order_id) == bool(order_link_id):
        raise InvalidRequest("name the order by order_id or by order_link_id (exactly one)")
    return {"orderId": order_id} if order_id else {"orderLinkId": str(order_link_id)}
