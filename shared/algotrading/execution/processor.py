"""The signal processor: one strategy's entry decisions at a close, from signal to order.

For every symbol of the strategy, the frame's last row (the bar that just closed) is read and
exactly one decision is logged (`signals`, with its reason): no signal (the failed conditions),
already holding, warm-up, disabled, stale, rejected by a risk rule, paper, or accepted. An
accepted entry is

1. sized: risk % of the strategy's sizing capital over the stop distance (or momentum's
   weight, re-spread over the basket members that can be entered: `weight`), then capped by
   every risk rule that applies to it (`risk.validate`), then floored to the instrument;
2. logged as intent: the signal row, a `pending` trade, the `created` order row under its
   deterministic link id and the signal it was sized from, in one committed transaction;
3. sent: leverage set, market order placed once, its fill read;
4. booked: trade `open` at the fill, levels measured from the fill (`booking.record_entry_fill`);
5. protected: stop-loss (and take-profit) set on the exchange position.

A crash or an unknown outcome after 2 leaves the intent for the reconciliation; a redone
evaluation meets the same link id and cannot send a second order. An entry a breaker sends to
paper is sized the same way and filled virtually (`paper`).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from algotrading.db import trades as trades_db
from algotrading.db.orders import (
    OPEN_STATUSES,
    OrderRow,
    get_by_link,
    insert_intent,
    update_order,
)
from algotrading.db.signals import SignalRecord, set_decision, upsert_signal
from algotrading.db.strategy_state import clear_position, load_positions, save_pending
from algotrading.domain.positions import PositionSide
from algotrading.domain.timefmt import ms_to_iso
from algotrading.domain.trades import OrderPurpose, TradeStatus
from algotrading.exchange.errors import ExchangeError, ExchangeRejected
from algotrading.exchange.types import order_side_to_open
from algotrading.execution import resting
from algotrading.execution.book import Book
from algotrading.execution.booking import book_entry, pending_json
from algotrading.execution.context import Ctx
from algotrading.execution.order_ids import order_link_id
from algotrading.execution.paper import open_paper
from algotrading.execution.protect import protect
from algotrading.execution.submit import send
from algotrading.risk import TradeProposal, risk_context, validate
from algotrading.risk.sizing import (
    ZERO,
    dec,
    entry_quantity,
    round_stop,
    stop_level,
    to_instrument,
)
from algotrading.strategies.base import PolicySizing, SignalFrame, SignalRow, Strategy


def decide(
    ctx: Ctx,
    book: Book,
    strategy: Strategy[Any],
    frame: SignalFrame,
    price: Decimal,
    weight: Decimal | None = None,
) -> bool:
    """Log this bar's entry decision for one symbol and act on it; True if a trade opened.

    `weight`: a weight-sized strategy's re-spread weight for this symbol (`sizing.respread`),
    used instead of the row's own."""
    i = len(frame) - 1
    row = frame.row(i)
    base = SignalRecord(
        strategy.id, frame.symbol, ctx.close_ms, "hold", "skipped", "pending",
        str(frame.interval), price, details=frame.explain(i),
    )  # fmt: skip
    side = PositionSide.LONG if row.entry_long else PositionSide.SHORT if row.entry_short else None
    held = book.held(strategy.id, frame.symbol)
    if side is None:
        return _log(ctx, base, reason=_no_signal(frame, i, held))
    action = f"entry_{side.value}"
    link = order_link_id(ctx.account_id, strategy.id, frame.symbol, action, ctx.close_ms)
    existing = get_by_link(ctx.conn, ctx.account_id, link)
    if existing is not None:  # a first run of this evaluation decided it already
        return existing.status in OPEN_STATUSES and _resume(ctx, strategy, row, existing)
    if held is not None and held.is_shadow and held.opened_ms == ctx.close_ms:
        return False  # the first run of this evaluation opened it on paper
    skip = _skip_reason(ctx, strategy, row, held, side)
    if skip is not None:
        return _log(ctx, base, action=action, reason=skip)
    return _enter(ctx, book, strategy, row, side, price, base, weight)


