"""An operator's hand-made entry (the dashboard's "new trade"): checked by the same risk rules
and sent through the same order path as a strategy's entry.

The trade is attributed to a sleeve the operator names: the sleeve's capital is what the risk
rules size and cap it against (`risk.validate` knows no other scope), and the sleeve's ledger is
where its result lands. It carries no policy state, so the strategy never manages it (each
evaluation notes it as `no_state`); it is protected by the stop-loss and take-profit it was
opened with, which the reconciliation keeps at the exchange, and is closed or moved by hand.

Stricter than a strategy's entry, because a person asked for an exact trade: a cap that would
reduce the quantity refuses it (naming the rule and what it allows) instead of sending less, and
a breaker that would send it to paper refuses it (a halted portfolio or a paused strategy takes
no new live risk). Everything is checked before anything is written; once the intent row is
committed, the order is sent exactly once under its own link id (intent `manual_long|short`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from algotrading.db import trades as trades_db
from algotrading.db.orders import OrderRow, insert_intent, update_order
from algotrading.domain.alerts import AlertKind, trade_alert
from algotrading.domain.positions import PositionSide
from algotrading.domain.trades import OrderPurpose, StrategyId, TradeStatus
from algotrading.errors import AppError
from algotrading.exchange.types import Order, SymbolInfo, order_side_to_open
from algotrading.execution.book import breaker_statuses
from algotrading.execution.context import Ctx
from algotrading.execution.manual import ManualRefused, exchange_call, locked_context
from algotrading.execution.order_ids import order_link_id
from algotrading.execution.pipeline import book_of
from algotrading.execution.protect import protect
from algotrading.execution.runtime import Runtime
from algotrading.execution.submit import send
from algotrading.risk import TradeProposal, risk_context, validate
from algotrading.risk.sizing import (
    ZERO,
    risk_quantity,
    round_stop,
    round_take_profit,
    to_instrument,
)
from algotrading.settings import Settings


class ManualInvalid(AppError):
    """The request itself is wrong for this market (a stop on the wrong side, an odd quantity);
    `field` names the input."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


class EntryRefused(ManualRefused):
    """A risk rule, a breaker or the instrument refused the entry; `rule` names which."""

    def __init__(self, rule: str, message: str) -> None:
        super().__init__(f"refused by {rule}: {message}")
        self.rule = rule


@dataclass(frozen=True, slots=True)
class ManualEntry:
    """What the operator asked for: exactly one of `qty` and `risk_pct` (of the sleeve's
    sizing capital lost at the stop, fees included)."""

    strategy: str
    symbol: str
    side: PositionSide
    stop_loss: Decimal
    take_profit: Decimal | None = None
    qty: Decimal | None = None
    risk_pct: Decimal | None = None
    leverage: Decimal = Decimal(1)

    @property
    def is_long(self) -> bool:
        return self.side is PositionSide.LONG


def open_trade(
    account_id: int, entry: ManualEntry, *, settings: Settings, runtime: Runtime
) -> trades_db.Trade:
    """Check, size and send the entry; the trade afterwards (open once filled)."""
    with locked_context(account_id, settings, runtime) as ctx:
        if not ctx.configs[entry.strategy].enabled:
            raise EntryRefused("strategy_disabled", f"{entry.strategy} is disabled")
        ctx.breakers = breaker_statuses(ctx.conn, account_id)
        found = exchange_call("the positions read", ctx.exchange.get_positions)
        ctx.positions = {p.symbol: p for p in found}
        info = exchange_call("the instrument read", lambda: ctx.info(entry.symbol))
        price = exchange_call("the price read", lambda: ctx.exchange.get_ticker(entry.symbol))
        stop, take = levels(entry, price.last_price, info)
        qty = _checked_qty(ctx, entry, price.last_price, stop, info)
        exchange_call(
            "the leverage", lambda: ctx.exchange.set_leverage(entry.symbol, entry.leverage)
        )
        row = _intent(ctx, entry, qty, price.last_price, stop, take)
        return _send(ctx, row, stop, take)


def levels(entry: ManualEntry, price: Decimal, info: SymbolInfo) -> tuple[Decimal, Decimal | None]:
    """The stop and take-profit on the instrument's ticks, each on its side of `price`."""
    stop = round_stop(entry.stop_loss, entry.is_long, info)
    if (stop >= price) if entry.is_long else (stop <= price):
        where = "below" if entry.is_long else "above"
        raise ManualInvalid(
            f"stop_loss {stop} must be {where} the price {price} for a {entry.side}", "stop_loss"
        )
    if entry.take_profit is None:
        return stop, None
    take = round_take_profit(entry.take_profit, entry.is_long, info)
    if (take <= price) if entry.is_long else (take >= price):
        where = "above" if entry.is_long else "below"
        raise ManualInvalid(
            f"take_profit {take} must be {where} the price {price} for a {entry.side}",
            "take_profit",
        )
    return stop, take


