"""Flatten a scope: halt it, cancel its open orders, close its live positions at market.

The operator's "get me out" (docs/RISK.md, "Operator controls"): a force-pause only stops new
entries, a flatten also ends the exposure the scope already has. For a strategy it touches that
strategy's orders and trades only; for `portfolio` every strategy of the account. In order:

1. the scope is force-paused (the portfolio halted) first, so nothing re-enters meanwhile; the
   run also holds the account's trading lock, so no evaluation interleaves;
2. the scope's open orders at the exchange (recognised by their link id's strategy prefix:
   resting partial take-profits, an entry whose fill is not known) are cancelled;
3. each open live trade is closed with a reduce-only market order through the executor's exit
   path (`exits.market_exit`, intent `flatten`): booked like any exit, exit reason `flatten`,
   and its stop-loss goes with the position. Paper trades are not touched (no money rides on
   them); a trade whose symbol has no exchange position is left to the reconciliation;
4. one `operator_actions` row records who, why, and what was done or failed, and one alert
   (`operator_action`, carrying the breaker transition) is raised when something changed.

It is idempotent: a second flatten with nothing open finds the scope paused, no order and no
position, records its row and does nothing else. If it stops half-way (an exchange error), the
scope is already halted; running it again finishes the job. Bad input (an unknown scope or
account, no actor or no reason) is refused before anything is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import psycopg

from algotrading.db.audit import OperatorAction, record_action
from algotrading.db.evaluations import lock_job, unlock_job
from algotrading.db.orders import get_by_link
from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.domain.breaker import Override, Transition
from algotrading.domain.positions import ExitReason
from algotrading.domain.scopes import PORTFOLIO, check_scope
from algotrading.domain.trades import TradeStatus
from algotrading.exchange.errors import ExchangeError
from algotrading.execution import pipeline, resting
from algotrading.execution.book import build_book
from algotrading.execution.context import Ctx
from algotrading.execution.controls import (
    apply_scope_override,
    require_operator,
    transition_detail,
)
from algotrading.execution.exits import market_exit
from algotrading.execution.order_ids import INTENT_CODES, link_prefix
from algotrading.execution.runtime import Runtime
from algotrading.execution.service import account_context, autocommit_connection
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.risk.sizing import ZERO
from algotrading.settings import Settings, get_settings
from algotrading.strategies.registry import sleeve_ids


@dataclass
class FlattenResult:
    """What one flatten did: JSON-ready through `as_dict`, stored as the audit row's detail."""

    account_id: int
    scope: str
    strategies: tuple[str, ...]
    transitions: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    audit_id: int | None = None

    @property
    def changed(self) -> bool:
        return bool(self.transitions or self.cancelled or self.closed)

    def as_dict(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id, "scope": self.scope,
            "strategies": list(self.strategies), "transitions": self.transitions,
            "cancelled_orders": self.cancelled, "closed_trades": self.closed,
            "errors": self.errors, "audit_id": self.audit_id,
        }  # fmt: skip


def flatten(
    account_id: int,
    scope: str,
    *,
    actor: str | None,
    reason: str | None,
    settings: Settings | None = None,
    conn: psycopg.Connection | None = None,
    runtime: Runtime | None = None,
    now_ms: int | None = None,
) -> FlattenResult:
    """Halt `scope` of the account, cancel its orders, close its live positions; audited."""
    check_scope(scope, sleeve_ids())
    require_operator(f"a flatten of {scope}", actor, reason)
    settings = settings or get_settings()
    runtime = runtime or Runtime()
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    with autocommit_connection(conn, settings) as db:
        ctx = account_context(db, account_id, now, settings, runtime)
        lock_job(db, account_id, pipeline.JOB, runtime.lock_timeout_s)
        try:
            return _flatten(ctx, scope, str(actor).strip(), str(reason).strip(), settings)
        finally:
            if not db.closed:
                unlock_job(db, account_id, pipeline.JOB)