def _no_signal(frame: SignalFrame, i: int, held: trades_db.Trade | None) -> str:
    if held is not None:
        return f"holding: {held.side} trade {held.id}" + (" [paper]" if held.is_shadow else "")
    long = ", ".join(frame.failed(i, PositionSide.LONG)) or "-"
    short = ", ".join(frame.failed(i, PositionSide.SHORT)) or "-"
    return f"no_signal: long failed [{long}]; short failed [{short}]"


def _skip_reason(
    ctx: Ctx,
    strategy: Strategy[Any],
    row: SignalRow,
    held: trades_db.Trade | None,
    side: PositionSide,
) -> str | None:
    if held is not None and held.side == side.value:
        return f"already_holding: {held.side} trade {held.id} (no pyramiding)"
    if not row.settled:
        return "warm-up: the indicators do not have their full history at this bar"
    if not ctx.configs[strategy.id].enabled:
        return "strategy_disabled: enabled is false for this account"
    if ctx.late(row.symbol, strategy.entry_interval):
        return f"stale: the market is an entry bar past {ms_to_iso(ctx.close_ms)}"
    return None


def _log(
    ctx: Ctx, base: SignalRecord, *, reason: str | None, action: str = "hold",
    decision: str = "skipped", qty: Decimal | None = None, stop: Decimal | None = None,
) -> bool:  # fmt: skip
    record = _with(base, action=action, decision=decision, reason=reason, qty=qty, stop_loss=stop)
    ctx.decisions.append(record)
    return False


def _with(base: SignalRecord, **changes: object) -> SignalRecord:
    values = {name: getattr(base, name) for name in base.__slots__} | changes
    return SignalRecord(**values)


def _enter(
    ctx: Ctx,
    book: Book,
    strategy: Strategy[Any],
    row: SignalRow,
    side: PositionSide,
    price: Decimal,
    base: SignalRecord,
    weight: Decimal | None = None,
) -> bool:
    action = f"entry_{side.value}"
    info = ctx.info(row.symbol)
    stop = round_stop(stop_level(price, dec(row.stop_distance), side is PositionSide.LONG),
                      side is PositionSide.LONG, info)  # fmt: skip
    wrong_side = stop >= price if side is PositionSide.LONG else stop <= price
    if stop <= ZERO or wrong_side:
        reason = f"no_stop: stop {stop} is unusable for a {side.value} at {price}"
        return _log(ctx, base, action=action, decision="rejected", reason=reason)
    leverage = dec(strategy.policy.leverage)
    if weight is None and row.weight is not None:
        weight = dec(row.weight)
    capital = book.ledger.sizing_capital(strategy.id)
    raw = entry_quantity(strategy.policy, capital, price, stop, weight, ctx.fee_rate,
                         ctx.config.limits.max_risk_per_trade_pct)  # fmt: skip
    if raw <= ZERO:
        reason = f"no_capital: sizing capital {capital}"
        return _log(ctx, base, action=action, decision="rejected", reason=reason, stop=stop)
    weighted = strategy.policy.sizing is PolicySizing.WEIGHT
    proposal = TradeProposal(strategy.id, row.symbol, side, raw, price, stop,
                             leverage, weighted)  # fmt: skip
    verdict = validate(proposal, risk_context(book.ledger, book.positions, ctx.breakers),
                       ctx.config.limits)  # fmt: skip
    if not verdict.accepted and not verdict.shadow:
        return _log(ctx, base, action=action, decision="rejected", reason=verdict.reason, stop=stop)
    rounded = to_instrument(verdict.qty, price, info)
    if rounded.refusal is not None:
        return _log(
            ctx, base, action=action, decision="rejected", reason=rounded.refusal, stop=stop
        )
    record = _with(
        base, action=action, decision=verdict.signal_decision, reason=verdict.reason,
        qty=rounded.qty, stop_loss=stop,
    )  # fmt: skip
    if verdict.shadow:
        return _paper(ctx, strategy, row, side, rounded.qty, price, record)
    return _live(ctx, strategy, row, side, rounded.qty, price, stop, record)


def _paper(
    ctx: Ctx,
    strategy: Strategy[Any],
    row: SignalRow,
    side: PositionSide,
    qty: Decimal,
    price: Decimal,
    record: SignalRecord,
) -> bool:
    with ctx.tx() as conn:
        signal_id = upsert_signal(conn, ctx.account_id, record)
    open_paper(ctx, strategy, row, side, qty, price, signal_id)
    return True


