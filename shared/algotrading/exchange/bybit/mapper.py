"""Every conversion between Bybit V5 and the unified types, and where each Bybit quirk is handled.

The quirk numbers refer to "Bybit-Specific Knowledge to Preserve" (see docs/exchange.md). Parsing
is lenient where Bybit is inconsistent (field spellings, empty strings) and strict where guessing
would be dangerous (an unknown order status or side raises `UnexpectedResponse`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.exchange.bybit.types import Raw
from algotrading.exchange.errors import UnexpectedResponse, UnknownSymbol
from algotrading.exchange.types import (
    ZERO,
    AccountInfo,
    Balance,
    ExchangePosition,
    Execution,
    FundingRate,
    FundingSettlement,
    OpenInterest,
    Order,
    OrderSide,
    OrderStatus,
    OrderType,
    SymbolInfo,
    Ticker,
    TimeInForce,
)
from algotrading.logs import get_logger

log = get_logger(__name__)

CATEGORY = "linear"
SETTLE_COIN = "USDT"
ACCOUNT_TYPE = "UNIFIED"
SYMBOL = re.compile(r"^[A-Z0-9]{1,20}USDT$")
COIN_ALIASES = {"MATIC": "POL"}
"""Quirk 17: Bybit renamed MATIC to POL; both names mean the one coin, reported as POL."""

KLINE_CODES = {
    Interval.M1: "1",
    Interval.M5: "5",
    Interval.M15: "15",
    Interval.M30: "30",
    Interval.H1: "60",
    Interval.H4: "240",
    Interval.D1: "D",
    Interval.W1: "W",
}
"""Quirk 16: minutes as text, except day, week (and month) which are letters."""
_MINUTE_CODES = {1440: "D", 10080: "W", 43200: "M"}

OPEN_INTEREST_CODES = {
    Interval.M5: "5min",
    Interval.M15: "15min",
    Interval.M30: "30min",
    Interval.H1: "1h",
    Interval.H4: "4h",
    Interval.D1: "1d",
}

_STATUS = {
    "Created": OrderStatus.CREATED,
    "New": OrderStatus.NEW,
    "Untriggered": OrderStatus.NEW,
    "Triggered": OrderStatus.NEW,
    "Active": OrderStatus.NEW,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELLED,
    "PartiallyFilledCanceled": OrderStatus.CANCELLED,
    "Deactivated": OrderStatus.CANCELLED,
    "Rejected": OrderStatus.REJECTED,
}
_ORDER_TYPE = {"Market": OrderType.MARKET, "Limit": OrderType.LIMIT}
_TIF = {
    "GTC": TimeInForce.GTC,
    "IOC": TimeInForce.IOC,
    "FOK": TimeInForce.FOK,
    "PostOnly": TimeInForce.POST_ONLY,
}
_SIDE = {"Buy": OrderSide.BUY, "Sell": OrderSide.SELL}
_NO_REJECT = {"", "EC_NoError"}


# --- scalars (quirks 11, 12) -------------------------------------------------------------


def dec(value: Any) -> Decimal:
    """Quirk 12: numbers arrive as strings; `""` and null mean 0 (`parseFloat(x || '0')`)."""
    if value is None or value == "":
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise UnexpectedResponse(f"not a number: {value!r}") from None


def opt_dec(value: Any, *, zero_is_none: bool = False) -> Decimal | None:
    """For fields where empty means "none" (liqPrice, avgPrice), and 0 may too (TP/SL)."""
    if value is None or value == "":
        return None
    number = dec(value)
    return None if zero_is_none and number == 0 else number


def ms(value: Any) -> int:
    """Timestamps come as strings on most endpoints and as JSON numbers on a few."""
    if value is None or value == "":
        return 0
    try:
        return int(value)
    except (TypeError, ValueError):
        raise UnexpectedResponse(f"not a timestamp: {value!r}") from None


def first(raw: Raw, *names: str) -> Any:
    """Quirk 11: the first of several spellings that is present and not empty."""
    for name in names:
        value = raw.get(name)
        if value is not None and value != "":
            return value
    return None


def side(value: Any) -> OrderSide:
    try:
        return _SIDE[value]
    except KeyError:
        raise UnexpectedResponse(f"unknown side {value!r}") from None


def fmt(value: Decimal) -> str:
    """Decimal as Bybit wants it: plain digits, never `1E+1`."""
    return format(value, "f")


def canonical_coin(coin: str) -> str:
    return COIN_ALIASES.get(coin.upper(), coin.upper())


def account_uid(raw: Raw) -> str | None:
    """Quirk 13: the account id is `uid` on some endpoints, `subUID` or `userID` on others."""
    value = first(raw, "uid", "subUID", "userID", "memberId")
    return None if value is None else str(value)


def rows(result: Raw) -> list[Any]:
    """Quirk 2: most endpoints answer `result.list[]`, the asset endpoints `result.balance[]`.
    Items are objects, except klines, which are lists (`RawKline`): callers check the shape."""
    for key in ("list", "balance"):
        value = result.get(key)
        if isinstance(value, list):
            return value
    if isinstance(result.get("balance"), dict):
        return [result["balance"]]
    return []


# --- account ---------------------------------------------------------------------------------


def parse_balances(result: Raw) -> list[Balance]:
    """Quirk 1: one answer can hold several accounts; their coins are merged by (canonical) name."""
    merged: dict[str, Balance] = {}
    for entry in rows(result):
        coins = entry.get("coin") if isinstance(entry.get("coin"), list) else [entry]
        for raw in coins:
            balance = _parse_coin(raw)
            merged[balance.coin] = _add(merged.get(balance.coin), balance)
    return sorted(merged.values(), key=lambda b: b.coin)


def _parse_coin(raw: Raw) -> Balance:
    wallet = dec(raw.get("walletBalance"))
    # Quirk 4: transferBalance (asset endpoints) or availableToWithdraw, else walletBalance.
    available = first(raw, "transferBalance", "availableToWithdraw")
    return Balance(
        coin=canonical_coin(str(raw.get("coin", ""))),
        equity=dec(first(raw, "equity", "walletBalance")),
        wallet_balance=wallet,
        available=wallet if available is None else dec(available),
        unrealized_pnl=dec(raw.get("unrealisedPnl")),
        usd_value=dec(raw.get("usdValue")),
    )


def _add(a: Balance | None, b: Balance) -> Balance:
    if a is None:
        return b
    return Balance(
        coin=a.coin,
        equity=a.equity + b.equity,
        wallet_balance=a.wallet_balance + b.wallet_balance,
        available=a.available + b.available,
        unrealized_pnl=a.unrealized_pnl + b.unrealized_pnl,
        usd_value=a.usd_value + b.usd_value,
    )


def parse_total_equity(result: Raw) -> Decimal:
    """Quirk 1 again: the equity of every account entry in the answer, summed."""
    return sum((dec(entry.get("totalEquity")) for entry in rows(result)), ZERO)


def account_types(result: Raw) -> list[str]:
    return [str(entry.get("accountType")) for entry in rows(result) if entry.get("accountType")]


def parse_account_info(raw: Raw, account_type: str | None = None) -> AccountInfo:
    permissions = raw.get("permissions") or {}
    uta = raw.get("uta")
    return AccountInfo(
        uid=account_uid(raw),
        account_type=account_type or ("UNIFIED" if uta == 1 else None),
        is_master=raw.get("isMaster") if isinstance(raw.get("isMaster"), bool) else None,
        read_only=raw.get("readOnly") == 1,
        permissions={k: tuple(v) for k, v in permissions.items() if isinstance(v, list)},
        ips=tuple(raw.get("ips") or ()),
        expires_at=raw.get("expiredAt") or None,
    )


def parse_position(raw: Raw) -> ExchangePosition | None:
    """None for a flat row (Bybit lists symbols with size 0 and side "")."""
    size = dec(raw.get("size"))
    if size == 0 or not raw.get("side"):
        return None
    return ExchangePosition(
        symbol=str(raw["symbol"]),
        side=side(raw["side"]),
        size=size,
        entry_price=dec(raw.get("avgPrice")),
        mark_price=dec(raw.get("markPrice")),
        leverage=dec(raw.get("leverage")),
        margin=dec(first(raw, "positionBalance", "positionIM")),  # quirk 5
        unrealized_pnl=dec(raw.get("unrealisedPnl")),  # quirk 6
        realized_pnl=dec(raw.get("cumRealisedPnl")),
        liquidation_price=opt_dec(raw.get("liqPrice"), zero_is_none=True),
        take_profit=opt_dec(raw.get("takeProfit"), zero_is_none=True),
        stop_loss=opt_dec(raw.get("stopLoss"), zero_is_none=True),
        position_idx=int(raw.get("positionIdx") or 0),
        created_ms=ms(raw.get("createdTime")),
        updated_ms=ms(raw.get("updatedTime")),
    )


# --- orders and fills (quirk 11) ---------------------------------------------------------------


def parse_order(raw: Raw) -> Order:
    status_text = first(raw, "orderStatus", "status")
    type_text = first(raw, "orderType", "type")
    if status_text not in _STATUS:
        raise UnexpectedResponse(f"unknown order status {status_text!r}")
    if type_text not in _ORDER_TYPE:
        raise UnexpectedResponse(f"unknown order type {type_text!r}")
    filled = dec(first(raw, "cumExecQty", "executedQty"))
    reject = str(raw.get("rejectReason") or "")
    return Order(
        order_id=str(first(raw, "orderId", "id") or ""),
        order_link_id=str(first(raw, "orderLinkId", "clientOrderId") or ""),
        symbol=str(raw.get("symbol", "")),
        side=side(raw.get("side")),
        order_type=_ORDER_TYPE[type_text],
        status=_STATUS[status_text],
        qty=dec(first(raw, "qty", "quantity")),
        price=opt_dec(raw.get("price"), zero_is_none=True),
        filled_qty=filled,
        avg_fill_price=opt_dec(raw.get("avgPrice"), zero_is_none=True) if filled else None,
        reduce_only=bool(raw.get("reduceOnly")),
        time_in_force=_TIF.get(str(raw.get("timeInForce") or "")),
        take_profit=opt_dec(raw.get("takeProfit"), zero_is_none=True),
        stop_loss=opt_dec(raw.get("stopLoss"), zero_is_none=True),
        reject_reason=None if reject in _NO_REJECT else reject,
        created_ms=ms(first(raw, "createdTime", "createTime", "createdAt")),
        updated_ms=ms(first(raw, "updatedTime", "updateTime", "updatedAt")),
        trigger_price=opt_dec(raw.get("triggerPrice"), zero_is_none=True),
    )


def parse_execution(raw: Raw) -> Execution:
    return Execution(
        exec_id=str(raw.get("execId", "")),
        order_id=str(raw.get("orderId", "")),
        order_link_id=str(raw.get("orderLinkId") or ""),
        symbol=str(raw.get("symbol", "")),
        side=side(raw.get("side")),
        price=dec(raw.get("execPrice")),
        qty=dec(raw.get("execQty")),
        value=dec(raw.get("execValue")),
        fee=dec(raw.get("execFee")),
        fee_rate=dec(raw.get("feeRate")),
        is_maker=bool(raw.get("isMaker")),
        exec_type=str(raw.get("execType") or "Trade"),
        time_ms=ms(raw.get("execTime")),
    )


def parse_settlement(raw: Raw) -> FundingSettlement:
    """A SETTLEMENT row of the transaction log; `change` is the signed cash effect."""
    side_text = raw.get("side")
    return FundingSettlement(
        symbol=str(raw.get("symbol", "")),
        time_ms=ms(raw.get("transactionTime")),
        rate=dec(raw.get("feeRate")),
        side=_SIDE.get(side_text) if side_text else None,
        position_size=abs(dec(raw.get("size"))),
        price=dec(raw.get("tradePrice")),
        amount=dec(first(raw, "change", "funding")),
        currency=str(raw.get("currency") or SETTLE_COIN),
    )


# --- market data ---------------------------------------------------------------------------------


def kline_code(interval: Interval) -> str:
    return KLINE_CODES[interval]


def kline_code_for_minutes(minutes: int) -> str:
    """Quirk 16 as the reference states it: 1440 -> D, 10080 -> W, 43200 -> M, else minutes."""
    return _MINUTE_CODES.get(minutes, str(minutes))


def candle_end_ms(start_ms: int, interval: Interval) -> int:
    """Quirk 18: a candle ends at start + interval; Bybit's `end` field is 1 ms short of that."""
    return start_ms + interval.ms


