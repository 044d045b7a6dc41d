"""Keeping a live position behind its stop-loss (and take-profit) at the exchange.

Bybit takes TP/SL only on a filled position (quirk 10), so every entry is protected in a second
call after its fill, and that call can fail (timeout, outage) while the position is open. The
trade row always carries the levels the exchange *should* hold; every evaluation's
reconciliation compares them with the exchange position and sets them again when they differ,
so an unprotected position lasts at most until the next evaluation (and is reported). A stop the
price has already passed is refused by the exchange; then the position is closed at market,
which is what the stop would have done.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from algotrading.db import trades as trades_db
from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.domain.positions import ExitReason
from algotrading.exchange.errors import ExchangeError, InvalidRequest
from algotrading.exchange.types import ExchangePosition
from algotrading.execution.context import Ctx
from algotrading.execution.exits import market_exit


def is_protected(trade: trades_db.Trade, position: ExchangePosition | None) -> bool:
    """Whether the exchange position holds the trade's levels (None = not known: assume not)."""
    if trade.stop_loss is None and trade.take_profit is None:
        return True
    if position is None:
        return False
    return position.stop_loss == trade.stop_loss and position.take_profit == trade.take_profit


def protect(
    ctx: Ctx, trade: trades_db.Trade, position: ExchangePosition | None, open_qty: Decimal
) -> bool:
    """Set the trade's levels on the exchange position unless it holds them already."""
    if is_protected(trade, position):
        return True
    try:
        ctx.exchange.set_stop_loss_take_profit(
            trade.symbol, stop_loss=trade.stop_loss, take_profit=trade.take_profit
        )
        if position is not None:  # what the exchange holds now, for later checks in this run
            ctx.positions[trade.symbol] = replace(
                position, stop_loss=trade.stop_loss, take_profit=trade.take_profit
            )
        return True
    except InvalidRequest as err:
        if _stop_passed(ctx, trade):
            return market_exit(
                ctx, trade, qty=open_qty, open_qty=open_qty, reason=ExitReason.STOP_LOSS
            )
        _unprotected(ctx, trade, err)
    except ExchangeError as err:
        _unprotected(ctx, trade, err)
    return False


def _stop_passed(ctx: Ctx, trade: trades_db.Trade) -> bool:
    if trade.stop_loss is None:
        return False
    try:
        price = ctx.exchange.get_ticker(trade.symbol).last_price
    except ExchangeError:
        return False
    return price <= trade.stop_loss if trade.is_long else price >= trade.stop_loss


def _unprotected(ctx: Ctx, trade: trades_db.Trade, err: Exception) -> None:
    message = (
        f"{trade.strategy} {trade.symbol}: could not set stop-loss {trade.stop_loss}"
        f" / take-profit {trade.take_profit} ({type(err).__name__}: {err}); retried at the"
        " next evaluation"
    )
    ctx.transient(message)
    ctx.finding("unprotected", trade.symbol, message, trade_id=trade.id)
    with ctx.tx():
        ctx.alert(
            AlertEvent.create(
                AlertKind.RECONCILIATION, message, account_id=ctx.account_id,
                level=AlertLevel.CRITICAL, details={"trade_id": trade.id, "symbol": trade.symbol},
                time_ms=ctx.close_ms,
                dedupe_key=f"unprotected:{trade.id}:{ctx.close_ms}",
            )
        )  # fmt: skip
