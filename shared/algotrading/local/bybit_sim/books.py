"""Booking a fill or a funding settlement: position, isolated margin, wallet, executions, log.

Isolated margin, one-way mode. A position's margin is entry x size / leverage; available balance
is the wallet minus every position's margin and every resting opening order's margin (unrealised
profit is not available, as with Bybit's isolated margin). Prices and rules come from
`algotrading.domain.fills`; this module only keeps the books (in Decimal, money to 1e-8).
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from algotrading.domain import fills
from algotrading.local.bybit_sim.envelope import dec, money
from algotrading.local.bybit_sim.instruments import InstrumentInfo
from algotrading.local.bybit_sim.state import (
    ZERO,
    Account,
    Execution,
    LedgerEntry,
    Order,
    SimPosition,
)


def order_margin(order: Order) -> Decimal:
    """What a resting order holds back: its full remaining value / leverage (reduce-only: 0)."""
    if not order.active or order.reduce_only or order.order_type != "Limit":
        return ZERO
    return money(order.leaves_qty * order.price / order.leverage)


def available(account: Account) -> Decimal:
    held = sum((p.margin for p in account.positions.values()), ZERO)
    held += sum((order_margin(o) for o in account.orders.values()), ZERO)
    return account.wallet - held


def opening_qty(position: SimPosition, is_buy: bool, qty: Decimal) -> Decimal:
    """The part of an order that opens (or adds to) a position; the rest closes one."""
    if position.open and position.is_long != is_buy:
        return max(ZERO, qty - position.size)
    return qty


def required(
    position: SimPosition, is_buy: bool, qty: Decimal, price: Decimal, rate: Decimal
) -> Decimal:
    """Margin for the opening part plus the fee on the whole order."""
    opening = opening_qty(position, is_buy, qty)
    return money(opening * price / position.leverage) + money(fills.trade_fee(qty * price, rate))


def fee_rate(is_maker: bool, fees: fills.FeeSchedule = fills.BYBIT_FEES) -> Decimal:
    return dec(fees.rate(is_maker))


def liquidation_levels(
    position: SimPosition, info: InstrumentInfo, mmr: float
) -> tuple[Decimal, Decimal] | None:
    """(liquidation price, bankruptcy price) on the tick grid, against the holder; None if flat."""
    if not position.open:
        return None
    entry, lev, long = float(position.entry), float(position.leverage), position.is_long
    liq = dec(fills.liquidation_price(entry, long, lev, mmr))
    bust = dec(fills.bankruptcy_price(entry, long, lev))
    return info.round_price(liq, up=long), info.round_price(bust, up=long)


def book_fill(
    account: Account,
    order: Order,
    qty: Decimal,
    price: Decimal,
    *,
    is_maker: bool,
    now_ms: int,
    mark: Decimal,
    exec_type: str = "Trade",
) -> Execution:
    """One execution of `order`: position, margin, wallet, the order's totals and the log.

    A BustTrade (liquidation) closes at the bankruptcy price without fee and loses exactly the
    position's margin."""
    position = account.position(order.symbol, order.leverage)
    rate = fee_rate(is_maker) if exec_type == "Trade" else ZERO
    value = qty * price
    fee = money(fills.trade_fee(value, rate))
    closed, pnl = _close(position, order.is_buy, qty, price, bust=exec_type == "BustTrade")
    if qty > closed:
        _open(position, order.is_buy, qty - closed, price, now_ms)
    net = pnl - fee
    account.wallet += net
    account.cum_realised += net
    position.cur_realised += net
    position.cum_realised += net
    position.updated_ms = now_ms
    order.cum_exec_qty += qty
    order.cum_exec_value += value
    order.cum_exec_fee += fee
    order.status = "Filled" if order.cum_exec_qty >= order.qty else "PartiallyFilled"
    order.updated_ms = now_ms
    execution = _execution(
        account, order, qty, price, value, fee, rate, is_maker, exec_type, now_ms, mark
    )
    execution.closed_size, execution.exec_pnl = closed, pnl
    account.executions.append(execution)
    _log_trade(account, execution, position)
    return execution


def _execution(
    account: Account,
    order: Order,
    qty: Decimal,
    price: Decimal,
    value: Decimal,
    fee: Decimal,
    rate: Decimal,
    is_maker: bool,
    exec_type: str,
    now_ms: int,
    mark: Decimal,
) -> Execution:
    return Execution(
        exec_id=str(uuid.uuid4()),
        order_id=order.order_id,
        order_link_id=order.order_link_id,
        symbol=order.symbol,
        side=order.side,
        order_type=order.order_type,
        order_price=order.price,
        order_qty=order.qty,
        leaves_qty=order.leaves_qty,
        exec_price=price,
        exec_qty=qty,
        exec_value=value,
        exec_fee=fee,
        fee_rate=rate,
        is_maker=is_maker,
        exec_type=exec_type,
        exec_time=now_ms,
        closed_size=ZERO,
        exec_pnl=ZERO,
        mark_price=mark,
        seq=account.next_seq(),
        stop_order_type=order.stop_order_type,
        create_type=order.create_type,
    )