def _live(
    ctx: Ctx,
    strategy: Strategy[Any],
    row: SignalRow,
    side: PositionSide,
    qty: Decimal,
    price: Decimal,
    stop: Decimal,
    record: SignalRecord,
) -> bool:
    link = order_link_id(ctx.account_id, strategy.id, row.symbol, record.action, ctx.close_ms)
    with ctx.tx() as conn:
        signal_id = upsert_signal(conn, ctx.account_id, record)
        order_row = _intent(ctx, strategy, row, side, qty, price, stop, link, signal_id)
    return _send_entry(ctx, strategy, row, order_row, signal_id)


def _resume(ctx: Ctx, strategy: Strategy[Any], row: SignalRow, order_row: OrderRow) -> bool:
    """Send an intent a crashed first run logged but may not have sent (same link id)."""
    if order_row.trade_id is None:
        return False
    trade = trades_db.get_trade(ctx.conn, ctx.account_id, order_row.trade_id)
    if trade.status is not TradeStatus.PENDING or trade.signal_id is None:
        return False
    return _send_entry(ctx, strategy, row, order_row, trade.signal_id)


def _send_entry(
    ctx: Ctx, strategy: Strategy[Any], row: SignalRow, order_row: OrderRow, signal_id: int
) -> bool:
    try:
        ctx.exchange.set_leverage(row.symbol, dec(strategy.policy.leverage))
    except ExchangeRejected as err:
        return _refused(ctx, order_row, signal_id, f"exchange_rejected: leverage: {err}")
    except ExchangeError as err:
        ctx.transient(f"{strategy.id} {row.symbol}: set leverage: {err}")
        return False
    sent = send(ctx, order_row, order_row.price)
    if sent.rejected is not None:
        return _refused(ctx, order_row, signal_id, sent.rejected)
    if sent.order is None:
        ctx.transient(f"{strategy.id} {row.symbol}: entry unknown: {sent.unknown}")
        return False
    trade = book_entry(ctx, order_row, sent.order, pending_json(row), strategy)
    if trade is None:
        return False
    protect(ctx, trade, None, trade.qty)
    stored = load_positions(ctx.conn, ctx.account_id).get((strategy.id, row.symbol))
    if stored is not None and stored.position is not None and trade.entry_price is not None:
        resting.keep(ctx, trade, strategy, stored.position, trade.qty, trade.entry_price)
    return True


def _intent(
    ctx: Ctx,
    strategy: Strategy[Any],
    row: SignalRow,
    side: PositionSide,
    qty: Decimal,
    price: Decimal,
    stop: Decimal,
    link: str,
    signal_id: int,
) -> OrderRow:
    """Pending trade, order intent and the signal it was sized from (caller's transaction)."""
    trade_id = trades_db.insert_trade(
        ctx.conn, ctx.account_id, strategy=strategy.id, symbol=row.symbol, side=side,
        status=TradeStatus.PENDING, qty=qty, leverage=dec(strategy.policy.leverage), stop_loss=stop,
        entry_price=price, signal_id=signal_id,
    )  # fmt: skip
    save_pending(ctx.conn, ctx.account_id, strategy.id, row.symbol, trade_id, pending_json(row))
    order_side = order_side_to_open(side)
    return insert_intent(
        ctx.conn, ctx.account_id, link_id=link, trade_id=trade_id, strategy=strategy.id,
        symbol=row.symbol, purpose=OrderPurpose.ENTRY, side=order_side.value, qty=qty,
        bar_close_ms=ctx.close_ms, price=price,
    )  # fmt: skip


def _refused(ctx: Ctx, order_row: OrderRow, signal_id: int, reason: str) -> bool:
    with ctx.tx() as conn:
        update_order(conn, order_row.id, status="rejected", reason=reason)
        set_decision(conn, signal_id, "rejected", reason)
        if order_row.trade_id is not None:
            trades_db.cancel_trade(conn, order_row.trade_id, reason)
            clear_position(
                conn, ctx.account_id, order_row.strategy or "", order_row.symbol,
                order_row.trade_id,
            )  # fmt: skip
    ctx.report.errors.append(f"{order_row.strategy} {order_row.symbol}: {reason}")
    return False
