"""The read endpoints: market data at sim time, and an account's books.

Lists are newest first with Bybit's limits, defaults and time windows; cursors are opaque offsets.
A time window that is not given defaults as Bybit's does (7 days for orders and executions,
24 hours for the transaction log), measured back from the sim time.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from algotrading.domain import fills
from algotrading.domain.intervals import DAY_MS, HOUR_MS, MINUTE_MS
from algotrading.local.bybit_sim import views
from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.envelope import dec, float_text, params_error, text
from algotrading.local.bybit_sim.instruments import instrument_row
from algotrading.local.bybit_sim.market import KLINE_INTERVALS
from algotrading.local.bybit_sim.params import Params, page
from algotrading.local.bybit_sim.state import Account, Order

WEEK_MS = 7 * DAY_MS
ORDER_FILTERS = ("Order", "StopOrder", "tpslOrder", "OcoOrder", "BidirectionalTpslOrder")
OPEN_INTEREST_INTERVALS = {
    "5min": 5 * MINUTE_MS,
    "15min": 15 * MINUTE_MS,
    "30min": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "4h": 4 * HOUR_MS,
    "1d": DAY_MS,
}


# --- market ----------------------------------------------------------------------------------


def kline(engine: Engine, p: Params) -> dict[str, Any]:
    p.category(required=False)
    symbol = p.required_text("symbol")
    tape = engine.tape(symbol)
    code = p.required_text("interval")
    interval = KLINE_INTERVALS.get(code)
    if interval is None:
        raise params_error(f"params error: interval {code} is not supported")
    limit = p.integer("limit", 200, 1, 1000)
    start, end = p.optional_integer("start"), p.optional_integer("end")
    if start is not None and end is not None and end < start:
        raise params_error("params error: end must not be before start")
    rows = tape.klines(interval, engine.now_ms, start, end, limit)
    if rows is None:
        finest = tape.finest.value
        raise params_error(f"interval {code} cannot be built from {symbol}'s {finest} data")
    return {"symbol": symbol, "category": "linear", "list": [views.kline_list_row(r) for r in rows]}


def tickers(engine: Engine, p: Params) -> dict[str, Any]:
    p.category()
    wanted = p.text("symbol")
    symbols = [engine.tape(wanted).symbol] if wanted else engine.market.symbols
    rows = []
    for symbol in symbols:
        row = views.ticker_row(
            engine.market.tapes[symbol], engine.infos[symbol], engine.now_ms, engine.slippage_bps
        )
        if row is not None:
            rows.append(row)
    return {"category": "linear", "list": rows}


def instruments(engine: Engine, p: Params) -> dict[str, Any]:
    p.category()
    wanted = p.text("symbol")
    status = p.text("status")
    symbols = [engine.tape(wanted).symbol] if wanted else engine.market.symbols
    rows = [
        instrument_row(engine.infos[s], engine.tape(s).funding_interval_min_at(engine.now_ms))
        for s in symbols
        if status in (None, "Trading")
    ]
    chunk, cursor = page(rows, p, 500, 1000)
    return {"category": "linear", "list": chunk, "nextPageCursor": cursor}


def funding_history(engine: Engine, p: Params) -> dict[str, Any]:
    p.category()
    symbol = p.required_text("symbol")
    tape = engine.tape(symbol)
    start, end = p.optional_integer("startTime"), p.optional_integer("endTime")
    if start is not None and end is None:
        raise params_error("params error: endTime is required when startTime is given")
    limit = p.integer("limit", 200, 1, 200)
    upto = engine.now_ms if end is None else min(end, engine.now_ms)
    settled = tape.funding_between(-1 if start is None else start - 1, upto)
    rows = [
        {"symbol": symbol, "fundingRate": float_text(rate), "fundingRateTimestamp": str(when)}
        for when, rate in reversed(settled[-limit:])
    ]
    return {"category": "linear", "list": rows}


def open_interest(engine: Engine, p: Params) -> dict[str, Any]:
    """Points on the `intervalTime` grid, each the latest recorded value at or before it."""
    p.category()
    symbol = p.required_text("symbol")
    tape = engine.tape(symbol)
    step = OPEN_INTEREST_INTERVALS[p.required_text("intervalTime", OPEN_INTEREST_INTERVALS)]
    limit = p.integer("limit", 50, 1, 200)
    offset = p.cursor()
    end = min(p.optional_integer("endTime") or engine.now_ms, engine.now_ms)
    start = p.optional_integer("startTime")
    rows: list[dict[str, str]] = []
    if tape.open_interest is not None:
        first = int(tape.open_interest[0][0])
        grid = end - end % step - offset * step
        while len(rows) <= limit and grid >= max(first, start or first):
            value = tape.open_interest_at(grid)
            rows.append({"openInterest": float_text(value or 0.0), "timestamp": str(grid)})
            grid -= step
    more = len(rows) > limit
    return {
        "symbol": symbol,
        "category": "linear",
        "list": rows[:limit],
        "nextPageCursor": str(offset + limit) if more else "",
    }


# --- account ---------------------------------------------------------------------------------


def wallet_balance(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    _unified(p, required=True)
    coins = [c.strip() for c in (p.text("coin") or "").split(",") if c.strip()]
    row = views.wallet_row(account, engine.marks(), engine.mmr)
    if coins and "USDT" not in coins:
        row["coin"] = []
    return {"list": [row]}


def transaction_log(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    _unified(p, required=False)
    p.category(required=False)
    start, end = p.window(engine.now_ms, DAY_MS, WEEK_MS)
    currency, kind, base = p.text("currency"), p.text("type"), p.text("baseCoin")
    rows = [
        e
        for e in reversed(account.ledger)
        if start <= e.time_ms <= end
        and currency in (None, "USDT")
        and kind in (None, e.type)
        and (base is None or engine.infos[e.symbol].base_coin == base)
    ]
    chunk, cursor = page(rows, p, 20, 50)
    listed = [views.ledger_row(e, engine.infos[e.symbol]) for e in chunk]
    return {"list": listed, "nextPageCursor": cursor}


def position_list(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    symbol, settle = p.text("symbol"), p.text("settleCoin")
    if symbol is None and settle is None:
        raise params_error("Missing some parameters that must be filled in, symbol or settleCoin")
    if symbol is not None:
        positions = [engine.position(account, engine.tape(symbol).symbol)]
    else:
        chosen = [pos for pos in account.positions.values() if pos.open and settle == "USDT"]
        positions = sorted(chosen, key=lambda pos: pos.symbol)
    chunk, cursor = page(positions, p, 20, 200)
    rows = [
        views.position_row(pos, engine.infos[pos.symbol], engine.mark(pos.symbol), engine.mmr)
        for pos in chunk
    ]
    return {"list": rows, "nextPageCursor": cursor, "category": "linear"}


def order_realtime(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    """Active orders (untriggered conditional ones too); by orderId/orderLinkId any recent order
    (as Bybit); openOnly=1/2 the recently closed ones; orderFilter narrows by kind."""
    p.category()
    open_only = p.integer("openOnly", 0, 0, 2)
    by_id = p.has("orderId") or p.has("orderLinkId")
    kind = _kind_filter(p)

    def wanted(order: Order) -> bool:
        if not kind(order):
            return False
        return by_id or (order.active if open_only == 0 else not order.active)

    orders = _orders(account, p, wanted)[: 500 if open_only else None]
    return _order_page(engine, orders, p)


def order_history(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    status = p.text("orderStatus")
    by_id = p.has("orderId") or p.has("orderLinkId")
    start, end = p.window(engine.now_ms, WEEK_MS, WEEK_MS)
    kind = _kind_filter(p)

    def wanted(order: Order) -> bool:
        if (status is not None and order.status != status) or not kind(order):
            return False
        return by_id or start <= order.created_ms <= end

    return _order_page(engine, _orders(account, p, wanted), p)


def execution_list(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    symbol, exec_type = p.text("symbol"), p.text("execType")
    order_id, link_id = p.text("orderId"), p.text("orderLinkId")
    start, end = p.window(engine.now_ms, WEEK_MS, WEEK_MS)
    rows = [
        e
        for e in reversed(account.executions)
        if symbol in (None, e.symbol)
        and exec_type in (None, e.exec_type)
        and order_id in (None, e.order_id)
        and link_id in (None, e.order_link_id)
        and (order_id or link_id or start <= e.exec_time <= end)
    ]
    chunk, cursor = page(rows, p, 50, 100)
    listed = [views.execution_row(e, engine.infos[e.symbol]) for e in chunk]
    return {"category": "linear", "list": listed, "nextPageCursor": cursor}


def fee_rate(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    p.category()
    wanted = p.text("symbol")
    symbols = [engine.tape(wanted).symbol] if wanted else engine.market.symbols
    taker, maker = text(dec(fills.BYBIT_FEES.taker)), text(dec(fills.BYBIT_FEES.maker))
    rows = [
        {"symbol": s, "takerFeeRate": taker, "makerFeeRate": maker, "baseCoin": ""} for s in symbols
    ]
    return {"list": rows}


def account_info(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    return {
        "marginMode": "ISOLATED_MARGIN",
        "updatedTime": str(account.created_ms),
        "unifiedMarginStatus": 5,
        "dcpStatus": "OFF",
        "timeWindow": 0,
        "smpGroup": 0,
        "isMasterTrader": False,
        "spotHedgingStatus": "OFF",
    }


def api_key_info(engine: Engine, account: Account, p: Params) -> dict[str, Any]:
    created = datetime.fromtimestamp(account.created_ms / 1000, tz=UTC)
    return {
        "id": str(account.uid),
        "note": "simulator",
        "apiKey": account.api_key,
        "readOnly": 0,
        "secret": "",
        "permissions": {
            "ContractTrade": ["Order", "Position"],
            "Spot": [],
            "Wallet": ["AccountTransfer"],
            "Options": [],
            "Derivatives": [],
            "CopyTrading": [],
            "BlockTrade": [],
            "Exchange": [],
            "NFT": [],
            "Affiliate": [],
        },
        "ips": ["*"],
        "type": 1,
        "deadlineDay": -1,
        "expiredAt": "",
        "createdAt": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "unified": 0,
        "uta": 1,
        "userID": account.uid,
        "inviterID": 0,
        "vipLevel": "No VIP",
        "mktMakerLevel": "0",
        "affiliateID": 0,
        "rsaPublicKey": "",
        "isMaster": True,
        "parentUid": "0",
        "kycLevel": "LEVEL_DEFAULT",
        "kycRegion": "",
    }


# --- helpers ---------------------------------------------------------------------------------


def _unified(p: Params, required: bool) -> None:
    account_type = p.text("accountType", required=required)
    if account_type not in (None, "UNIFIED"):
        raise params_error("accountType only support UNIFIED")


def _kind_filter(p: Params) -> Callable[[Order], bool]:
    """Bybit's `orderFilter`: `Order` ordinary orders, `StopOrder` conditional ones, absent
    both. The spot-only kinds (TP/SL, OCO and bidirectional TP/SL orders) match nothing on
    linear."""
    kind = p.text("orderFilter", choices=ORDER_FILTERS)
    if kind is None:
        return lambda order: True
    if kind == "Order":
        return lambda order: not order.is_conditional
    if kind == "StopOrder":
        return lambda order: order.is_conditional
    return lambda order: False


def _orders(account: Account, p: Params, wanted: Any) -> list[Order]:
    symbol, settle = p.text("symbol"), p.text("settleCoin")
    if settle not in (None, "USDT"):
        return []
    order_id, link_id = p.text("orderId"), p.text("orderLinkId")
    found = [
        o
        for o in reversed(account.orders.values())
        if symbol in (None, o.symbol)
        and order_id in (None, o.order_id)
        and link_id in (None, o.order_link_id)
        and wanted(o)
    ]
    return sorted(found, key=lambda o: o.created_ms, reverse=True)


def _order_page(engine: Engine, orders: list[Order], p: Params) -> dict[str, Any]:
    chunk, cursor = page(orders, p, 20, 50)
    rows = [views.order_row(o, engine.infos[o.symbol]) for o in chunk]
    return {"category": "linear", "list": rows, "nextPageCursor": cursor}
