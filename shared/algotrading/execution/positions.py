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
from decimal import Decimal

from algotrading.db import trades as trades_db
from algotrading.db.strategy_state import save_position
from algotrading.domain.fills import Bar
from algotrading.domain.series import Candles
from algotrading.execution.book import Book
from algotrading.execution.booking import exchange_levels
from algotrading.execution.context import Ctx
from algotrading.execution.exits import market_exit
from algotrading.execution.paper import book_paper_exits
from algotrading.execution.protect import protect
from algotrading.execution.sizing import ZERO, dec, exit_quantity
from algotrading.strategies.base import MarketHistory, SignalFrame, Strategy
from algotrading.strategies.policy import (
    ExitAction,
    ExitReason,
    FillTiming,
    PositionState,
    step,
)


def step_through(
    state: PositionState, candles: Candles, frame: SignalFrame, strategy: Strategy, until_ms: int
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
    strategy: Strategy,
    frames: Mapping[str, SignalFrame],
    histories: Mapping[str, MarketHistory],
) -> bool:
    """Step and act on every open trade of `strategy`; True if anything was closed or sent."""
    changed = False
    for trade in book.trades:
        if trade.strategy != strategy.id or trade.status != "open":
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
            _live(ctx, trade, strategy, stored.position, state, actions, open_qty)
        changed = changed or bool(actions)
    return changed


def _live(
    ctx: Ctx,
    trade: trades_db.Trade,
    strategy: Strategy,
    before: PositionState,
    state: PositionState,
    actions: list[ExitAction],
    open_qty: Decimal,
) -> None:
    if actions and not _execute(ctx, trade, before, state, actions, open_qty):
        return
    if not state.is_open:
        return
    sl, tp = exchange_levels(strategy, state, ctx.info(trade.symbol))
    with ctx.tx() as conn:
        save_position(conn, ctx.account_id, trade.strategy, trade.symbol, trade.id, state)
        trades_db.set_levels(conn, trade.id, sl, tp)
        current = trades_db.get_trade(conn, ctx.account_id, trade.id)
    if current.status != "open":
        return
    left = open_qty if not actions else _left(ctx, open_qty, before, state)
    protect(ctx, current, ctx.positions.get(trade.symbol), left)


def _left(ctx: Ctx, open_qty: Decimal, before: PositionState, state: PositionState) -> Decimal:
    if before.qty_fraction <= 0:
        return ZERO
    return open_qty * dec(state.qty_fraction) / dec(before.qty_fraction)


def _execute(
    ctx: Ctx,
    trade: trades_db.Trade,
    before: PositionState,
    state: PositionState,
    actions: list[ExitAction],
    open_qty: Decimal,
) -> bool:
    """Send the exits the stepper asked for; True when they went through."""
    reason = str(actions[-1].reason)
    if not state.is_open or before.qty_fraction <= 0:
        return market_exit(ctx, trade, qty=open_qty, open_qty=open_qty, reason=reason)
    share = dec(sum(a.fraction for a in actions)) / dec(before.qty_fraction)
    qty = exit_quantity(open_qty, share, ctx.info(trade.symbol))
    intent = "exit" if qty >= open_qty else "partial_exit"
    missed = [
        a for a in actions
        if a.timing is FillTiming.INTRABAR and a.reason is not ExitReason.PARTIAL_TAKE_PROFIT
    ]  # fmt: skip
    if missed:
        ctx.finding(
            "late_exit", trade.symbol,
            f"{reason} at the level was not executed by the exchange; closing {qty} at market",
        )  # fmt: skip
    return market_exit(ctx, trade, qty=qty, open_qty=open_qty, reason=reason, intent=intent)
