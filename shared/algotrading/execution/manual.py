"""An operator's hand on one trade: close it at market, move its stop-loss or take-profit,
cancel one of its orders (the dashboard's trading page).

Each runs like a flatten (`execution.flatten`): the account's context is loaded and checked,
the account's trading lock is held so no evaluation interleaves, and the exchange is reached
through the executor's own paths, so a hand-made close is booked like any exit (intent and exit
reason `flatten`: an operator's close) and a new stop is what the reconciliation then keeps.
Bad input (a trade that is not open and live, an order that is final) raises `ManualRefused`
before the exchange is called; what the exchange refuses raises it with the exchange's reason.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TypeVar

from algotrading.db import trades as trades_db
from algotrading.db.evaluations import lock_job, unlock_job
from algotrading.db.orders import OPEN_STATUSES, OrderRow, get_order
from algotrading.domain.positions import ExitReason
from algotrading.domain.trades import TradeStatus
from algotrading.errors import AppError
from algotrading.exchange.errors import ExchangeError
from algotrading.execution import pipeline, resting
from algotrading.execution.context import Ctx
from algotrading.execution.exits import market_exit
from algotrading.execution.runtime import Runtime
from algotrading.execution.service import account_context, autocommit_connection
from algotrading.risk.sizing import ZERO
from algotrading.settings import Settings

T = TypeVar("T")


class ManualRefused(AppError):
    """The action cannot be done in the trade's or order's state, or the exchange refused it."""


class ManualNotFound(AppError, LookupError):
    """No such trade or order on this account."""


@contextmanager
def locked_context(account_id: int, settings: Settings, runtime: Runtime) -> Iterator[Ctx]:
    now = time.time_ns() // 1_000_000
    with autocommit_connection(None, settings) as db:
        ctx = account_context(db, account_id, now, settings, runtime)
        lock_job(db, account_id, pipeline.JOB, runtime.lock_timeout_s)
        try:
            yield ctx
        finally:
            if not db.closed:
                unlock_job(db, account_id, pipeline.JOB)


def _open_live(ctx: Ctx, trade_id: int) -> trades_db.Trade:
    try:
        trade = trades_db.get_trade(ctx.conn, ctx.account_id, trade_id)
    except LookupError:
        raise ManualNotFound(f"trade {trade_id} does not exist") from None
    if trade.status is not TradeStatus.OPEN or trade.is_shadow:
        kind = "a paper trade" if trade.is_shadow else f"{trade.status} trade"
        raise ManualRefused(f"trade {trade_id} is {kind}; only an open live trade can be changed")
    return trade


def exchange_call(what: str, call: Callable[[], T]) -> T:
    try:
        return call()
    except ExchangeError as err:
        raise ManualRefused(f"the exchange refused {what}: {err}") from None


def close_trade(
    account_id: int, trade_id: int, *, settings: Settings, runtime: Runtime
) -> trades_db.Trade:
    """Close the open live trade at market with a reduce-only order; the booked trade."""
    with locked_context(account_id, settings, runtime) as ctx:
        trade = _open_live(ctx, trade_id)
        positions = exchange_call("the positions read", lambda: ctx.exchange.get_positions())
        ctx.positions = {p.symbol: p for p in positions}
        position = ctx.positions.get(trade.symbol)
        if position is None or position.size <= ZERO:
            raise ManualRefused(f"{trade.symbol} has no position at the exchange to close")
        qty = min(trade.qty, position.size)
        closed = market_exit(
            ctx, trade, qty=qty, open_qty=qty, reason=ExitReason.FLATTEN, intent="flatten"
        )
        if not closed:
            raise ManualRefused(f"the close was not done: {'; '.join(ctx.report.errors)}")
        return trades_db.get_trade(ctx.conn, account_id, trade_id)


def set_levels(
    account_id: int,
    trade_id: int,
    stop_loss: Decimal | None,
    take_profit: Decimal | None,
    *,
    settings: Settings,
    runtime: Runtime,
) -> trades_db.Trade:
    """Move the trade's stop-loss and take-profit at the exchange, then on the trade row."""
    with locked_context(account_id, settings, runtime) as ctx:
        trade = _open_live(ctx, trade_id)
        stop = trade.stop_loss if stop_loss is None else stop_loss
        take = trade.take_profit if take_profit is None else take_profit
        exchange_call(
            "the new levels",
            lambda: ctx.exchange.set_stop_loss_take_profit(
                trade.symbol, stop_loss=stop, take_profit=take
            ),
        )
        with ctx.tx() as conn:
            trades_db.set_levels(conn, trade_id, stop, take)
        return trades_db.get_trade(ctx.conn, account_id, trade_id)


def cancel_order(
    account_id: int, order_id: int, *, settings: Settings, runtime: Runtime
) -> OrderRow:
    """Cancel an open order through the resting-order path; its row afterwards."""
    with locked_context(account_id, settings, runtime) as ctx:
        row = get_order(ctx.conn, account_id, order_id)
        if row is None:
            raise ManualNotFound(f"order {order_id} does not exist")
        if row.status not in OPEN_STATUSES:
            raise ManualRefused(f"order {order_id} is {row.status}; only an open order cancels")
        filled = resting.cancel(ctx, row)
        if ctx.report.errors or filled is not None:
            why = "it filled meanwhile" if filled is not None else "; ".join(ctx.report.errors)
            raise ManualRefused(f"order {order_id} was not cancelled: {why}")
        found = get_order(ctx.conn, account_id, order_id)
        assert found is not None
        return found
