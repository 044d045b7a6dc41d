"""Stored portfolio runs: `backtest_runs` with kind 'portfolio' and their `backtest_trades`.

The run row keeps the portfolio metrics with, inside the metrics JSONB, each sleeve's metrics,
the correlation matrix, the correlated-drawdown episodes, the breaker transitions, the decisions,
the per-strategy summary, the idle reasons (which `load_run` returns as the run's `idle`)
and the daily closes of the portfolio and sleeve curves; the 15-minute curves stay in the JSON
file and the report. Paper (shadow) trades are not stored as trades: they never had money.
"""

from __future__ import annotations

from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb

from algotrading.db.backtests import StoredRun
from algotrading.domain.jsonsafe import plain
from algotrading.domain.timefmt import ms_to_datetime


class PortfolioRun(StoredRun, Protocol):
    """A portfolio run (`backtest.portfolio.result.PortfolioResult` is one)."""

    @property
    def allocation(self) -> dict[str, float]: ...

    @property
    def trades(self) -> list[dict[str, Any]]: ...


def insert_portfolio_run(
    conn: psycopg.Connection, result: PortfolioRun, user_id: int | None = None
) -> str:
    """Store the run and its live trades; the caller commits."""
    symbols = sorted({t["symbol"] for t in result.trades})
    conn.execute(
        "INSERT INTO backtest_runs (id, user_id, kind, strategy, symbols, start_time, end_time,"
        " initial_capital, final_equity, params, assumptions, metrics, status)"
        " VALUES (%s, %s, 'portfolio', NULL, %s, %s, %s, %s, %s, %s, %s, %s, 'done')",
        (
            result.run_id, user_id, symbols, ms_to_datetime(result.start_ms),
            ms_to_datetime(result.end_ms), result.initial_capital, result.final_equity,
            Jsonb(plain({"allocation": result.allocation})), Jsonb(plain(result.assumptions)),
            Jsonb(result.stored_metrics()),
        ),
    )  # fmt: skip
    with conn.cursor() as cur:
        copy_sql = (
            "COPY backtest_trades (run_id, strategy, symbol, side, qty, entry_time, entry_price,"
            " exit_time, exit_price, pnl, fees, funding, exit_reason) FROM STDIN"
        )
        with cur.copy(copy_sql) as copy:
            for t in result.trades:
                if not t["shadow"]:
                    copy.write_row(_trade_values(result.run_id, t))
    return result.run_id


def _trade_values(run_id: str, t: dict[str, Any]) -> tuple[Any, ...]:
    exit_time = None if t["exit_ms"] is None else ms_to_datetime(t["exit_ms"])
    return (
        run_id, t["strategy"], t["symbol"], t["side"], t["qty"], ms_to_datetime(t["entry_ms"]),
        t["entry_price"], exit_time, t["exit_price"], t["pnl"], t["fees"], t["funding"],
        t["exit_reason"],
    )  # fmt: skip
