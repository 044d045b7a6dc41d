"""The `backtest_runs` and `backtest_trades` tables: stored backtest runs (migration 005).

A run row keeps the parameters, the assumptions and the metrics as JSONB, with the daily equity
curve inside the metrics (`equity_daily`); the bar-by-bar curve stays in the run's JSON file and
report (a four-year 15m run has 140,000 points). One trade row per position: quantity, entry,
the quantity-weighted exit price of its exit legs, net PnL (None while still open at the end),
fees, funding and the exit reasons joined with "+" (`partial_take_profit+trailing_stop`).
`load_run` gives back the JSON schema of docs/BACKTESTING.md with that daily curve, the idle
reasons (kept inside the metrics JSONB, no migration needed) and the trades as stored (without
their exit legs).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.jsonsafe import plain
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime, ms_to_iso, parse_time

_TRADE_COLUMNS = (
    "run_id", "strategy", "symbol", "side", "qty", "entry_time", "entry_price", "exit_time",
    "exit_price", "pnl", "fees", "funding", "exit_reason",
)  # fmt: skip


class StoredRun(Protocol):
    """What every stored run has (`backtest_runs` columns and metrics JSON), single or portfolio;
    protocols so that storage never imports the backtest above it."""

    @property
    def run_id(self) -> str: ...

    @property
    def start_ms(self) -> int: ...

    @property
    def end_ms(self) -> int: ...

    @property
    def initial_capital(self) -> float: ...

    @property
    def assumptions(self) -> dict[str, Any]: ...

    @property
    def final_equity(self) -> float: ...

    def stored_metrics(self) -> dict[str, Any]: ...


class StrategyRun(StoredRun, Protocol):
    """A single-strategy run (`backtest.result.BacktestResult` is one)."""

    @property
    def strategy(self) -> str: ...

    @property
    def symbols(self) -> tuple[str, ...]: ...

    @property
    def params(self) -> dict[str, Any]: ...

    def trade_rows(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True, slots=True)
class RunSummary:
    """One line of `algo backtest list`."""

    run_id: str
    created_ms: int
    strategy: str | None
    symbols: tuple[str, ...]
    start_ms: int
    end_ms: int
    initial_capital: float
    final_equity: float | None
    total_return: float | None
    sharpe: float | None
    max_drawdown: float | None
    trades: int | None
    kind: str = "strategy"
    status: str = "done"


def insert_run(conn: psycopg.Connection, result: StrategyRun, user_id: int | None = None) -> str:
    """Store the run and its trades (COPY, fast for thousands); caller commits."""
    conn.execute(
        "INSERT INTO backtest_runs (id, user_id, kind, strategy, symbols, start_time, end_time,"
        " initial_capital, final_equity, params, assumptions, metrics, status)"
        " VALUES (%s, %s, 'strategy', %s, %s, %s, %s, %s, %s, %s, %s, %s, 'done')",
        (
            result.run_id, user_id, result.strategy, list(result.symbols),
            ms_to_datetime(result.start_ms), ms_to_datetime(result.end_ms),
            result.initial_capital, result.final_equity, Jsonb(plain(result.params)),
            Jsonb(plain(result.assumptions)), Jsonb(result.stored_metrics()),
        ),
    )  # fmt: skip
    with conn.cursor() as cur:
        copy_sql = f"COPY backtest_trades ({', '.join(_TRADE_COLUMNS)}) FROM STDIN"
        with cur.copy(copy_sql) as copy:
            for t in result.trade_rows():
                copy.write_row(_trade_values(result, t))
    return result.run_id


def _trade_values(result: StrategyRun, t: dict[str, Any]) -> tuple[Any, ...]:
    exit_time = None if t["exit_time"] is None else ms_to_datetime(parse_time(t["exit_time"]))
    exit_price = None if t["open"] else t["exit_price"]
    return (
        result.run_id, result.strategy, t["symbol"], t["side"], t["qty"],
        ms_to_datetime(parse_time(t["entry_time"])), t["entry_price"], exit_time, exit_price,
        t["pnl"], t["fees"], t["funding"], t["exit_reason"],
    )  # fmt: skip


def list_runs(conn: psycopg.Connection, limit: int = 50) -> list[RunSummary]:
    """The newest strategy runs first."""
    rows = conn.execute(
        "SELECT id, created_at, strategy, symbols, start_time, end_time, initial_capital,"
        " final_equity, metrics->'total_return', metrics->'sharpe', metrics->'max_drawdown',"
        " metrics->'trades' FROM backtest_runs WHERE kind = 'strategy'"
        " ORDER BY created_at DESC, id DESC LIMIT %s",
        (limit,),
    ).fetchall()
    return [_summary(r) for r in rows]


def list_runs_of_all_kinds(conn: psycopg.Connection, limit: int = 50) -> list[RunSummary]:
    """The newest runs first, single-strategy and portfolio alike (`kind` says which): what
    `algo backtest list` shows. A portfolio run has no `strategy`."""
    rows = conn.execute(
        "SELECT id, created_at, strategy, symbols, start_time, end_time, initial_capital,"
        " final_equity, metrics->'total_return', metrics->'sharpe', metrics->'max_drawdown',"
        " metrics->'trades', kind FROM backtest_runs ORDER BY created_at DESC, id DESC LIMIT %s",
        (limit,),
    ).fetchall()
    return [_summary(r[:-1], r[-1]) for r in rows]


def _summary(r: tuple[Any, ...], kind: str = "strategy") -> RunSummary:
    run_id, created, strategy, symbols, start, end, capital, final, ret, sharpe, dd, trades = r
    return RunSummary(
        run_id, datetime_to_ms(created), strategy, tuple(symbols), datetime_to_ms(start),
        datetime_to_ms(end), float(capital), None if final is None else float(final),
        _number(ret), _number(sharpe), _number(dd), None if trades is None else int(trades),
        kind,
    )  # fmt: skip


def load_run(
    conn: psycopg.Connection, run_id: str, *, schema: str, titles: Mapping[str, str]
) -> dict[str, Any] | None:
    """The stored run in the result schema (equity curve: daily closes), or None.

    `schema` (the result's schema name) and `titles` (strategy id -> title) come from the caller:
    both belong to the backtest and the strategies, above storage.
    """
    row = conn.execute(
        "SELECT id, created_at, kind, strategy, symbols, start_time, end_time, initial_capital,"
        " final_equity, params, assumptions, metrics FROM backtest_runs WHERE id = %s",
        (run_id,),
    ).fetchone()
    if row is None:
        return None
    rid, created, kind, strategy, symbols, start, end, capital, final, params, assume, metrics = row
    daily = metrics.pop("equity_daily", {"time_ms": [], "equity": []})
    idle = metrics.pop("idle", [])
    return {
        "schema": schema,
        "run_id": rid,
        "created": _iso(created),
        "kind": kind,
        "strategy": strategy,
        "title": titles.get(strategy or ""),
        "params": params,
        "symbols": list(symbols),
        "interval": assume.get("interval"),
        "start": _iso(start),
        "end": _iso(end),
        "initial_capital": float(capital),
        "final_equity": None if final is None else float(final),
        "assumptions": assume,
        "metrics": metrics,
        "idle": idle,
        "trades": load_trades(conn, run_id),
        "equity_curve": daily,
    }


def load_trades(conn: psycopg.Connection, run_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"SELECT {', '.join(_TRADE_COLUMNS[2:])} FROM backtest_trades WHERE run_id = %s"
        " ORDER BY entry_time, id",
        (run_id,),
    ).fetchall()
    names = _TRADE_COLUMNS[2:]
    out = []
    for r in rows:
        trade = dict(zip(names, r, strict=True))
        for key in ("entry_time", "exit_time"):
            trade[key] = None if trade[key] is None else _iso(trade[key])
        for key in ("qty", "entry_price", "exit_price", "pnl", "fees", "funding"):
            trade[key] = None if trade[key] is None else float(trade[key])
        out.append(trade)
    return out


def _iso(value: datetime) -> str:
    return ms_to_iso(datetime_to_ms(value))


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


_SUMMARY = (
    "SELECT id, created_at, strategy, symbols, start_time, end_time, initial_capital,"
    " final_equity, metrics->'total_return', metrics->'sharpe', metrics->'max_drawdown',"
    " metrics->'trades', kind, status FROM backtest_runs"
)


def page_runs(conn: psycopg.Connection, limit: int, offset: int) -> tuple[list[RunSummary], int]:
    """One page of runs of all kinds, newest first, with their status, and the total."""
    rows = conn.execute(
        _SUMMARY + " ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s", (limit, offset)
    ).fetchall()
    total = conn.execute("SELECT count(*) FROM backtest_runs").fetchone()
    runs = [replace(_summary(r[:-2], r[-2]), status=r[-1]) for r in rows]
    return runs, int(total[0]) if total else 0
