"""Managing open positions at a close: the policy stepper, then exits and stop updates.

For each open trade of a strategy that runs at this close, every entry-timeframe bar closed
since the position's last step is stepped (`strategies.policy.step`) with its OHLC and its
frame row, so a missed evaluation is caught up. What comes out:

* close-time exits (signal, time stop) and intrabar exits the exchange did not execute (a trail
  the exchange did not hold yet, the scalper's partial at its moving target, a level our data
  touched but the exchange's did not) -> a reduce-only market order now; the backtest books a
  close-time exit at the next open, which is this moment;
* a trailing stop that moved -> the new stop is sent to the exchange (`protect`), and a stop
  the price already passed closes the position at market.

The state is saved only when its exits went through: if an exit fails (outcome unknown), the
old state stays and the next evaluation steps again, under a new link id, after the
reconciliation has resolved the first attempt. Paper trades are stepped the same way and booked
at the stepper's prices (`paper`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from algotrading.db import trades as trades_db
from algotrading.db.orders import get_by_link
from algotrading.db.strategy_state import save_position
from algotrading.domain.fills import Bar
from algotrading.domain.positions import ExitReason, PositionState
from algotrading.domain.series import Candles
from algotrading.domain.trades import TradeStatus
from algotrading.execution import resting
from algotrading.execution.book import Book
from algotrading.execution.booking import book_partial, exchange_levels
from algotrading.execution.context import Ctx
from algotrading.execution.exits import market_exit
from algotrading.execution.paper import book_paper_exits
from algotrading.execution.protect import protect
from algotrading.risk.sizing import ZERO, dec
from algotrading.strategies.base import MarketHistory, SignalFrame, Strategy
from algotrading.strategies.policy import ExitAction, FillTiming, step


def step_through(
    state: PositionState,
    candles: Candles,
    frame: SignalFrame,
    strategy: Strategy[Any],
    until_ms: int,
) -> tuple[PositionState, list[ExitAction], int]:
    """Step every bar closed after the state's last step up to `until_ms`; also returns how
    many bars were stepped."""
    iv = strategy.entry_interval
    actions: list[ExitAction] = []
    stepped = 0
    for k in range(len(candles)):
        close = int(candles.start_ms[k]) + iv.ms
        if close <= state.last_close_ms or close > until_ms or not state.is_open:
            continue
        bar = Bar(
            float(candles.open[k]), float(candles.high[k]), float(candles.low[k]),
            float(candles.close[k]),
        )  # fmt: skip
        state, found = step(state, bar, frame.row(frame.index_of(close)), strategy.policy)
        actions.extend(found)
        stepped += 1
    return state, actions, stepped


def manage(
    ctx: Ctx,
    book: Book,
    strategy: Strategy[Any],
    frames: Mapping[str, SignalFrame],
    histories: Mapping[str, MarketHistory],
) -> bool:
    """Step and act on every open trade of `strategy`; True if anything was closed or sent."""
    changed = False
    for trade in book.trades:
        if trade.strategy != strategy.id or trade.status is not TradeStatus.OPEN:
            continue
        stored = book.states.get((trade.strategy, trade.symbol))
        if stored is None or stored.position is None or stored.trade_id != trade.id:
            ctx.finding("no_state", trade.symbol, f"trade {trade.id} has no policy state")
            continue
        frame, history = frames.get(trade.symbol), histories.get(trade.symbol)
        if frame is None or history is None:
            continue
        candles = history.candles[strategy.entry_interval]
        state, actions, stepped = step_through(
            stored.position, candles, frame, strategy, ctx.close_ms
        )
        if stepped == 0:
            continue
        close_price = dec(float(candles.close[-1]))
        open_qty = book.open_qty.get(trade.id, trade.qty)
        if trade.is_shadow:
            levels = exchange_levels(strategy, state, ctx.info(trade.symbol))
            book_paper_exits(ctx, trade, state, actions, close_price, levels)
        else:
            _live(ctx, trade, strategy, stored.position, state, actions, open_qty, close_price)
        changed = changed or bool(actions)
    return changed


def _live(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    before: PositionState,
    state: PositionState,
    actions: list[ExitAction],
    open_qty: Decimal,
    price: Decimal,
) -> None:
    state = _follow_exchange(ctx, trade, strategy, state, actions)
    left: Decimal | None = open_qty
    if actions:
        left = _execute(ctx, trade, strategy, before, actions, open_qty)
    if left is None or not state.is_open:
        return
    if not resting.keep(ctx, trade, strategy, state, left, price):
        taken = _market_partial(ctx, trade, strategy, state, left)
        if taken is None:
            return
        state, left = mark_partial(state, strategy), left - taken
    _save_and_protect(ctx, trade, strategy, state, left)


def _save_and_protect(
    ctx: Ctx, trade: trades_db.Trade, strategy: Strategy[Any], state: PositionState, left: Decimal
) -> None:
    sl, tp = exchange_levels(strategy, state, ctx.info(trade.symbol))
    with ctx.tx() as conn:
        save_position(conn, ctx.account_id, trade.strategy, trade.symbol, trade.id, state)
        trades_db.set_levels(conn, trade.id, sl, tp)
        current = trades_db.get_trade(conn, ctx.account_id, trade.id)
    if current.status is TradeStatus.OPEN:
        protect(ctx, current, ctx.positions.get(trade.symbol), left)


def mark_partial(state: PositionState, strategy: Strategy[Any]) -> PositionState:
    """The state after its partial was taken outside the stepper (at the exchange first, or at
    market because its level was already passed): the trail arms after the next bar, as the
    stepper arms it after the bar that took the partial."""
    left = max(state.qty_fraction - resting.partial_share(strategy, state), 0.0)
    return replace(state, qty_fraction=left, partial_done=True)


def _follow_exchange(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    state: PositionState,
    actions: list[ExitAction],
) -> PositionState:
    """A partial the exchange filled that the stepper did not see (the exchange's prices reached
    the level, ours did not): the state follows the exchange."""
    seen = any(a.reason is ExitReason.PARTIAL_TAKE_PROFIT for a in actions)
    if seen or state.partial_done or not state.is_open or strategy.policy.partial_fraction is None:
        return state
    if resting.partial_filled(ctx, trade) <= ZERO:
        return state
    ctx.finding(
        "partial_at_exchange", trade.symbol,
        f"{trade.strategy}: the partial take-profit filled at the exchange before our data"
        " reached its level; the position state follows the exchange",
    )  # fmt: skip
    return mark_partial(state, strategy)


def _execute(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    before: PositionState,
    actions: list[ExitAction],
    open_qty: Decimal,
) -> Decimal | None:
    """Carry out the exits the stepper asked for; the quantity left open, None when they did
    not go through. The partial is the resting order's (or at market when it did not fill);
    any other exit closes everything that is left."""
    left = open_qty
    if any(a.reason is ExitReason.PARTIAL_TAKE_PROFIT for a in actions):
        taken = _take_partial(ctx, trade, strategy, before, open_qty)
        if taken is None:
            return None
        left = open_qty - taken
    others = [a for a in actions if a.reason is not ExitReason.PARTIAL_TAKE_PROFIT]
    if not others or left <= ZERO:
        return left
    reason = others[-1].reason
    if any(a.timing is FillTiming.INTRABAR for a in others):
        ctx.finding(
            "late_exit", trade.symbol,
            f"{reason} at the level was not executed by the exchange; closing {left} at market",
        )  # fmt: skip
    return ZERO if market_exit(ctx, trade, qty=left, open_qty=left, reason=reason) else None


def _take_partial(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    before: PositionState,
    open_qty: Decimal,
) -> Decimal | None:
    """What the partial takes off `open_qty` (the exchange's size at the reconciliation): zero
    when the resting order's fill was booked before (the size shows it already), its fill when
    found now, else a market order's quantity."""
    if resting.partial_filled(ctx, trade) > ZERO:
        return ZERO
    row = resting.resting_row(ctx, trade)
    if row is not None and row.is_open:
        filled = resting.cancel(ctx, row)
        if filled is not None:
            book_partial(ctx, trade, row, filled)
            return filled.filled_qty
        after = get_by_link(ctx.conn, ctx.account_id, row.order_link_id)
        if after is None or after.is_open:  # the cancel's outcome is unknown: redo later
            return None
    ctx.finding(
        "late_exit", trade.symbol,
        "partial_take_profit at the level was not executed by the exchange; taken at market",
    )  # fmt: skip
    return _market_partial(ctx, trade, strategy, before, open_qty)


def _market_partial(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy[Any],
    state: PositionState,
    open_qty: Decimal,
) -> Decimal | None:
    qty = resting.partial_qty(ctx, strategy, state, trade.symbol, open_qty)
    intent = "exit" if qty >= open_qty else "partial_exit"
    reason = ExitReason.PARTIAL_TAKE_PROFIT
    if market_exit(ctx, trade, qty=qty, open_qty=open_qty, reason=reason, intent=intent):
        return qty
    return None
