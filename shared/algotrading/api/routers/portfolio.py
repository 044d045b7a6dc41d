"""`/api/portfolio`: one account's portfolio (`X-Trading-Account-Id`): summary cards, equity
curves, performance, open positions, allocation and circuit breakers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from algotrading.api.deps import Conn, PageQuery, Platform, Scoped
from algotrading.api.errors import bad_request, not_found
from algotrading.api.portfolio import breakers, curves, summary
from algotrading.api.responses import SCOPED
from algotrading.api.schemas.common import Page
from algotrading.api.schemas.portfolio import (
    AllocationOut,
    BreakerOut,
    CurveRange,
    EquityCurve,
    Performance,
    PositionOut,
    Summary,
)
from algotrading.strategies.registry import sleeve_ids

router = APIRouter(prefix="/api/portfolio", tags=["portfolio"], responses=SCOPED)
EARLIEST = datetime.fromisoformat("2015-01-01T00:00:00+00:00")
LATEST = datetime.fromisoformat("2100-01-01T00:00:00+00:00")
When = Annotated[
    datetime | None,
    Query(description="ISO 8601 with an offset (2025-10-01T00:00:00Z); overrides range"),
]
StrategyId = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$", examples=["momentum"])
]


def _bounded(value: datetime | None, field: str) -> datetime | None:
    """A time within sane bounds, with its offset (a naive time is ambiguous)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise bad_request(f"{field} needs a UTC offset (e.g. Z)", field)
    if not EARLIEST <= value <= LATEST:
        raise bad_request(f"{field} must lie between 2015 and 2100", field)
    return value


@router.get("/summary")
def get_summary(scope: Scoped, conn: Conn, settings: Platform) -> Summary:
    """Equity, today's PnL, drawdowns (real and breaker), open positions, breaker state."""
    return summary.summary(conn, scope.account_id, settings)


@router.get("/equity-curve")
def get_equity_curve(
    scope: Scoped, conn: Conn, range: CurveRange = CurveRange.ALL,
    start: When = None, end: When = None,
) -> EquityCurve:  # fmt: skip
    """The portfolio's equity and each strategy's, from the stored snapshots."""
    lo, hi = _bounded(start, "start"), _bounded(end, "end")
    return curves.equity_curve(conn, scope.account_id, range, lo, hi)


@router.get("/performance")
def get_performance(scope: Scoped, conn: Conn) -> Performance:
    """The portfolio's metrics: since inception, and the current day, week and month."""
    return curves.performance(conn, scope.account_id, "portfolio")


@router.get("/performance/{strategy}")
def get_strategy_performance(strategy: StrategyId, scope: Scoped, conn: Conn) -> Performance:
    """One strategy's metrics; an unknown strategy id is a 404."""
    if strategy not in sleeve_ids():
        raise not_found(f"strategy {strategy!r} does not exist (known: {', '.join(sleeve_ids())})")
    return curves.performance(conn, scope.account_id, strategy)


@router.get("/positions")
def get_positions(scope: Scoped, conn: Conn, page: PageQuery) -> Page[PositionOut]:
    """Open and pending trades of the book (live and paper) with their open quantity."""
    found = summary.open_positions(conn, scope.account_id)
    items = found[page.offset : page.offset + page.limit]
    return Page(items=items, total=len(found), limit=page.limit, offset=page.offset)


@router.get("/allocation")
def get_allocation(scope: Scoped, conn: Conn) -> list[AllocationOut]:
    """Each strategy's share of the capital, status and sleeve equity."""
    return summary.allocation(conn, scope.account_id)


@router.get("/breakers")
def get_breakers(scope: Scoped, conn: Conn, settings: Platform) -> list[BreakerOut]:
    """The portfolio's and each strategy's breaker: state, peaks, floor and drawdowns."""
    return breakers.breakers(conn, scope.account_id, settings)