def parse_candles(result: Raw) -> Candles:
    """Quirk 15: klines come newest first; sorted ascending here, duplicates dropped."""
    data = [row for row in rows(result) if isinstance(row, list) and len(row) >= 7]
    if not data:
        return Candles.empty()
    start = np.array([int(r[0]) for r in data], dtype=np.int64)
    values = np.array([[float(x or 0) for x in r[1:7]] for r in data], dtype=np.float64)
    start, index = np.unique(start, return_index=True)  # sorted ascending
    cols = values[index].T
    return Candles(start, cols[0], cols[1], cols[2], cols[3], cols[4], cols[5])


def concat_candles(parts: list[Candles]) -> Candles:
    """Pages of candles (any order, overlapping or not) as one ascending, duplicate-free series."""
    parts = [p for p in parts if len(p)]
    if not parts:
        return Candles.empty()
    names = ("start_ms", "open", "high", "low", "close", "volume", "turnover")
    cols = {n: np.concatenate([getattr(p, n) for p in parts]) for n in names}
    start, index = np.unique(cols["start_ms"], return_index=True)
    return Candles(start, *(cols[n][index] for n in names[1:]))


def parse_funding_history(result: Raw) -> FundingHistory:
    """Settled rates, newest first from Bybit, returned ascending."""
    pairs = {
        ms(r.get("fundingRateTimestamp")): float(dec(r.get("fundingRate"))) for r in rows(result)
    }
    times = sorted(pairs)
    return FundingHistory(
        np.array(times, dtype=np.int64), np.array([pairs[t] for t in times], dtype=np.float64)
    )


