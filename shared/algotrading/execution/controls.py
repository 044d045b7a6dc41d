"""Operator controls of one account's strategies: list them, pause and resume them.

Pausing is the strategy breaker's `force_pause` (docs/RISK.md, "Operator overrides"): the
strategy keeps running on paper (its new entries become paper trades, its open live positions
keep being managed) and no drawdown recovery resumes it; `force_resume` brings it back with its
peak re-based. Both run under the per-account breaker lock the snapshot takes, store the
transition's alert in the same transaction and send it after the commit. The equity the override
reads is the realized one (open positions at their entry price): the CLI does not reach the
exchange, and the next snapshot measures with marks.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.db.alerts import insert_alert, mark_delivered
from algotrading.db.portfolio_config import load_portfolio_config
from algotrading.db.portfolio_state import load_states, save_states
from algotrading.db.strategy_configs import load_strategy_configs
from algotrading.execution.book import build_book
from algotrading.notify.base import Notifier
from algotrading.portfolio.allocation import PORTFOLIO, check_strategy
from algotrading.portfolio.breakers import (
    BreakerThresholds,
    Override,
    Transition,
    apply_override,
    effective_status,
    initial_state,
    statuses,
    transition_alert,
)
from algotrading.strategies.registry import sleeve_ids


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
    configs = load_strategy_configs(conn, account_id)
    config = load_portfolio_config(conn, account_id)
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


def override_strategy(
    conn: psycopg.Connection,
    account_id: int,
    strategy: str,
    override: Override | str,
    thresholds: BreakerThresholds,
    notifier: Notifier,
    *,
    by: int | None = None,
    note: str | None = None,
    now_ms: int | None = None,
) -> list[Transition]:
    """Apply `force_pause` / `force_resume` to a strategy (not the portfolio); returns the
    transition (none when it was already in force)."""
    check_strategy(strategy, sleeve_ids())
    if strategy == PORTFOLIO:
        raise ValueError("the portfolio is not a strategy")
    now = now_ms if now_ms is not None else time.time_ns() // 1_000_000
    config = load_portfolio_config(conn, account_id)
    equity = build_book(conn, account_id, config, {}, {}).ledger.scope_equities()[strategy]
    with conn.transaction():
        states = load_states(conn, account_id, for_update=True)
        state = states.get(strategy) or initial_state(strategy, equity)
        new, transitions = apply_override(
            state, override, equity, thresholds, now, by=by, note=note
        )
        save_states(conn, account_id, [new])
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