def _flatten(ctx: Ctx, scope: str, actor: str, reason: str, settings: Settings) -> FlattenResult:
    strategies = tuple(sleeve_ids()) if scope == PORTFOLIO else (scope,)
    result = FlattenResult(ctx.account_id, scope, strategies)
    thresholds = thresholds_from_settings(settings)
    with ctx.tx() as conn:
        transitions = apply_scope_override(
            conn, ctx.account_id, scope, Override.FORCE_PAUSE, thresholds, ctx.close_ms,
            note=reason, actor=actor,
        )  # fmt: skip
    result.transitions = [transition_detail(t) for t in transitions]
    result.cancelled = _cancel_orders(ctx, strategies)
    result.closed = _close_positions(ctx, strategies)
    result.errors = list(ctx.report.errors)
    with ctx.tx() as conn:
        result.audit_id = record_action(
            conn, ctx.account_id, OperatorAction.FLATTEN, scope, actor=actor, reason=reason,
            detail=result.as_dict(), time_ms=ctx.close_ms,
        )  # fmt: skip
        if result.changed:
            ctx.alert(_alert(result, actor, reason, transitions, ctx.close_ms))
    return result


def _cancel_orders(ctx: Ctx, strategies: tuple[str, ...]) -> list[str]:
    """Cancel every open exchange order of the strategies; their link ids. An order the
    executor stored is cancelled through the resting-order path (its row follows)."""
    prefixes = tuple(link_prefix(s, intent) for s in strategies for intent in INTENT_CODES)
    try:
        orders = ctx.exchange.get_open_orders()
    except ExchangeError as err:
        ctx.report.errors.append(f"open orders: {type(err).__name__}: {err}")
        return []
    cancelled = []
    for order in orders:
        link = order.order_link_id or ""
        if not link.startswith(prefixes):
            continue
        row = get_by_link(ctx.conn, ctx.account_id, link)
        if row is not None:
            resting.cancel(ctx, row)
        else:
            try:
                ctx.exchange.cancel_order(order.symbol, order_link_id=link)
            except ExchangeError as err:
                ctx.report.errors.append(f"{order.symbol} cancel {link}: {err}")
                continue
        cancelled.append(link)
    return cancelled


def _close_positions(ctx: Ctx, strategies: tuple[str, ...]) -> list[int]:
    """Close each open live trade of the strategies at market; the ids of those closed."""
    try:
        ctx.positions = {p.symbol: p for p in ctx.exchange.get_positions()}
    except ExchangeError as err:
        ctx.report.errors.append(f"positions: {type(err).__name__}: {err}")
        return []
    sizes = {symbol: p.size for symbol, p in ctx.positions.items()}
    book = build_book(ctx.conn, ctx.account_id, ctx.config, {}, sizes)
    closed = []
    for trade in book.trades:
        if trade.strategy not in strategies or trade.is_shadow:
            continue
        if trade.status is not TradeStatus.OPEN:
            continue
        position = ctx.positions.get(trade.symbol)
        if position is None or position.size <= ZERO:
            ctx.report.errors.append(
                f"{trade.strategy} {trade.symbol}: no exchange position; left to reconciliation"
            )
            continue
        qty = min(book.open_qty.get(trade.id, trade.qty), position.size)
        if market_exit(
            ctx, trade, qty=qty, open_qty=qty, reason=ExitReason.FLATTEN, intent="flatten"
        ):
            closed.append(trade.id)
    return closed


def _alert(
    result: FlattenResult, actor: str, reason: str, transitions: list[Transition], now_ms: int
) -> AlertEvent:
    halted = f"; {result.scope} halted" if transitions else ""
    message = (
        f"{actor} flattened {result.scope}: {len(result.closed)} position(s) closed,"
        f" {len(result.cancelled)} order(s) cancelled{halted} ({reason})"
    )
    if result.errors:
        message += f"; {len(result.errors)} problem(s), see the audit"
    return AlertEvent(
        kind=AlertKind.OPERATOR_ACTION, level=AlertLevel.WARNING, message=message,
        account_id=result.account_id, details=result.as_dict() | {"actor": actor, "reason": reason},
        time_ms=now_ms,
    )  # fmt: skip