def parse_open_interest(result: Raw, symbol: str) -> list[OpenInterest]:
    items = [
        OpenInterest(symbol, dec(r.get("openInterest")), ms(r.get("timestamp")))
        for r in rows(result)
    ]
    return sorted(items, key=lambda oi: oi.time_ms)


def parse_ticker(raw: Raw, time_ms: int) -> Ticker:
    next_funding = raw.get("nextFundingTime")
    return Ticker(
        symbol=str(raw.get("symbol", "")),
        last_price=dec(raw.get("lastPrice")),
        mark_price=dec(first(raw, "markPrice", "lastPrice")),
        index_price=opt_dec(raw.get("indexPrice")),
        bid_price=opt_dec(raw.get("bid1Price")),
        ask_price=opt_dec(raw.get("ask1Price")),
        volume_24h=dec(raw.get("volume24h")),
        turnover_24h=dec(raw.get("turnover24h")),
        open_interest=opt_dec(raw.get("openInterest")),
        funding_rate=opt_dec(raw.get("fundingRate")),
        next_funding_ms=ms(next_funding) if next_funding else None,
        time_ms=time_ms,
    )


def parse_funding_rate(raw: Raw, time_ms: int) -> FundingRate:
    """The predicted rate from the ticker; `fundingIntervalHour` is in hours there."""
    if raw.get("fundingRate") in (None, "") or not raw.get("nextFundingTime"):
        raise UnexpectedResponse(f"{raw.get('symbol')}: no funding rate (not a perpetual?)")
    hours = raw.get("fundingIntervalHour")
    return FundingRate(
        symbol=str(raw.get("symbol", "")),
        rate=dec(raw["fundingRate"]),
        next_funding_ms=ms(raw["nextFundingTime"]),
        interval_hours=int(hours) if hours not in (None, "") else None,
        time_ms=time_ms,
    )


