"""A backtest asked for by the API, run in a local process pool: the use case behind
`POST /api/backtest` on one machine (in AWS the Step Functions path will take its place).

The API validates the request and stores the run's placeholder row (`db.backtest_jobs`), then
hands a `BacktestJob` to `submit`. A worker process runs the same engine the CLI runs
(`run_backtest` / `run_portfolio`), writes the HTML report to the reports folder, and replaces
the placeholder by the stored result in one transaction; any failure turns the row `failed`
with its message, so no run stays `running` because its work raised.

The report is written here, in the worker, and the plotting library is imported only inside
the worker's function: the API process that submits the job never loads it.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg

from algotrading.backtest.config import BacktestConfig
from algotrading.backtest.data import FileMarketData
from algotrading.backtest.engine import run_backtest
from algotrading.backtest.portfolio.config import PortfolioBacktestConfig
from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.portfolio.runner import run_portfolio
from algotrading.backtest.result import BacktestResult
from algotrading.db.backtest_jobs import drop_pending, mark_failed
from algotrading.db.backtests import insert_run
from algotrading.db.portfolio_backtests import insert_portfolio_run
from algotrading.logs import get_logger, redact
from algotrading.market.datafiles import DataSet

log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class BacktestJob:
    """One run, as validated by the caller; plain values, so it pickles to a worker."""

    run_id: str
    kind: str
    database_url: str
    report_path: str
    data_dirs: tuple[str, ...]
    strategy: str | None = None
    symbols: tuple[str, ...] | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    capital: float = 10_000.0
    params: dict[str, Any] = field(default_factory=dict)
    user_id: int | None = None


def _run(job: BacktestJob) -> BacktestResult | PortfolioResult:
    if job.kind == "portfolio":
        config = PortfolioBacktestConfig(
            data_dirs=job.data_dirs, start_ms=job.start_ms, end_ms=job.end_ms,
            capital=job.capital,
        )  # fmt: skip
        return run_portfolio(config, 1, run_id=job.run_id)
    single = BacktestConfig(
        strategy=job.strategy or "", params=job.params, symbols=job.symbols,
        start_ms=job.start_ms, end_ms=job.end_ms, capital=job.capital,
    )  # fmt: skip
    result = run_backtest(single, FileMarketData(DataSet(list(job.data_dirs))))
    return replace(result, run_id=job.run_id)


def _write_report(result: BacktestResult | PortfolioResult, path: Path) -> None:
    """The HTML report; the plotting library is imported here, in the worker, only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(result, PortfolioResult):
        from algotrading.backtest.portfolio_report import write_portfolio_report

        write_portfolio_report(result, path)
    else:
        from algotrading.backtest.report import write_report

        write_report(result, path)


def _store(job: BacktestJob, result: BacktestResult | PortfolioResult) -> None:
    with psycopg.connect(job.database_url) as conn:
        drop_pending(conn, job.run_id)
        if isinstance(result, PortfolioResult):
            insert_portfolio_run(conn, result, job.user_id)
        else:
            insert_run(conn, result, job.user_id)


def _fail(job: BacktestJob, message: str) -> None:
    with psycopg.connect(job.database_url) as conn:
        mark_failed(conn, job.run_id, message)


def execute(job: BacktestJob) -> str:
    """Run, report and store one job; its final status (`done` or `failed`)."""
    try:
        result = _run(job)
        _write_report(result, Path(job.report_path))
        _store(job, result)
    except Exception as exc:  # the row must end failed whatever the run raised
        message = redact(str(exc)) or type(exc).__name__
        log.warning("backtest %s failed: %s", job.run_id, message)
        _fail(job, message)
        return "failed"
    return "done"


_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def submit(job: BacktestJob, workers: int = 1) -> Future[str]:
    """Queue the job on this process's pool (started on first use, `spawn`ed workers: a fork
    would copy the API's open database connections)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            context = multiprocessing.get_context("spawn")
            _POOL = ProcessPoolExecutor(max_workers=workers, mp_context=context)
        return _POOL.submit(execute, job)
