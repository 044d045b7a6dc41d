"""Operator controls of one account's breakers: list the strategies, pause and resume a scope.

Pausing is the scope breaker's `force_pause` (docs/RISK.md, "Operator overrides"): a strategy
keeps running on paper (its new entries become paper trades, its open live positions keep being
managed) and no drawdown recovery resumes it; the portfolio halts every strategy the same way.
`force_resume` brings the scope back with its breaker reference re-based; it needs an actor and
a reason, stored on the scope's breaker state (`resumed_by`, `resumed_reason`, `resumed_at`),
and it is the only way out of a hard-floor halt. Both run under the per-account breaker lock the
snapshot takes, store the transition's alert and the audit row (`db.audit`) in the same
transaction and send the alert after the commit. The equity the override reads is the realized
one (open positions at their entry price): the CLI does not reach the exchange, and the next
snapshot measures with marks. A flatten (`execution.flatten`) pauses through the same path.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.db.alerts import insert_alert, mark_delivered
from algotrading.db.audit import OperatorAction, record_action
from algotrading.db.portfolio_config import load_portfolio_config
from algotrading.db.portfolio_state import load_states, save_states
from algotrading.db.strategy_configs import load_strategy_configs
from algotrading.domain.breaker import BreakerThresholds, Override, Transition
from algotrading.domain.scopes import check_scope
from algotrading.execution.book import build_book
from algotrading.notify.base import Notifier
from algotrading.portfolio.breakers import (
    MissingOperator,
    apply_override,
    effective_status,
    initial_state,
    statuses,
    transition_alert,
)
from algotrading.strategies.registry import default_allocation, sleeve_ids


@dataclass(frozen=True, slots=True)
class StrategyLine:
    strategy: str
    enabled: bool
    allocation_pct: str
    status: str
    override: str | None
    open_trades: int
    paper_trades: int
    symbols: str
    params: dict[str, Any]


def list_strategies(conn: psycopg.Connection, account_id: int) -> list[StrategyLine]:
    """Each strategy of the account: configuration, effective breaker status, open trades."""
    configs = load_strategy_configs(conn, account_id, known=sleeve_ids())
    config = load_portfolio_config(conn, account_id, default_allocation=default_allocation())
    states = load_states(conn, account_id)
    status = statuses(states)
    book = build_book(conn, account_id, config, {}, {})
    lines = []
    for strategy, cfg in configs.items():
        trades = [t for t in book.trades if t.strategy == strategy]
        state = states.get(strategy)
        lines.append(
            StrategyLine(
                strategy, cfg.enabled, str(config.allocation.pct(strategy)),
                str(effective_status(status, strategy)),
                None if state is None or state.override is None else str(state.override),
                sum(1 for t in trades if not t.is_shadow), sum(1 for t in trades if t.is_shadow),
                ",".join(cfg.symbols) if cfg.symbols else "(default)", cfg.params or {},
            )
        )  # fmt: skip
    return lines


def override_scope(
    conn: psycopg.Connection,
    account_id: int,
    scope: str,
    override: Override | str,
    thresholds: BreakerThresholds,
    notifier: Notifier,
    *,
    by: int | None = None,
    note: str | None = None,
    actor: str | None = None,
    now_ms: int | None = None,
) -> list[Transition]:
    """Apply `force_pause` / `force_resume` to the portfolio or a strategy; returns the
    transition (none when it was already in force). Bad input (an unknown scope, a resume
    without an actor or a reason) raises before anything is read or written. The action is
    audited (`operator_actions`) in the transaction that changes the breaker, also when it
    changed nothing; the transition's alert is stored there too and sent after the commit."""
    check_scope(scope, sleeve_ids())
    override = Override(override)
    if override is Override.FORCE_RESUME:
        require_operator(f"a force-resume of {scope}", actor or by, note)
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    with conn.transaction():
        transitions = apply_scope_override(
            conn, account_id, scope, override, thresholds, now, by=by, note=note, actor=actor
        )
        action = OperatorAction.PAUSE if override is Override.FORCE_PAUSE else OperatorAction.RESUME
        record_action(
            conn, account_id, action, scope, actor=_text(actor), reason=_text(note),
            detail={"transitions": [transition_detail(t) for t in transitions]},
            user_id=by, time_ms=now,
        )  # fmt: skip
        stored = [(insert_alert(conn, transition_alert(t, account_id)), t) for t in transitions]
    delivered = [
        alert_id
        for alert_id, t in stored
        if alert_id is not None and notifier.send(transition_alert(t, account_id))
    ]
    if delivered:
        with conn.transaction():
            mark_delivered(conn, delivered)
    return transitions


def require_operator(what: str, actor: object, reason: str | None) -> None:
    """`MissingOperator` naming what is missing: an action that lifts a breaker or closes
    positions must say who and why."""
    who = actor.strip() if isinstance(actor, str) else actor
    missing = [n for n, v in (("an actor", who), ("a reason", (reason or "").strip())) if not v]
    if missing:
        raise MissingOperator(f"{what} needs {' and '.join(missing)}")


def apply_scope_override(
    conn: psycopg.Connection,
    account_id: int,
    scope: str,
    override: Override,
    thresholds: BreakerThresholds,
    now_ms: int,
    *,
    by: int | None = None,
    note: str | None = None,
    actor: str | None = None,
) -> list[Transition]:
    """Change the scope's stored breaker state under the account's breaker lock (the caller's
    transaction); the transitions, for the caller to alert and audit."""
    config = load_portfolio_config(conn, account_id, default_allocation=default_allocation())
    equity = build_book(conn, account_id, config, {}, {}).ledger.scope_equities()[scope]
    states = load_states(conn, account_id, for_update=True)
    state = states.get(scope) or initial_state(scope, equity)
    new, transitions = apply_override(
        state, override, equity, thresholds, now_ms, by=by, note=note, actor=actor
    )
    save_states(conn, account_id, [new], known=sleeve_ids())
    return transitions


def transition_detail(t: Transition) -> dict[str, Any]:
    """What the audit keeps of a breaker transition."""
    return {
        "scope": t.scope, "kind": t.kind.value, "from": t.old_status.value,
        "to": t.new_status.value, "equity": t.equity,
    }  # fmt: skip


def _text(value: str | None) -> str | None:
    return (value or "").strip() or None
