"""`/api/portfolio/pause|resume|force-resume|flatten`: the portfolio-wide operator controls.

The same control code as a strategy's (`api.controls`), on the `portfolio` scope: a pause
halts every strategy, a flatten closes every live position of the account.
"""

from __future__ import annotations

from fastapi import APIRouter

from algotrading.api import controls
from algotrading.api.deps import Conn, Scoped
from algotrading.api.responses import SCOPED
from algotrading.api.runtimes import AccountRuntime, LibrarySettings
from algotrading.api.schemas.strategies import ControlOut, FlattenOut, PauseRequest, ReasonRequest
from algotrading.domain.breaker import Override
from algotrading.domain.scopes import PORTFOLIO

router = APIRouter(prefix="/api/portfolio", tags=["portfolio"], responses=SCOPED)


@router.post("/pause")
def pause(
    scope: Scoped, conn: Conn, settings: LibrarySettings, body: PauseRequest | None = None
) -> ControlOut:
    """Halt the portfolio: every strategy's new entries trade on paper until resumed."""
    reason = None if body is None else body.reason
    return controls.override(conn, scope, PORTFOLIO, Override.FORCE_PAUSE, reason, settings)


@router.post("/resume")
def resume(body: ReasonRequest, scope: Scoped, conn: Conn, settings: LibrarySettings) -> ControlOut:
    """Lift an operator's halt (409 when the breaker itself halted the portfolio)."""
    return controls.resume(conn, scope, PORTFOLIO, body.reason, settings)


@router.post("/force-resume")
def force_resume(
    body: ReasonRequest, scope: Scoped, conn: Conn, settings: LibrarySettings
) -> ControlOut:
    """Lift any halt (also the hard floor); the breaker is re-based to today's equity."""
    return controls.override(conn, scope, PORTFOLIO, Override.FORCE_RESUME, body.reason, settings)


@router.post("/flatten")
def flatten(
    body: ReasonRequest, scope: Scoped, settings: LibrarySettings, runtime: AccountRuntime
) -> FlattenOut:
    """Halt the portfolio, cancel every order, close every live position at market."""
    return controls.flatten_scope(scope, PORTFOLIO, body.reason, settings, runtime)
