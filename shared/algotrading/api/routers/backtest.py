"""`/api/backtest`: start a run (one strategy or the portfolio) in the background, list stored
runs, read one with its trades, and its HTML report. Backtests are research over market data,
not about an account: a signed-in caller sees every stored run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import FileResponse

from algotrading.api.backtest import runs
from algotrading.api.deps import Caller, Conn, PageQuery, Settings
from algotrading.api.market.data import Market
from algotrading.api.responses import SIGNED_IN, errors
from algotrading.api.schemas.backtest import (
    RUN_ID,
    BacktestCreate,
    BacktestDetail,
    BacktestStarted,
    BacktestSummary,
)
from algotrading.api.schemas.common import MAX_PAGE, Page
from algotrading.db.backtests import page_runs
from algotrading.db.connection import database_url

router = APIRouter(prefix="/api/backtest", tags=["backtest"], responses=SIGNED_IN)
ONE_RUN = errors(400, 401, 403, 404, 422, 503)
RunId = Annotated[
    str, Path(pattern=RUN_ID, description="The run's id", examples=["bt-20260401T120000Z-a1b2c3"])
]


@router.post("", status_code=202, responses=errors(400, 401, 403, 413, 422, 501, 503))
def start_backtest(
    body: BacktestCreate, caller: Caller, conn: Conn, market: Market, settings: Settings,
    request: Request,
) -> BacktestStarted:  # fmt: skip
    """Check the request, store the run as `running` and queue it; poll `GET /{run_id}`."""
    url = database_url(request.app.state.settings)
    run_id = runs.start(conn, body, market, settings, caller, url)
    return BacktestStarted(run_id=run_id, status="running")


@router.get("")
def list_backtests(caller: Caller, conn: Conn, page: PageQuery) -> Page[BacktestSummary]:
    """Stored runs of both kinds, newest first (as `algo backtest list`), with their status."""
    found, total = page_runs(conn, page.limit, page.offset)
    items = [runs.summary(r) for r in found]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/{run_id}", responses=ONE_RUN)
def get_backtest(
    run_id: RunId, caller: Caller, conn: Conn, settings: Settings,
    trade_limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    trade_offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> BacktestDetail:  # fmt: skip
    """The run's metrics, equity curve (daily) and a page of its trades."""
    return runs.detail(conn, run_id, settings, trade_limit, trade_offset)


@router.get(
    "/{run_id}/report", response_class=FileResponse,
    responses={**ONE_RUN, 200: {"content": {"text/html": {}}, "description": "The report"}},
)  # fmt: skip
def get_report(run_id: RunId, caller: Caller, settings: Settings) -> FileResponse:
    """The self-contained HTML report the run wrote."""
    return FileResponse(runs.report(settings, run_id), media_type="text/html")
