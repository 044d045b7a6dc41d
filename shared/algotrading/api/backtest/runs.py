"""Starting a run in the background and reading stored runs back.

A run is started through the jobs layer (`jobs.backtest_runs`): its placeholder row is committed
before the job is queued, so the worker that replaces it never races the request's transaction.
Stored runs are read with the functions `algo backtest list` and `algo backtest show` use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

from algotrading.api.backtest.requests import check
from algotrading.api.config import ApiSettings
from algotrading.api.deps import Principal
from algotrading.api.errors import ApiError, not_found
from algotrading.api.market.data import MarketData
from algotrading.api.schemas.backtest import (
    BacktestCreate,
    BacktestDetail,
    BacktestSummary,
    BacktestTrade,
)
from algotrading.api.schemas.common import Page
from algotrading.backtest.result import new_run_id
from algotrading.backtest.stored import load_stored_run
from algotrading.db.backtest_jobs import insert_pending, run_status
from algotrading.db.backtests import RunSummary
from algotrading.domain.timefmt import ms_to_iso
from algotrading.jobs.backtest_runs import BacktestJob, submit
from algotrading.logs import in_lambda


def report_path(settings: ApiSettings, run_id: str) -> Path:
    return settings.reports_dir / f"{run_id}.html"


def start(
    conn: psycopg.Connection, body: BacktestCreate, market: MarketData,
    settings: ApiSettings, caller: Principal, database_url: str,
) -> str:  # fmt: skip
    """Check, store the placeholder, commit, queue; the run's id."""
    if in_lambda():
        raise ApiError(
            501, "not_implemented",
            "backtests cannot be started in this deployment yet: run them with"
            " `algo backtest` on one machine until the Step Functions path is added",
        )  # fmt: skip
    run = check(body, market)
    run_id = new_run_id()
    insert_pending(
        conn, run_id, kind=run.kind, strategy=run.strategy, symbols=run.symbols or (),
        start_ms=run.span[0], end_ms=run.span[1], capital=body.capital, params=run.params,
        user_id=caller.user.id,
    )  # fmt: skip
    conn.commit()
    submit(
        BacktestJob(
            run_id=run_id, kind=run.kind, database_url=database_url,
            report_path=str(report_path(settings, run_id).resolve()),
            data_dirs=tuple(str(d) for d in market.dataset.dirs), strategy=run.strategy,
            symbols=run.symbols, start_ms=body.start, end_ms=body.end, capital=body.capital,
            params=run.params, user_id=caller.user.id,
        ),
        settings.backtest_workers,
    )  # fmt: skip
    return run_id


def summary(r: RunSummary) -> BacktestSummary:
    return BacktestSummary(
        run_id=r.run_id, kind=r.kind, status=r.status, created=ms_to_iso(r.created_ms),  # type: ignore[arg-type]
        strategy=r.strategy, symbols=list(r.symbols), start=ms_to_iso(r.start_ms),
        end=ms_to_iso(r.end_ms), initial_capital=r.initial_capital, final_equity=r.final_equity,
        total_return=r.total_return, sharpe=r.sharpe, max_drawdown=r.max_drawdown,
        trades=r.trades,
    )  # fmt: skip


def detail(
    conn: psycopg.Connection, run_id: str, settings: ApiSettings, limit: int, offset: int
) -> BacktestDetail:
    """The stored run as `algo backtest show --json` prints it, its trades paged."""
    stored: dict[str, Any] | None = load_stored_run(conn, run_id)
    status = run_status(conn, run_id)
    if stored is None or status is None:
        raise not_found(f"backtest run {run_id} does not exist")
    trades = stored.pop("trades")
    error = stored["metrics"].pop("error", None) if status == "failed" else None
    page = Page[BacktestTrade](
        items=[BacktestTrade(**t) for t in trades[offset : offset + limit]],
        total=len(trades), limit=limit, offset=offset,
    )  # fmt: skip
    fields = {k: v for k, v in stored.items() if k in BacktestDetail.model_fields}
    return BacktestDetail.model_validate({
        **fields, "status": status, "error": error, "trades": page,
        "report_available": report_path(settings, run_id).is_file(),
    })  # fmt: skip


def report(settings: ApiSettings, run_id: str) -> Path:
    path = report_path(settings, run_id)
    if not path.is_file():
        raise not_found(f"backtest run {run_id} has no report (still running, failed, or not"
                        " started from the API)")  # fmt: skip
    return path
