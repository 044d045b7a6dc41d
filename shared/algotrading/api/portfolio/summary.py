"""The summary cards, the open positions and the allocation of one account.

Equity and drawdowns are the newest stored portfolio snapshot's (the figures `algo run
snapshot` prints and the equity job stores), never recomputed here; positions come from the
book's rules (`execution.book`), allocation from `execution.controls.list_strategies`, which is what
`algo strategies list` prints.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg

from algotrading.api.errors import conflict
from algotrading.api.schemas.portfolio import AllocationOut, PositionCounts, PositionOut, Summary
from algotrading.db.account_admin import get_account_detail
from algotrading.db.portfolio_config import MissingStartingCapital
from algotrading.db.snapshots import latest_snapshots, snapshot_before
from algotrading.db.strategy_state import load_positions
from algotrading.db.trades import active_trades
from algotrading.domain.breaker import BreakerStatus
from algotrading.domain.intervals import DAY_MS
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import ms_to_datetime
from algotrading.execution.book import open_quantity
from algotrading.execution.controls import list_strategies
from algotrading.settings import Settings


def open_positions(conn: psycopg.Connection, account_id: int) -> list[PositionOut]:
    """The book's active trades with their open quantity (`execution.book.open_quantity`: the
    entry quantity times what the policy left open), oldest first. Without marks, as the CLI
    reads the book; needs no starting capital."""
    states = load_positions(conn, account_id)
    trades = active_trades(conn, account_id)
    return [
        PositionOut(
            trade_id=t.id, strategy=t.strategy, symbol=t.symbol, side=t.side, status=t.status,
            qty=open_quantity(t, states.get((t.strategy, t.symbol)), {}),
            entry_price=t.entry_price, stop_loss=t.stop_loss, take_profit=t.take_profit,
            leverage=t.leverage, is_paper=t.is_shadow,
            opened_at=None if t.opened_ms is None else ms_to_datetime(t.opened_ms),
        )
        for t in trades
    ]  # fmt: skip


def _counts(positions: list[PositionOut]) -> PositionCounts:
    held = [p for p in positions if p.qty > 0]
    return PositionCounts(
        total=len(held), long=sum(1 for p in held if p.side == "long"),
        short=sum(1 for p in held if p.side == "short"), paper=sum(1 for p in held if p.is_paper),
    )  # fmt: skip


def summary(conn: psycopg.Connection, account_id: int, settings: Settings) -> Summary:
    capital = get_account_detail(conn, account_id).starting_capital
    latest = latest_snapshots(conn, account_id).get(PORTFOLIO)
    counts = _counts(open_positions(conn, account_id))
    halt = settings.portfolio_halt_pct
    if latest is None:
        return Summary(
            as_of=None, equity=None, starting_capital=capital, total_return_pct=None,
            today_pnl=None, real_drawdown_pct=None, breaker_drawdown_pct=None,
            halt_threshold_pct=halt, breaker_state=BreakerStatus.ACTIVE, positions=counts,
        )  # fmt: skip
    day_open = snapshot_before(conn, account_id, PORTFOLIO, latest.time_ms // DAY_MS * DAY_MS)
    gain = None if not capital else (latest.equity / capital - 1) * Decimal(100)
    return Summary(
        as_of=ms_to_datetime(latest.time_ms), equity=latest.equity, starting_capital=capital,
        total_return_pct=gain,
        today_pnl=None if day_open is None else latest.equity - day_open.equity,
        real_drawdown_pct=latest.real_drawdown_pct,
        breaker_drawdown_pct=latest.breaker_drawdown_pct, halt_threshold_pct=halt,
        breaker_state=latest.breaker_state, positions=counts,
    )  # fmt: skip


def allocation(conn: psycopg.Connection, account_id: int) -> list[AllocationOut]:
    """`algo strategies list` with each sleeve's newest equity; an account without a starting
    capital has no sleeves yet (409 naming the field)."""
    latest = latest_snapshots(conn, account_id)
    try:
        lines = list_strategies(conn, account_id)
    except MissingStartingCapital as exc:
        raise conflict(str(exc), "starting_capital") from None
    return [
        AllocationOut(
            strategy=line.strategy, enabled=line.enabled,
            allocation_pct=Decimal(line.allocation_pct), status=BreakerStatus(line.status),
            open_trades=line.open_trades, paper_trades=line.paper_trades,
            equity=latest[line.strategy].equity if line.strategy in latest else None,
        )
        for line in lines
    ]  # fmt: skip
