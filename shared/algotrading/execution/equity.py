"""The equity tracker: one snapshot of an account (docs/RISK.md, "Snapshots").

Values every open trade at the marks of the moment (exchange positions for live trades, the
ticker's mark for paper trades on symbols we do not hold live), evaluates the circuit breakers
on the sleeve ledger under the per-account breaker lock, writes the portfolio and sleeve rows of
`portfolio_snapshots`, stores the transitions' alerts, and refreshes `strategy_performance`
(daily, weekly, monthly and since-inception rows per scope, from the stored equity curve and the
closed live trades). One transaction; alerts are sent after it commits. A portfolio halt
carrying `close_positions` (ALGO_CLOSE_POSITIONS_ON_HALT) then closes every live position.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from algotrading.db import trades as trades_db
from algotrading.db.performance import upsert_performance
from algotrading.db.portfolio_state import load_states, save_states
from algotrading.db.snapshots import insert_snapshots, load_equity_curves
from algotrading.domain.breaker import BreakerThresholds
from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.positions import ExitReason
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.trades import TradeStatus
from algotrading.exchange.errors import ExchangeError
from algotrading.exchange.types import ExchangePosition
from algotrading.execution.book import Book, build_book
from algotrading.execution.context import Ctx
from algotrading.execution.exits import close_all_live
from algotrading.portfolio.performance import ClosedTrade, performance_rows
from algotrading.portfolio.snapshot import take_snapshot

JOB = "snapshot"


@dataclass(frozen=True, slots=True)
class Marks:
    prices: dict[str, Decimal]
    sizes: dict[str, Decimal]
    positions: dict[str, ExchangePosition]


def marks(ctx: Ctx) -> Marks:
    """Live positions' marks, and the ticker's mark for paper-only symbols.

    A failed ticker read raises like a failed position read: a paper trade without its mark
    would be valued at its entry (unrealized PnL 0), a wrong equity the breakers would act on,
    so the snapshot is skipped as incomplete and the next scheduled one values it.
    """
    positions = {p.symbol: p for p in ctx.exchange.get_positions()}
    prices = {s: p.mark_price for s, p in positions.items()}
    for trade in trades_db.active_trades(ctx.conn, ctx.account_id):
        if trade.symbol not in prices and trade.status is TradeStatus.OPEN:
            prices[trade.symbol] = ctx.exchange.get_ticker(trade.symbol).mark_price
    return Marks(prices, {s: p.size for s, p in positions.items()}, positions)


def take(ctx: Ctx, thresholds: BreakerThresholds) -> dict[str, Any]:
    """The snapshot at `ctx.close_ms` (the scheduled time); returns its JSON summary."""
    try:
        seen = marks(ctx)
    except ExchangeError as err:  # no snapshot without marks: a wrong drawdown trips breakers
        ctx.transient(f"snapshot: {type(err).__name__}: {err}")
        return {"error": str(err), "incomplete": True}
    ctx.positions = seen.positions
    book = build_book(ctx.conn, ctx.account_id, ctx.config, seen.prices, seen.sizes)
    with ctx.tx() as conn:
        states = load_states(conn, ctx.account_id, for_update=True)
        result = take_snapshot(book.ledger, states, thresholds, ctx.close_ms)
        known = book.ledger.allocation.known  # the registry's sleeves (`execution.service`)
        save_states(conn, ctx.account_id, result.states.values(), known=known)
        inserted = insert_snapshots(conn, ctx.account_id, result.rows, known=known)
        for event in result.alerts(ctx.account_id):
            ctx.alert(event)
        refreshed = _performance(ctx, book)
    closed = 0
    if any(t.close_positions for t in result.transitions):
        closed = close_all_live(ctx, list(book.trades), ExitReason.PORTFOLIO_HALT)
    safe: dict[str, Any] = json_safe(
        {
            "rows": [_row(r) for r in result.rows], "inserted": inserted,
            "transitions": [f"{t.scope}: {t.kind} ({t.reason})" for t in result.transitions],
            "performance_rows": refreshed, "closed_on_halt": closed,
        }
    )  # fmt: skip
    return safe


def _row(r: Any) -> dict[str, Any]:
    return {
        "scope": r.scope, "time_ms": r.time_ms, "equity": r.equity,
        "shadow_equity": r.shadow_equity, "real_peak": r.real_peak,
        "real_drawdown_pct": r.real_drawdown_pct, "breaker_reference": r.breaker_reference,
        "breaker_drawdown_pct": r.breaker_drawdown_pct, "realized_pnl": r.realized_pnl,
        "unrealized_pnl": r.unrealized_pnl, "funding_pnl": r.funding_pnl,
        "open_positions": r.open_positions, "breaker_state": r.breaker_state,
    }  # fmt: skip


def _performance(ctx: Ctx, book: Book) -> int:
    """Refresh the performance rows of the portfolio and of each strategy (caller's tx)."""
    closed = trades_db.list_trades(ctx.conn, ctx.account_id, closed_only=True)
    live = [t for t in closed if not t.is_shadow and t.closed_ms is not None]
    curves = load_equity_curves(ctx.conn, ctx.account_id, ctx.close_ms)
    empty = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))
    rows = []
    for scope in (PORTFOLIO, *book.ledger.allocation.strategies):
        times, equity = curves.get(scope, empty)
        if not len(times):
            continue
        trades = [
            ClosedTrade(int(t.closed_ms or 0), float(t.net_pnl))
            for t in live
            if scope == PORTFOLIO or t.strategy == scope
        ]
        rows.extend(performance_rows(scope, times, equity, trades, ctx.close_ms))
    return upsert_performance(ctx.conn, ctx.account_id, rows, known=book.ledger.allocation.known)
