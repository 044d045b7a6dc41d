"""What `/api/strategies` reads and writes: each sleeve's line, state, overrides and signal log.

The figures come from the functions the CLI uses (`execution.controls.list_strategies` is
`algo strategies list`), so the dashboard and the terminal show one truth; this module only adds
what the CLI does not print (the parameters in force, the breaker detail, the latest metrics).
A configuration is checked by the strategy's own parameter model (`strategies.registry.
get_strategy`) before anything is stored, and every change is audited.
"""

from __future__ import annotations

import re
from decimal import Decimal

import psycopg

from algotrading.api.deps import AccountScope
from algotrading.api.errors import ApiError
from algotrading.api.schemas.strategies import (
    BreakerOut,
    ConfigUpdate,
    PerformanceOut,
    PositionStateOut,
    StrategyOut,
    StrategyStateOut,
)
from algotrading.db import trades as trades_db
from algotrading.db.audit import OperatorAction, record_action
from algotrading.db.performance import load_performance
from algotrading.db.portfolio_state import load_states
from algotrading.db.strategy_configs import load_strategy_configs, upsert_strategy_config
from algotrading.db.strategy_state import StoredPosition, load_positions
from algotrading.domain.breaker import BreakerState
from algotrading.domain.performance import Period
from algotrading.execution.controls import StrategyLine, list_strategies
from algotrading.strategies.params import StrategyConfigError
from algotrading.strategies.registry import get_strategy, sleeve_ids

_PARAMETER = re.compile(r"parameter '(\w+)'")


def _breaker(state: BreakerState | None) -> BreakerOut:
    if state is None:
        return BreakerOut(status="active")
    return BreakerOut(
        status=str(state.status), override=None if state.override is None else str(state.override),
        floored=state.floored, peak_equity=state.peak_equity, reason=state.reason,
        changed_ms=state.changed_ms, resumed_by=state.resumed_by,
        resumed_reason=state.resumed_reason, resumed_ms=state.resumed_ms,
    )  # fmt: skip


def _metrics(conn: psycopg.Connection, account_id: int, strategy: str) -> list[PerformanceOut]:
    """The newest row of each period the snapshot has written for the strategy."""
    found = []
    for period in Period:
        rows = load_performance(conn, account_id, strategy, period, limit=1)
        found += [
            PerformanceOut(**{k: getattr(r, k) for k in PerformanceOut.model_fields} | {
                "period": str(r.period)})
            for r in rows
        ]  # fmt: skip
    return found


def _out(
    conn: psycopg.Connection, account_id: int, line: StrategyLine, state: BreakerState | None
) -> StrategyOut:
    config = get_strategy(line.strategy, line.params).params.as_dict()
    symbols = None if line.symbols == "(default)" else line.symbols.split(",")
    return StrategyOut(
        id=line.strategy, enabled=line.enabled, allocation_pct=Decimal(line.allocation_pct),
        status=line.status, override=line.override, open_trades=line.open_trades,
        paper_trades=line.paper_trades, symbols=symbols, config=config,
        overrides=dict(line.params), breaker=_breaker(state),
        metrics=_metrics(conn, account_id, line.strategy),
    )  # fmt: skip


def strategies(conn: psycopg.Connection, account_id: int) -> list[StrategyOut]:
    """Every sleeve strategy of the account, in registration order."""
    states = load_states(conn, account_id)
    return [
        _out(conn, account_id, line, states.get(line.strategy))
        for line in list_strategies(conn, account_id)
    ]


def strategy(conn: psycopg.Connection, account_id: int, strategy_id: str) -> StrategyOut:
    return next(s for s in strategies(conn, account_id) if s.id == strategy_id)


def _position_out(p: StoredPosition) -> PositionStateOut:
    return PositionStateOut(
        symbol=p.symbol,
        trade_id=p.trade_id,
        position=None if p.position is None else p.position.as_dict(),
        pending=None if p.pending is None else dict(p.pending),
    )


def state(conn: psycopg.Connection, account_id: int, strategy_id: str) -> StrategyStateOut:
    """The strategy's line, the policy state of each of its positions and its open trades."""
    positions = [
        _position_out(p)
        for (owner, _), p in load_positions(conn, account_id).items()
        if owner == strategy_id
    ]
    trades = [
        t.as_dict() for t in trades_db.active_trades(conn, account_id) if t.strategy == strategy_id
    ]
    return StrategyStateOut(
        strategy=strategy(conn, account_id, strategy_id), positions=positions, open_trades=trades
    )


def _check(strategy_id: str, update: ConfigUpdate) -> None:
    """The strategy's own model decides; its message names the parameter (a 422)."""
    try:
        get_strategy(strategy_id, update.params)
    except StrategyConfigError as exc:
        named = _PARAMETER.search(str(exc))
        field = f"params.{named.group(1)}" if named else "params"
        raise ApiError(422, "validation_error", str(exc), field) from None


def update_config(
    conn: psycopg.Connection, scope: AccountScope, strategy_id: str, update: ConfigUpdate
) -> StrategyOut:
    """Replace the account's overrides of the strategy (the allocation share is kept)."""
    _check(strategy_id, update)
    account_id = scope.account_id
    before = load_strategy_configs(conn, account_id, known=sleeve_ids())[strategy_id]
    upsert_strategy_config(
        conn, account_id, strategy_id, params=update.params, symbols=update.symbols,
        enabled=update.enabled, known=sleeve_ids(),
    )  # fmt: skip
    detail = {
        "before": {"params": before.params or {}, "symbols": before.symbols,
                   "enabled": before.enabled},
        "after": update.model_dump(),
    }  # fmt: skip
    record_action(
        conn, account_id, OperatorAction.STRATEGY_CONFIG, strategy_id,
        actor=scope.principal.actor, reason=None, detail=detail, user_id=scope.principal.user.id,
    )  # fmt: skip
    return strategy(conn, account_id, strategy_id)