def funding_interval_hours(minutes: Any) -> int | None:
    """instruments-info `fundingInterval` is in MINUTES; a value that is no whole hour is refused
    as unknown (None) rather than rounded: a wrong interval would misprice carry trades."""
    if minutes in (None, ""):
        return None
    value = int(minutes)
    if value <= 0 or value % 60:
        log.warning(
            "fundingInterval %r is not a whole number of hours; treated as unknown", minutes
        )
        return None
    return value // 60


def parse_symbol_info(raw: Raw) -> SymbolInfo:
    price, lot, lev = (raw.get(k) or {} for k in ("priceFilter", "lotSizeFilter", "leverageFilter"))
    max_qty = dec(lot.get("maxOrderQty"))
    return SymbolInfo(
        symbol=str(raw["symbol"]),
        base_coin=str(raw.get("baseCoin", "")),
        quote_coin=str(raw.get("quoteCoin", "")),
        settle_coin=str(raw.get("settleCoin", "")),
        status=str(raw.get("status", "")),
        tick_size=dec(price.get("tickSize")),
        qty_step=dec(lot.get("qtyStep")),
        min_qty=dec(lot.get("minOrderQty")),
        max_qty=max_qty,
        max_market_qty=dec(first(lot, "maxMktOrderQty", "maxOrderQty")),
        min_notional=dec(lot.get("minNotionalValue")),
        min_leverage=dec(first(lev, "minLeverage") or "1"),
        max_leverage=dec(lev.get("maxLeverage")),
        leverage_step=dec(first(lev, "leverageStep") or "0.01"),
        funding_interval_hours=funding_interval_hours(raw.get("fundingInterval")),
        launch_ms=ms(raw.get("launchTime")),
    )


def is_usdt_perpetual(raw: Raw) -> bool:
    return raw.get("contractType") == "LinearPerpetual" and raw.get("settleCoin") == SETTLE_COIN


def coin_param(coins: Iterable[str]) -> list[str]:
    """Canonical, de-duplicated coin names for a balance query (quirk 17)."""
    return list(dict.fromkeys(canonical_coin(c) for c in coins))


def check_symbol(symbol: str | None) -> str:
    """Refuse a malformed symbol locally: no request is spent on `btc` or `BTCUSD`."""
    text = (symbol or "").strip().upper()
    if not SYMBOL.match(text):
        raise UnknownSymbol(f"{symbol!r} is not a USDT perpetual symbol (like BTCUSDT)")
    if text != symbol:
        raise UnknownSymbol(f"{symbol!r}: symbols are upper case without spaces, e.g. {text}")
    return text