def _checked_qty(
    ctx: Ctx, entry: ManualEntry, price: Decimal, stop: Decimal, info: SymbolInfo
) -> Decimal:
    """The quantity every risk rule allows as asked, on the instrument's lot step."""
    book = book_of(ctx)
    if entry.qty is not None:
        if entry.qty % info.qty_step != ZERO:
            raise ManualInvalid(f"qty must be a multiple of the lot step {info.qty_step}", "qty")
        wanted = entry.qty
    else:
        capital = book.ledger.sizing_capital(entry.strategy)
        wanted = risk_quantity(capital, entry.risk_pct or ZERO, price, stop, ctx.fee_rate)
    rounded = to_instrument(wanted, price, info)
    if rounded.refusal is not None:
        raise EntryRefused("instrument", rounded.refusal)
    proposal = TradeProposal(
        entry.strategy, entry.symbol, entry.side, rounded.qty, price, stop, entry.leverage
    )
    context = risk_context(book.ledger, book.positions, ctx.breakers)
    verdict = validate(proposal, context, ctx.config.limits)
    if verdict.code is not None and (verdict.adjusted or not verdict.accepted):
        raise EntryRefused(str(verdict.code), verdict.message or str(verdict.code))
    return rounded.qty


def _intent(
    ctx: Ctx, entry: ManualEntry, qty: Decimal, price: Decimal, stop: Decimal,
    take: Decimal | None,
) -> OrderRow:  # fmt: skip
    """The pending trade and its order intent, committed before the order is sent."""
    intent, strategy = f"manual_{entry.side.value}", StrategyId(entry.strategy)
    link = order_link_id(ctx.account_id, entry.strategy, entry.symbol, intent, ctx.close_ms)
    with ctx.tx() as conn:
        trade_id = trades_db.insert_trade(
            conn, ctx.account_id, strategy=strategy, symbol=entry.symbol,
            side=entry.side, status=TradeStatus.PENDING, qty=qty, leverage=entry.leverage,
            stop_loss=stop, take_profit=take, entry_price=price,
        )  # fmt: skip
        return insert_intent(
            conn, ctx.account_id, link_id=link, trade_id=trade_id, strategy=strategy,
            symbol=entry.symbol, purpose=OrderPurpose.ENTRY,
            side=order_side_to_open(entry.side).value, qty=qty, bar_close_ms=ctx.close_ms,
            price=price,
        )  # fmt: skip


def _send(ctx: Ctx, row: OrderRow, stop: Decimal, take: Decimal | None) -> trades_db.Trade:
    """Send once; book the fill with the asked levels and set them at the exchange."""
    assert row.trade_id is not None
    sent = send(ctx, row, row.price)
    if sent.unknown is not None:
        raise ManualRefused(
            f"the exchange did not say whether order {row.order_link_id} was placed"
            f" ({sent.unknown}); trade {row.trade_id} stays pending: check the positions"
        )
    order = sent.order
    if order is None or order.filled_qty <= ZERO or order.avg_fill_price is None:
        reason = sent.rejected or f"entry {order.status.value if order else 'rejected'}"
        with ctx.tx() as conn:
            update_order(conn, row.id, status="rejected", reason=reason)
            trades_db.cancel_trade(conn, row.trade_id, reason)
        raise ManualRefused(f"the exchange refused the entry: {reason}")
    trade = _book_fill(ctx, row, order, stop, take)
    protect(ctx, trade, None, trade.qty)
    return trades_db.get_trade(ctx.conn, ctx.account_id, trade.id)


def _book_fill(
    ctx: Ctx, row: OrderRow, order: Order, stop: Decimal, take: Decimal | None
) -> trades_db.Trade:
    assert row.trade_id is not None and order.avg_fill_price is not None
    qty, price = order.filled_qty, order.avg_fill_price
    fee, opened = qty * price * ctx.fee_rate, order.created_ms or ctx.close_ms
    with ctx.tx() as conn:
        update_order(
            conn, row.id, status=order.status.value, exchange_order_id=order.order_id,
            filled_qty=qty, avg_fill_price=price, fee=fee,
        )  # fmt: skip
        trades_db.mark_open(
            conn, row.trade_id, qty=qty, entry_price=price, stop_loss=stop, take_profit=take,
            opened_ms=opened, fees=fee,
        )  # fmt: skip
        trade = trades_db.get_trade(conn, ctx.account_id, row.trade_id)
        ctx.alert(
            trade_alert(
                AlertKind.TRADE_OPENED, account_id=ctx.account_id, strategy=trade.strategy,
                symbol=trade.symbol, side=str(trade.side), qty=qty, price=price, time_ms=opened,
                dedupe_key=f"trade:{trade.id}:opened",
            )
        )  # fmt: skip
    return trade