def book_funding(
    account: Account, position: SimPosition, rate: float, mark: Decimal, now_ms: int
) -> Execution:
    """A settlement: size x mark x rate moves between longs and shorts (fills.funding_payment)."""
    value = position.size * mark
    received = money(fills.funding_payment(value, dec(rate), position.is_long))
    account.wallet += received
    account.cum_realised += received
    position.cur_realised += received
    position.cum_realised += received
    execution = Execution(
        exec_id=str(uuid.uuid4()),
        order_id="",
        order_link_id="",
        symbol=position.symbol,
        side=position.side,
        order_type="UNKNOWN",
        order_price=ZERO,
        order_qty=ZERO,
        leaves_qty=ZERO,
        exec_price=mark,
        exec_qty=position.size,
        exec_value=value,
        exec_fee=-received,
        fee_rate=dec(rate),
        is_maker=False,
        exec_type="Funding",
        exec_time=now_ms,
        closed_size=ZERO,
        exec_pnl=ZERO,
        mark_price=mark,
        seq=account.next_seq(),
        create_type="",
    )
    account.executions.append(execution)
    _log_settlement(account, position, execution, received)
    return execution


def _log_settlement(
    account: Account, position: SimPosition, execution: Execution, received: Decimal
) -> None:
    account.ledger.append(
        LedgerEntry(
            id=_ledger_id(account),
            symbol=position.symbol,
            side=position.side,
            type="SETTLEMENT",
            time_ms=execution.exec_time,
            qty=position.size,
            size=_signed(position),
            trade_price=execution.exec_price,
            funding=received,
            fee=ZERO,
            cash_flow=ZERO,
            change=received,
            cash_balance=account.wallet,
            fee_rate=execution.fee_rate,
            trade_id=execution.exec_id,
        )
    )


def set_leverage(position: SimPosition, leverage: Decimal) -> Decimal:
    """New leverage; returns the extra margin the position now needs (negative: released)."""
    before = position.margin
    position.leverage = leverage
    if position.open:
        position.margin = money(position.entry * position.size / leverage)
    return position.margin - before


def _close(
    position: SimPosition, is_buy: bool, qty: Decimal, price: Decimal, bust: bool
) -> tuple[Decimal, Decimal]:
    """Close up to `qty` of an opposite position; returns (closed size, realised pnl)."""
    if not position.open or position.is_long == is_buy:
        return ZERO, ZERO
    closed = min(qty, position.size)
    released = (
        position.margin
        if closed == position.size
        else money(position.margin * closed / position.size)
    )
    if bust:
        pnl = -released
    else:
        pnl = money(fills.realized_pnl(position.entry, price, closed, position.is_long))
    position.size -= closed
    position.margin -= released
    if position.size == 0:
        position.side = ""
        position.entry = ZERO
        position.margin = ZERO
        position.take_profit = ZERO
        position.stop_loss = ZERO
    return closed, pnl


def _open(position: SimPosition, is_buy: bool, qty: Decimal, price: Decimal, now_ms: int) -> None:
    if not position.open:
        position.side = "Buy" if is_buy else "Sell"
        position.size = qty
        position.entry = price
        position.margin = money(qty * price / position.leverage)
        position.created_ms = now_ms
        position.watch_from_ms = now_ms
        position.cur_realised = ZERO
        return
    size = position.size + qty
    position.entry = money((position.entry * position.size + price * qty) / size)
    position.size = size
    position.margin += money(qty * price / position.leverage)


def _signed(position: SimPosition) -> Decimal:
    return position.size if position.is_long or not position.open else -position.size


def _ledger_id(account: Account) -> str:
    return f"{account.uid}{len(account.ledger) + 1:010d}"


def _log_trade(account: Account, execution: Execution, position: SimPosition) -> None:
    account.ledger.append(
        LedgerEntry(
            id=_ledger_id(account),
            symbol=execution.symbol,
            side=execution.side,
            type="LIQUIDATION" if execution.exec_type == "BustTrade" else "TRADE",
            time_ms=execution.exec_time,
            qty=execution.exec_qty,
            size=_signed(position),
            trade_price=execution.exec_price,
            funding=ZERO,
            fee=execution.exec_fee,
            cash_flow=execution.exec_pnl,
            change=execution.exec_pnl - execution.exec_fee,
            cash_balance=account.wallet,
            fee_rate=execution.fee_rate,
            trade_id=execution.exec_id,
            order_id=execution.order_id,
            order_link_id=execution.order_link_id,
        )
    )
