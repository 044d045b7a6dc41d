"""The write endpoints: order create/amend/cancel, leverage and position TP/SL.

Validation mirrors Bybit's refusals (retCodes from its error table). A market order fills at once
at the current price moved by the slippage (taker); a limit order that would cross fills at once
as a taker, otherwise it rests and fills as a maker at its own price when a later bar reaches it.
A conditional Market order (with a triggerPrice) waits untriggered; see `conditional`.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from algotrading.domain import fills
from algotrading.local.bybit_sim import books, conditional
from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.envelope import BybitError, dec, params_error
from algotrading.local.bybit_sim.instruments import InstrumentInfo
from algotrading.local.bybit_sim.params import Params
from algotrading.local.bybit_sim.state import ZERO, Account, Order, SimPosition
from algotrading.market.instruments import MIN_NOTIONAL

_LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
_TIF = ("GTC", "IOC", "FOK", "PostOnly")
_UNCHANGED = "The order remains unchanged as the parameters match the existing ones."


def create_order(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    symbol = p.required_text("symbol")
    info = engine.info(symbol)
    side = p.required_text("side", ("Buy", "Sell"))
    order_type = p.required_text("orderType", ("Market", "Limit"))
    _refuse_unsupported(p)
    trigger = conditional.trigger_of(p, info, order_type)
    qty = _qty(p, info)
    price = p.tick_price("price", info.tick) if order_type == "Limit" else ZERO
    tif = p.text("timeInForce", choices=_TIF) or "GTC"
    link_id = _link_id(p, account)
    reduce_only = p.boolean("reduceOnly") or p.boolean("closeOnTrigger")
    take_profit, stop_loss = _attached_tpsl(p, info)
    current = engine.price(symbol)
    if trigger is not None:
        conditional.check_direction(trigger, current, info)
    base = current if trigger is None else trigger.price  # a stop's TP/SL are set from its level
    _check_level("takeProfit", take_profit, base, above=side == "Buy")
    _check_level("stopLoss", stop_loss, base, above=side != "Buy")
    qty = _checked_qty(engine, account, symbol, side, qty, price or base, reduce_only, trigger)
    order_fields: dict[str, Any] = {
        "order_link_id": link_id,
        "order_type": order_type,
        "price": price,
        "time_in_force": "IOC" if order_type == "Market" else tif,
        "reduce_only": reduce_only,
        "close_on_trigger": p.boolean("closeOnTrigger"),
        "take_profit": take_profit,
        "stop_loss": stop_loss,
    }
    if trigger is not None:
        return _ack(conditional.place(engine, account, symbol, side, qty, trigger, order_fields))
    if order_type == "Market":
        return _market(engine, account, symbol, side, qty, current, order_fields)
    return _limit(engine, account, symbol, side, qty, current, order_fields)


def _market(
    engine: Engine,
    account: Account,
    symbol: str,
    side: str,
    qty: Decimal,
    current: Decimal,
    order_fields: dict[str, Any],
) -> dict[str, Any]:
    fill_price = _taker_price(engine, symbol, side == "Buy", current)
    _check_margin(engine, account, symbol, side, qty, fill_price, order_fields["reduce_only"])
    order = engine.new_order(account, symbol, side, qty, **{**order_fields, "price": fill_price})
    engine.fill(account, order, qty, fill_price, is_maker=False)
    return _ack(order)


def _limit(
    engine: Engine,
    account: Account,
    symbol: str,
    side: str,
    qty: Decimal,
    current: Decimal,
    order_fields: dict[str, Any],
) -> dict[str, Any]:
    price, tif, is_buy = order_fields["price"], order_fields["time_in_force"], side == "Buy"
    crosses = fills.limit_is_marketable(is_buy, float(price), float(current))
    if crosses and tif != "PostOnly":
        taker = _taker_price(engine, symbol, is_buy, current)
        fill_price = min(taker, price) if is_buy else max(taker, price)
        _check_margin(engine, account, symbol, side, qty, fill_price, order_fields["reduce_only"])
        order = engine.new_order(account, symbol, side, qty, **order_fields)
        engine.fill(account, order, qty, fill_price, is_maker=False)
        return _ack(order)
    rests = not crosses and tif in ("GTC", "PostOnly")
    if rests:
        _check_margin(engine, account, symbol, side, qty, price, order_fields["reduce_only"], True)
    order = engine.new_order(account, symbol, side, qty, **order_fields)
    if crosses:  # PostOnly that would take liquidity
        engine.cancel(account, order, "UNKNOWN", "EC_PostOnlyWillTakeLiquidity")
    elif not rests:  # IOC or FOK with nothing to trade against
        engine.cancel(account, order, "UNKNOWN", "EC_CancelForNoFullFill")
    else:
        engine.emit_order(account, order)
        engine.emit_wallet(account)
    return _ack(order)


def amend_order(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    symbol = p.required_text("symbol")
    info = engine.info(symbol)
    order = _find(account, p, symbol)
    if order is None or not order.active:
        raise BybitError(110001, "order not exists or too late to replace")
    qty = _qty(p, info) if p.has("qty") else None
    if order.is_conditional:
        return _amend_conditional(engine, account, order, p, info, qty)
    if p.has("triggerPrice"):
        raise params_error("params error: triggerPrice can only be amended on a conditional order")
    price = p.tick_price("price", info.tick) if p.has("price") else None
    if qty is None and price is None:
        raise params_error("params error: qty or price is required to amend")
    if (qty is None or qty == order.qty) and (price is None or price == order.price):
        raise params_error(_UNCHANGED)
    if qty is not None and qty <= order.cum_exec_qty:
        raise BybitError(110064, "The modified qty cannot be less than or equal to the filled qty")
    order.qty = qty if qty is not None else order.qty
    order.price = price if price is not None and order.order_type == "Limit" else order.price
    order.updated_ms = order.armed_ms = engine.now_ms
    current = engine.price(symbol)
    if order.order_type == "Limit" and fills.limit_is_marketable(
        order.is_buy, float(order.price), float(current)
    ):
        if order.time_in_force == "PostOnly":
            engine.cancel(account, order, "UNKNOWN", "EC_PostOnlyWillTakeLiquidity")
        else:
            taker = _taker_price(engine, symbol, order.is_buy, current)
            fill_price = min(taker, order.price) if order.is_buy else max(taker, order.price)
            engine.fill(account, order, order.leaves_qty, fill_price, is_maker=False)
    else:
        engine.emit_order(account, order)
        engine.emit_wallet(account)
    return _ack(order)


def _amend_conditional(
    engine: Engine,
    account: Account,
    order: Order,
    p: Params,
    info: InstrumentInfo,
    qty: Decimal | None,
) -> dict[str, Any]:
    """An untriggered conditional order: its triggerPrice and qty can change, it has no price."""
    if p.has("price") and p.decimal("price"):
        raise params_error("params error: a conditional Market order has no price to amend")
    trigger_price = p.tick_price("triggerPrice", info.tick) if p.has("triggerPrice") else None
    if qty is None and trigger_price is None:
        raise params_error("params error: qty or triggerPrice is required to amend")
    if (qty is None or qty == order.qty) and trigger_price in (None, order.trigger_price):
        raise params_error(_UNCHANGED)
    conditional.amend(engine, account, order, qty, trigger_price)
    return _ack(order)


def cancel_order(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    symbol = p.required_text("symbol")
    engine.info(symbol)
    order = _find(account, p, symbol)
    if order is None or not order.active:
        raise BybitError(110001, "Order does not exist.")
    engine.cancel(account, order, "CancelByUser")
    return _ack(order)


def set_leverage(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    symbol = p.required_text("symbol")
    info = engine.info(symbol)
    buy, sell = p.decimal("buyLeverage", required=True), p.decimal("sellLeverage", required=True)
    assert buy is not None and sell is not None
    if buy != sell:
        raise params_error("params error: buyLeverage must equal sellLeverage in one-way mode")
    if not 1 <= buy <= info.max_leverage or buy != buy.quantize(Decimal("0.01")):
        raise params_error(f"params error: leverage must lie in [1, {info.max_leverage}]")
    position = engine.position(account, symbol)
    if position.leverage == buy:
        raise BybitError(110043, "Set leverage has not been modified.")
    if position.open:
        _check_new_leverage(engine, account, position, buy)
    books.set_leverage(position, buy)
    account.leverage[symbol] = buy
    position.updated_ms = engine.now_ms
    engine.emit_position(account, symbol)
    engine.emit_wallet(account)
    return {}


def trading_stop(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    """Position TP/SL (tpslMode Full, market exit). "0" removes a level."""
    p.category()
    symbol = p.required_text("symbol")
    info = engine.info(symbol)
    if (p.text("tpslMode") or "Full") != "Full":
        raise params_error("params error: only tpslMode Full is supported by the simulator")
    if p.integer("positionIdx", 0, 0, 2) != 0:
        raise params_error("params error: position idx not match position mode")
    if p.has("trailingStop") and p.decimal("trailingStop") != 0:
        raise params_error("params error: trailingStop is not supported by the simulator")
    position = engine.position(account, symbol)
    if not position.open:
        raise params_error("can not set tp/sl/ts for zero position")
    take_profit = _tpsl_level(p, "takeProfit", info, position.take_profit)
    stop_loss = _tpsl_level(p, "stopLoss", info, position.stop_loss)
    if (take_profit, stop_loss) == (position.take_profit, position.stop_loss):
        raise BybitError(34040, "not modified")
    current = engine.price(symbol)
    _check_level("takeProfit", take_profit, current, above=position.is_long)
    _check_level("stopLoss", stop_loss, current, above=not position.is_long)
    position.take_profit, position.stop_loss = take_profit, stop_loss
    position.updated_ms = engine.now_ms
    position.watch_from_ms = max(position.watch_from_ms, engine.now_ms)
    engine.emit_position(account, symbol)
    return {}


# --- helpers ---------------------------------------------------------------------------------


def _ack(order: Order) -> dict[str, Any]:
    return {"orderId": order.order_id, "orderLinkId": order.order_link_id}


def _find(account: Account, p: Params, symbol: str) -> Order | None:
    order_id, link_id = p.text("orderId"), p.text("orderLinkId")
    if not order_id and not link_id:
        raise params_error("params error: orderId or orderLinkId is required")
    order = account.order_by(order_id, link_id)
    return order if order is not None and order.symbol == symbol else None


def _refuse_unsupported(p: Params) -> None:
    if p.integer("positionIdx", 0, 0, 2) != 0:
        raise params_error("params error: position idx not match position mode")
    if p.has("isLeverage") and p.integer("isLeverage", 0, 0, 1):
        raise params_error("params error: isLeverage applies to spot only")


def _qty(p: Params, info: InstrumentInfo) -> Decimal:
    qty = p.decimal("qty", required=True)
    assert qty is not None
    if qty < info.min_qty:
        raise params_error("The number of contracts exceeds minimum limit allowed")
    if not info.on_step(qty):
        raise params_error(f"params error: qty must be a multiple of qtyStep {info.qty_step}")
    if qty > info.max_qty:
        raise params_error("The number of contracts exceeds maximum limit allowed")
    return qty


def _link_id(p: Params, account: Account) -> str:
    link_id = p.text("orderLinkId") or ""
    if link_id and not _LINK_ID.match(link_id):
        raise params_error("params error: orderLinkId must be 1-36 letters, digits, '-' or '_'")
    if link_id in account.link_ids:
        raise BybitError(110072, "OrderLinkedID is duplicate")
    return link_id


def _attached_tpsl(p: Params, info: InstrumentInfo) -> tuple[Decimal, Decimal]:
    levels = []
    for name in ("takeProfit", "stopLoss"):
        value = p.decimal(name) or ZERO
        if value and not info.on_tick(value):
            raise params_error(f"params error: {name} must be a multiple of tickSize {info.tick}")
        levels.append(value)
    return levels[0], levels[1]


def _tpsl_level(p: Params, name: str, info: InstrumentInfo, keep: Decimal) -> Decimal:
    if not p.has(name):
        return keep
    value = p.decimal(name) or ZERO
    if value and not info.on_tick(value):
        raise params_error(f"params error: {name} must be a multiple of tickSize {info.tick}")
    return value


def _check_level(name: str, level: Decimal, current: Decimal, above: bool) -> None:
    if level and (level <= current if above else level >= current):
        where = "higher" if above else "lower"
        raise params_error(f"{name}:{level} set should be {where} than base_price:{current}")


def _checked_qty(
    engine: Engine,
    account: Account,
    symbol: str,
    side: str,
    qty: Decimal,
    price: Decimal,
    reduce_only: bool,
    trigger: conditional.Trigger | None,
) -> Decimal:
    """A reduce-only order needs an opposite position (110017) and is cut to its size; a
    conditional one is cut only when it fires, as the position may change until then. Any other
    order must be worth 5 USDT at `price` (its limit, its trigger, or the current price)."""
    if reduce_only:
        position = engine.position(account, symbol)
        if not position.open or position.is_long == (side == "Buy"):
            raise BybitError(110017, "current position is zero, cannot fix reduce-only order qty")
        return qty if trigger is not None else min(qty, position.size)
    if qty * price < MIN_NOTIONAL:
        raise BybitError(110094, f"Order does not meet minimum order value {MIN_NOTIONAL}USDT")
    return qty


def _taker_price(engine: Engine, symbol: str, is_buy: bool, current: Decimal) -> Decimal:
    tick = float(engine.infos[symbol].tick)
    return dec(fills.market_fill_price(float(current), is_buy, engine.slippage_bps, tick))


def _check_margin(
    engine: Engine,
    account: Account,
    symbol: str,
    side: str,
    qty: Decimal,
    price: Decimal,
    reduce_only: bool,
    is_maker: bool = False,
) -> None:
    if reduce_only:
        return
    position = engine.position(account, symbol)
    need = books.required(position, side == "Buy", qty, price, books.fee_rate(is_maker))
    if need > books.available(account):
        raise BybitError(110007, "ab not enough for new order")


def _check_new_leverage(
    engine: Engine, account: Account, position: SimPosition, leverage: Decimal
) -> None:
    """Raising leverage frees margin; lowering it needs more, and neither may liquidate."""
    extra_margin = position.entry * position.size / leverage - position.margin
    if extra_margin > books.available(account):
        raise BybitError(110044, "Available margin is insufficient.")
    liq = fills.liquidation_price(
        float(position.entry), position.is_long, float(leverage), engine.mmr
    )
    current = float(engine.price(position.symbol))
    if current <= liq if position.is_long else current >= liq:
        raise BybitError(110011, "Liquidation will be triggered immediately by this adjustment")
