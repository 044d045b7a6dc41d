"""Paper (shadow) trades: what a paused or halted strategy would have done, at the same prices.

A breaker keeps a strategy's new entries off the exchange, but the breaker needs to know how the
strategy would have fared to resume it (docs/RISK.md, shadow track). So its entry is sized exactly
as a live one (the risk rules run on the live + paper book), then filled virtually at the signal
bar's close, the price a market order sent right after the close would meet, moved against the
taker by `PAPER_SLIPPAGE_BPS` and onto the tick (`domain.fills.market_fill_price`, the fill
model the simulator and the backtest use), with the taker fee. Its exits are the policy
stepper's: intrabar stops and take-profits at their levels, close-time exits at the close with
the same slippage. Nothing is sent to the exchange; `trades.is_shadow` marks the rows and the
ledger keeps their PnL out of every sleeve. Funding is not simulated for paper trades.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from algotrading.db import trades as trades_db
from algotrading.db.strategy_state import clear_position, save_position
from algotrading.domain.alerts import AlertKind, trade_alert
from algotrading.domain.fills import MARKET_SLIPPAGE_BPS, market_fill_price
from algotrading.domain.positions import PositionSide, PositionState
from algotrading.domain.trades import TradeStatus
from algotrading.execution.booking import closed_alert, exchange_levels
from algotrading.execution.context import Ctx
from algotrading.risk.sizing import ZERO, dec
from algotrading.strategies.base import SignalRow, Strategy
from algotrading.strategies.policy import ExitAction, open_position

PAPER_SLIPPAGE_BPS = MARKET_SLIPPAGE_BPS
"""What a paper market fill pays: the backtest's and the simulator's default slippage, so a
paused sleeve's paper track (which decides its resume) pays what its live fills would."""


def paper_fill(ctx: Ctx, symbol: str, price: Decimal, is_buy: bool) -> Decimal:
    """A virtual market fill at `price`: slipped against the taker, on the tick."""
    tick = float(ctx.info(symbol).tick_size)
    return dec(market_fill_price(float(price), is_buy, PAPER_SLIPPAGE_BPS, tick))


def open_paper(
    ctx: Ctx,
    strategy: Strategy[Any],
    row: SignalRow,
    side: PositionSide,
    qty: Decimal,
    price: Decimal,
    signal_id: int,
) -> trades_db.Trade:
    price = paper_fill(ctx, row.symbol, price, side is PositionSide.LONG)
    state = open_position(row, float(price), side, strategy.policy)
    sl, tp = exchange_levels(strategy, state, ctx.info(row.symbol))
    fee = qty * price * ctx.fee_rate
    with ctx.tx() as conn:
        trade_id = trades_db.insert_trade(
            conn, ctx.account_id, strategy=strategy.id, symbol=row.symbol, side=side,
            status=TradeStatus.OPEN, qty=qty, leverage=dec(strategy.policy.leverage), stop_loss=sl,
            take_profit=tp, entry_price=price, fees=fee, is_shadow=True,
            opened_ms=ctx.close_ms, signal_id=signal_id,
        )  # fmt: skip
        save_position(conn, ctx.account_id, strategy.id, row.symbol, trade_id, state)
        ctx.alert(
            trade_alert(
                AlertKind.TRADE_OPENED, account_id=ctx.account_id, strategy=strategy.id,
                symbol=row.symbol, side=side.value, qty=qty, price=price, is_shadow=True,
                time_ms=ctx.close_ms, dedupe_key=f"trade:{trade_id}:opened",
            )
        )  # fmt: skip
        trade = trades_db.get_trade(conn, ctx.account_id, trade_id)
    ctx.report.opened.append(trade.as_dict())
    return trade


def book_paper_exits(
    ctx: Ctx,
    trade: trades_db.Trade,
    state: PositionState,
    actions: list[ExitAction],
    close_price: Decimal,
    levels: tuple[Decimal | None, Decimal | None],
) -> None:
    """Book the stepper's exits of a paper trade and store its new state (or close it)."""
    assert trade.entry_price is not None
    sign = 1 if trade.is_long else -1
    realized, fees = ZERO, ZERO
    for action in actions:
        price = (
            dec(action.price)
            if action.price is not None
            else paper_fill(ctx, trade.symbol, close_price, is_buy=not trade.is_long)
        )
        qty = trade.qty * dec(action.fraction)
        realized += sign * (price - trade.entry_price) * qty
        fees += qty * price * ctx.fee_rate
    with ctx.tx() as conn:
        if realized or fees:
            trades_db.book_partial(conn, trade.id, realized, fees)
        if state.is_open:
            trades_db.set_levels(conn, trade.id, *levels)
            save_position(conn, ctx.account_id, trade.strategy, trade.symbol, trade.id, state)
            return
        total = trade.realized_pnl + realized
        exit_price = trade.entry_price + sign * total / trade.qty if trade.qty else close_price
        trades_db.close_trade(
            conn, trade.id, exit_price=exit_price.quantize(Decimal("1e-12")),
            realized_pnl=total, fees=trade.fees + fees, exit_reason=str(actions[-1].reason),
            closed_ms=ctx.close_ms,
        )  # fmt: skip
        clear_position(conn, ctx.account_id, trade.strategy, trade.symbol, trade.id)
        closed = trades_db.get_trade(conn, ctx.account_id, trade.id)
        ctx.alert(closed_alert(ctx.account_id, closed))
    ctx.report.closed.append(closed.as_dict())
