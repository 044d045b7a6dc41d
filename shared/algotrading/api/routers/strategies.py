"""`/api/strategies`: an account's strategies; their state, configuration, controls and signals."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from algotrading.api import controls
from algotrading.api import strategies as logic
from algotrading.api.deps import Conn, PageQuery, Scoped
from algotrading.api.instruments import KnownInstruments
from algotrading.api.responses import SCOPED
from algotrading.api.runtimes import AccountRuntime, LibrarySettings
from algotrading.api.schemas.common import Page
from algotrading.api.schemas.strategies import (
    SYMBOL_PATTERN,
    ConfigUpdate,
    ControlOut,
    FlattenOut,
    PauseRequest,
    ReasonRequest,
    SignalOut,
    SleeveId,
    StrategyOut,
    StrategyStateOut,
)
from algotrading.db.signals import page_signals
from algotrading.domain.breaker import Override

router = APIRouter(prefix="/api/strategies", tags=["strategies"], responses=SCOPED)
StrategyPath = Annotated[SleeveId, Path(description="The strategy's id")]


@router.get("")
def list_strategies(scope: Scoped, conn: Conn, page: PageQuery) -> Page[StrategyOut]:
    """Each strategy: status, breaker, parameters in force, open trades, latest metrics."""
    found = logic.strategies(conn, scope.account_id)
    items = found[page.offset : page.offset + page.limit]
    return Page(items=items, total=len(found), limit=page.limit, offset=page.offset)


@router.get("/{strategy_id}/state")
def strategy_state(strategy_id: StrategyPath, scope: Scoped, conn: Conn) -> StrategyStateOut:
    """The strategy, its breaker, the policy state of its positions and its open trades."""
    return logic.state(conn, scope.account_id, strategy_id.value)


@router.put("/{strategy_id}/config")
def update_config(
    strategy_id: StrategyPath, body: ConfigUpdate, scope: Scoped, conn: Conn,
    known: KnownInstruments,
) -> StrategyOut:  # fmt: skip
    """Replace the account's overrides; checked by the strategy's parameter model (422) and
    the known instruments (400 naming `symbols`)."""
    known.check(body.symbols or (), "symbols")
    return logic.update_config(conn, scope, strategy_id.value, body)


@router.post("/{strategy_id}/pause")
def pause(
    strategy_id: StrategyPath, scope: Scoped, conn: Conn, settings: LibrarySettings,
    body: PauseRequest | None = None,
) -> ControlOut:  # fmt: skip
    """New entries trade on paper until resumed (the breaker's force_pause)."""
    reason = None if body is None else body.reason
    return controls.override(conn, scope, strategy_id.value, Override.FORCE_PAUSE, reason, settings)


@router.post("/{strategy_id}/resume")
def resume(
    strategy_id: StrategyPath, body: ReasonRequest, scope: Scoped, conn: Conn,
    settings: LibrarySettings,
) -> ControlOut:  # fmt: skip
    """Lift an operator's pause (409 when the breaker itself suspended the strategy)."""
    return controls.resume(conn, scope, strategy_id.value, body.reason, settings)


@router.post("/{strategy_id}/force-resume")
def force_resume(
    strategy_id: StrategyPath, body: ReasonRequest, scope: Scoped, conn: Conn,
    settings: LibrarySettings,
) -> ControlOut:  # fmt: skip
    """Lift any suspension (also a hard-floor halt); the breaker is re-based."""
    target = strategy_id.value
    return controls.override(conn, scope, target, Override.FORCE_RESUME, body.reason, settings)


@router.post("/{strategy_id}/flatten")
def flatten(
    strategy_id: StrategyPath, body: ReasonRequest, scope: Scoped, settings: LibrarySettings,
    runtime: AccountRuntime,
) -> FlattenOut:  # fmt: skip
    """Halt the strategy, cancel its orders, close its live positions at market."""
    return controls.flatten_scope(scope, strategy_id.value, body.reason, settings, runtime)


@router.get("/{strategy_id}/signals")
def signals(
    strategy_id: StrategyPath, scope: Scoped, conn: Conn, page: PageQuery,
    symbol: Annotated[str | None, Query(pattern=SYMBOL_PATTERN, examples=["BTCUSDT"])] = None,
) -> Page[SignalOut]:  # fmt: skip
    """The strategy's decisions, newest bar first (optionally of one symbol)."""
    found, total = page_signals(
        conn, scope.account_id, strategy_id.value, symbol=symbol, limit=page.limit,
        offset=page.offset,
    )  # fmt: skip
    items = [SignalOut(**r.as_dict()) for r in found]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
