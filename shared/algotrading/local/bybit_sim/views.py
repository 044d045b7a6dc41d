"""The simulator's state rendered in Bybit V5's JSON shapes (REST rows and WebSocket rows).

Field names, spellings and string-typed numbers follow the recorded examples of Bybit's
documentation; fields the simulator has no notion of carry Bybit's neutral values ("", "0").
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from algotrading.domain import fills
from algotrading.domain.intervals import HOUR_MS
from algotrading.local.bybit_sim import books
from algotrading.local.bybit_sim.envelope import dec, float_text, money, text
from algotrading.local.bybit_sim.instruments import InstrumentInfo
from algotrading.local.bybit_sim.market import Candle, KlineInterval, SymbolTape
from algotrading.local.bybit_sim.state import (
    ZERO,
    Account,
    Execution,
    LedgerEntry,
    Order,
    SimPosition,
)

DAY_MS = 24 * HOUR_MS


def order_row(order: Order, info: InstrumentInfo, ws: bool = False) -> dict[str, Any]:
    avg = order.avg_price
    row: dict[str, Any] = {
        "orderId": order.order_id,
        "orderLinkId": order.order_link_id,
        "blockTradeId": "",
        "symbol": order.symbol,
        "price": info.price_text(order.price) if order.price else "0",  # a stop market order
        "qty": info.qty_text(order.qty),
        "side": order.side,
        "isLeverage": "",
        "positionIdx": 0,
        "orderStatus": order.status,
        "cancelType": order.cancel_type,
        "rejectReason": order.reject_reason,
        "avgPrice": "0" if avg is None else text(money(avg)),
        "leavesQty": info.qty_text(order.leaves_qty),
        "leavesValue": text(money(order.leaves_qty * order.price)),
        "cumExecQty": info.qty_text(order.cum_exec_qty),
        "cumExecValue": text(money(order.cum_exec_value)),
        "cumExecFee": text(order.cum_exec_fee),
        "timeInForce": order.time_in_force,
        "orderType": order.order_type,
        "stopOrderType": order.stop_order_type,
        "orderIv": "",
        "triggerPrice": info.price_text(order.trigger_price),
        "takeProfit": info.price_text(order.take_profit),
        "stopLoss": info.price_text(order.stop_loss),
        "tpTriggerBy": "LastPrice" if order.take_profit else "",
        "slTriggerBy": "LastPrice" if order.stop_loss else "",
        "triggerDirection": order.trigger_direction,
        "triggerBy": "LastPrice" if order.trigger_price else "",
        "lastPriceOnCreated": info.price_text(order.last_price_on_created),
        "reduceOnly": order.reduce_only,
        "closeOnTrigger": order.close_on_trigger,
        "smpType": "None",
        "smpGroup": 0,
        "smpOrderId": "",
        "tpslMode": "Full" if order.take_profit or order.stop_loss else "",
        "tpLimitPrice": "",
        "slLimitPrice": "",
        "placeType": "",
        "createType": order.create_type,
        "createdTime": str(order.created_ms),
        "updatedTime": str(order.updated_ms),
        "cumFeeDetail": {"USDT": text(order.cum_exec_fee)},
    }
    if ws:
        row.update(category="linear", feeCurrency="USDT", closedPnl="0")
    return row


def position_row(
    position: SimPosition, info: InstrumentInfo, mark: Decimal, mmr: float, ws: bool = False
) -> dict[str, Any]:
    """REST answers `avgPrice`, the WebSocket `entryPrice` (as Bybit does)."""
    levels = books.liquidation_levels(position, info, mmr)
    value = position.size * position.entry
    upl = unrealised(position, mark)
    row: dict[str, Any] = {
        "positionIdx": 0,
        "riskId": 1,
        "riskLimitValue": "2000000",
        "symbol": position.symbol,
        "side": position.side,
        "size": info.qty_text(position.size),
        "avgPrice" if not ws else "entryPrice": text(position.entry),
        "positionValue": text(money(value)),
        "tradeMode": 1,
        "positionStatus": "Normal",
        "autoAddMargin": 0,
        "adlRankIndicator": 2 if position.open else 0,
        "leverage": text(position.leverage),
        "breakEvenPrice": text(position.entry) if position.open else "",
        "positionBalance": text(position.margin),
        "markPrice": info.price_text(mark),
        "liqPrice": info.price_text(levels[0]) if levels else "",
        "bustPrice": info.price_text(levels[1]) if levels else "",
        "positionMM": text(money(mark * position.size * dec(mmr))),
        "positionMMByMp": text(money(mark * position.size * dec(mmr))),
        "positionIM": text(position.margin),
        "positionIMByMp": text(position.margin),
        "tpslMode": "Full",
        "takeProfit": info.price_text(position.take_profit),
        "stopLoss": info.price_text(position.stop_loss),
        "trailingStop": "0",
        "unrealisedPnl": text(upl),
        "curRealisedPnl": text(position.cur_realised),
        "cumRealisedPnl": text(position.cum_realised),
        "seq": 0,
        "isReduceOnly": False,
        "mmrSysUpdatedTime": "",
        "leverageSysUpdatedTime": "",
        "sessionAvgPrice": "",
        "createdTime": str(position.created_ms),
        "updatedTime": str(position.updated_ms),
    }
    if ws:
        row["category"] = "linear"
    return row


def unrealised(position: SimPosition, mark: Decimal) -> Decimal:
    if not position.open:
        return ZERO
    return money(fills.realized_pnl(position.entry, mark, position.size, position.is_long))


def wallet_row(account: Account, marks: dict[str, Decimal], mmr: float) -> dict[str, Any]:
    """One UNIFIED account with its USDT coin; USD value = USDT value."""
    open_positions = [p for p in account.positions.values() if p.open]
    upl = sum((unrealised(p, marks[p.symbol]) for p in open_positions), ZERO)
    position_im = sum((p.margin for p in open_positions), ZERO)
    order_im = sum((books.order_margin(o) for o in account.orders.values()), ZERO)
    mm = sum((money(marks[p.symbol] * p.size * dec(mmr)) for p in open_positions), ZERO)
    equity = account.wallet + upl
    free = books.available(account)
    coin = {
        "coin": "USDT",
        "equity": text(equity),
        "usdValue": text(equity),
        "walletBalance": text(account.wallet),
        "availableToWithdraw": text(max(free, ZERO)),
        "availableToBorrow": "",
        "borrowAmount": "0",
        "accruedInterest": "0",
        "totalOrderIM": text(order_im),
        "totalPositionIM": text(position_im),
        "totalPositionMM": text(mm),
        "unrealisedPnl": text(upl),
        "cumRealisedPnl": text(account.cum_realised),
        "bonus": "0",
        "collateralSwitch": True,
        "marginCollateral": True,
        "locked": "0",
        "spotHedgingQty": "0",
        "spotBorrow": "0",
    }
    rate = text(money(mm / equity)) if equity > 0 else "0"
    return {
        "totalEquity": text(equity),
        "accountIMRate": text(money((position_im + order_im) / equity)) if equity > 0 else "0",
        "accountIMRateByMp": "0",
        "totalMarginBalance": text(equity),
        "totalInitialMargin": text(position_im + order_im),
        "totalInitialMarginByMp": text(position_im + order_im),
        "accountType": "UNIFIED",
        "totalAvailableBalance": text(max(free, ZERO)),
        "accountMMRate": rate,
        "accountMMRateByMp": rate,
        "totalPerpUPL": text(upl),
        "totalWalletBalance": text(account.wallet),
        "accountLTV": "0",
        "totalMaintenanceMargin": text(mm),
        "totalMaintenanceMarginByMp": text(mm),
        "coin": [coin],
    }


def execution_row(execution: Execution, info: InstrumentInfo, ws: bool = False) -> dict[str, Any]:
    row: dict[str, Any] = {
        "symbol": execution.symbol,
        "orderId": execution.order_id,
        "orderLinkId": execution.order_link_id,
        "side": execution.side,
        "orderPrice": info.price_text(execution.order_price),
        "orderQty": info.qty_text(execution.order_qty),
        "leavesQty": info.qty_text(execution.leaves_qty),
        "createType": execution.create_type,
        "orderType": execution.order_type,
        "stopOrderType": execution.stop_order_type or "UNKNOWN",
        "execFee": text(execution.exec_fee),
        "execId": execution.exec_id,
        "execPrice": info.price_text(execution.exec_price),
        "execQty": info.qty_text(execution.exec_qty),
        "execType": execution.exec_type,
        "execValue": text(money(execution.exec_value)),
        "execTime": str(execution.exec_time),
        "feeCurrency": "USDT",
        "isMaker": execution.is_maker,
        "feeRate": text(execution.fee_rate),
        "tradeIv": "",
        "markIv": "",
        "markPrice": info.price_text(execution.mark_price),
        "indexPrice": info.price_text(execution.mark_price),
        "underlyingPrice": "",
        "blockTradeId": "",
        "closedSize": info.qty_text(execution.closed_size),
        "execPnl": text(execution.exec_pnl),
        "seq": execution.seq,
        "extraFees": "",
    }
    if ws:
        row.update(category="linear", isLeverage="0", marketUnit="")
    return row


def ledger_row(entry: LedgerEntry, info: InstrumentInfo) -> dict[str, Any]:
    return {
        "id": entry.id,
        "symbol": entry.symbol,
        "category": "linear",
        "side": entry.side or "None",
        "transactionTime": str(entry.time_ms),
        "type": entry.type,
        "transSubType": "",
        "qty": info.qty_text(entry.qty),
        "size": info.qty_text(entry.size),
        "currency": "USDT",
        "tradePrice": info.price_text(entry.trade_price),
        "funding": text(entry.funding) if entry.type == "SETTLEMENT" else "",
        "fee": text(entry.fee, 8),
        "cashFlow": text(entry.cash_flow),
        "change": text(entry.change),
        "cashBalance": text(entry.cash_balance),
        "feeRate": text(entry.fee_rate),
        "bonusChange": "",
        "tradeId": entry.trade_id,
        "orderId": entry.order_id,
        "orderLinkId": entry.order_link_id,
        "extraFees": "",
    }


def kline_list_row(candle: Candle) -> list[str]:
    """REST kline row: [start, open, high, low, close, volume, turnover], all strings."""
    return [
        str(candle.start_ms),
        float_text(candle.open),
        float_text(candle.high),
        float_text(candle.low),
        float_text(candle.close),
        float_text(candle.volume),
        float_text(candle.turnover),
    ]


def kline_ws_row(candle: Candle, interval: KlineInterval, now_ms: int) -> dict[str, Any]:
    return {
        "start": candle.start_ms,
        "end": candle.start_ms + interval.ms - 1,
        "interval": interval.code,
        "open": float_text(candle.open),
        "close": float_text(candle.close),
        "high": float_text(candle.high),
        "low": float_text(candle.low),
        "volume": float_text(candle.volume),
        "turnover": float_text(candle.turnover),
        "confirm": candle.confirmed,
        "timestamp": now_ms,
    }


def ticker_row(
    tape: SymbolTape, info: InstrumentInfo, t: int, slippage_bps: float
) -> dict[str, Any] | None:
    """A linear ticker at t. There is no order book: bid/ask are what a market sell/buy would
    get (the last price moved by the slippage), mark and index are the last price."""
    last = tape.price(t)
    if last is None:
        return None
    tick = float(info.tick)
    day = tape.window(t, DAY_MS) or (last, last, 0.0, 0.0)
    prev_day = tape.price(t - DAY_MS) or float(tape.bars.open[0])
    previous = tape.price(t - tape.finest.ms) or last
    funding = tape.next_funding(t)
    oi = tape.open_interest_at(t)
    return {
        "symbol": tape.symbol,
        "tickDirection": "PlusTick"
        if last > previous
        else "MinusTick"
        if last < previous
        else ("ZeroPlusTick"),
        "price24hPcnt": float_text(last / prev_day - 1, 6),
        "lastPrice": info.price_text(last),
        "prevPrice24h": info.price_text(prev_day),
        "highPrice24h": info.price_text(day[0]),
        "lowPrice24h": info.price_text(day[1]),
        "prevPrice1h": info.price_text(tape.price(t - HOUR_MS) or last),
        "markPrice": info.price_text(last),
        "indexPrice": info.price_text(last),
        "openInterest": float_text(oi) if oi is not None else "0",
        "openInterestValue": float_text(oi * last, 2) if oi is not None else "0",
        "turnover24h": float_text(day[3], 4),
        "volume24h": float_text(day[2], 4),
        "fundingRate": float_text(funding[1]) if funding else "",
        "nextFundingTime": str(funding[0]) if funding else "",
        "fundingIntervalHour": str(info.funding_interval_min // 60),
        "fundingCap": "0.005",
        "predictedDeliveryPrice": "",
        "basisRate": "",
        "deliveryFeeRate": "",
        "deliveryTime": "0",
        "basis": "",
        "bid1Price": info.price_text(fills.market_fill_price(last, False, slippage_bps, tick)),
        "bid1Size": info.qty_text(info.max_market_qty),
        "ask1Price": info.price_text(fills.market_fill_price(last, True, slippage_bps, tick)),
        "ask1Size": info.qty_text(info.max_market_qty),
        "preOpenPrice": "",
        "preQty": "",
        "curPreListingPhase": "",
    }
