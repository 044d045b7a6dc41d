"""`algo backtest`: run a strategy over the data files, list and show stored runs."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from algotrading.backtest import (
    BacktestConfig,
    BacktestResult,
    BacktestSizing,
    FileMarketData,
    SizingMode,
    progress_steps,
    run_backtest,
)
from algotrading.backtest.data import symbols_in_data
from algotrading.backtest.idle import IdleReason, idle_lines
from algotrading.backtest.metrics import SUMMARY_METRICS, format_metric, metric_text
from algotrading.backtest.report import write_report
from algotrading.backtest.stored import load_stored_run
from algotrading.cli.data import data_dir_option, open_dataset
from algotrading.cli.market import json_option, number_columns, user_errors
from algotrading.cli.numbers import count, money_cell, step_cell
from algotrading.cli.output import deliver, json_flag, out_option, print_json, print_table, say
from algotrading.cli.preflight import check_database, check_outputs
from algotrading.cli.presentation import with_iso_times
from algotrading.cli.progress import progress
from algotrading.db.backtests import insert_run, list_runs_of_all_kinds
from algotrading.db.connection import connection
from algotrading.domain.timefmt import ms_to_iso, parse_time
from algotrading.errors import AppError
from algotrading.market.datafiles import DataSet
from algotrading.market.instruments import Filters, data_filters
from algotrading.strategies.base import Strategy
from algotrading.strategies.registry import get_strategy


@click.group()
def backtest() -> None:
    """Backtests: one strategy over history, with the live strategy code and fill model."""


@backtest.command("run")
@click.option("--strategy", "strategy_name", required=True, help="Strategy id (algo strategies).")
@click.option("--symbols", help="Comma-separated symbols; default: the strategy's.")
@click.option("--start", help="Start (ISO 8601, UTC); default: the first settled bar.")
@click.option("--end", help="End (ISO 8601, UTC); default: the end of the data.")
@data_dir_option
@click.option("--param", "params", multiple=True, metavar="KEY=VALUE",
              help="Strategy parameter override (JSON value); repeatable.")  # fmt: skip
@click.option("--capital", type=float, default=10_000.0, show_default=True, help="USDT.")
@click.option("--fee-bps", type=float, default=5.5, show_default=True, help="Taker fee.")
@click.option("--slippage-bps", type=float, default=2.0, show_default=True)
@click.option("--risk-pct", type=float, help="Size by risk: % of equity lost at the stop.")
@click.option("--units", type=float, help="Size every entry at this fixed quantity.")
@out_option("Write the full result (schema: docs/BACKTESTING.md) to this file.")
@json_flag
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a self-contained HTML report to this file.")  # fmt: skip
@click.option("--no-store", is_flag=True, help="Do not store the run in the database.")
def run(
    strategy_name: str,
    symbols: str | None,
    start: str | None,
    end: str | None,
    data_dirs: tuple[Path, ...],
    params: tuple[str, ...],
    capital: float,
    fee_bps: float,
    slippage_bps: float,
    risk_pct: float | None,
    units: float | None,
    out_path: Path | None,
    as_json: bool,
    report_path: Path | None,
    no_store: bool,
) -> None:
    """Run STRATEGY over its symbols and a span of the data files; store and summarize it."""
    with user_errors():
        check_outputs(out=out_path, report=report_path)
        if not no_store:
            check_database()
        overrides = parse_params(params)
        strategy = get_strategy(strategy_name, overrides)
        dataset = open_dataset(data_dirs)
        chosen, missing = _symbols(symbols, strategy, dataset)
        config = BacktestConfig(
            strategy=strategy.id,
            params=overrides,
            symbols=chosen,
            start_ms=None if start is None else parse_time(start),
            end_ms=None if end is None else parse_time(end),
            capital=capital,
            fee_rate=fee_bps / 10_000.0,
            slippage_bps=slippage_bps,
            sizing=_sizing(risk_pct, units),
        )
        result = _run_with_progress(config, FileMarketData(dataset), progress_steps(len(chosen)))
    _note_left_out(strategy.id, missing)
    _outputs(result, as_json, out_path, report_path)
    if not no_store:
        with connection() as conn:
            insert_run(conn, result)
            conn.commit()
        say(f"stored as {result.run_id}", as_json)


def _outputs(
    result: BacktestResult, as_json: bool, out_path: Path | None, report_path: Path | None
) -> None:
    """The summary for people (left out under `--json`: stdout is the JSON), the result JSON
    (`--json`, `--out`) and the HTML report."""
    if not as_json:
        _summary(result)
    if out_path is not None or as_json:
        deliver(json.dumps(with_iso_times(result.to_json())), as_json, out_path)
    if report_path is not None:
        write_report(result, report_path)
        say(f"report written to {report_path}", as_json)


def _symbols(
    given: str | None, strategy: Strategy[Any], dataset: DataSet
) -> tuple[tuple[str, ...], list[str]]:
    """(symbols to run, default symbols left out). `--symbols` as given: a name the data lacks
    is a typo, refused by the engine. The strategy's defaults are wider than any one data set:
    they are cut to the ones the data has, as the portfolio backtest cuts them
    (`symbols_in_data`). None of them in the data: nothing to run."""
    if given is not None:
        return tuple(given.split(",")), []
    wanted = strategy.default_symbols
    have = symbols_in_data(wanted, dataset)
    if not have:
        dirs = ", ".join(str(d) for d in dataset.dirs)
        raise AppError(f"none of {strategy.id}'s symbols ({', '.join(wanted)}) is in the "
                       f"data ({dirs}): choose some with --symbols")  # fmt: skip
    return tuple(have), [s for s in wanted if s not in have]


def _note_left_out(strategy: str, missing: list[str]) -> None:
    """One line on stderr naming the default symbols the data lacks: a note, not an error, so
    printed once the run has succeeded (a failing run's stderr stays its one error line)."""
    if missing:
        click.echo(f"note: {strategy}: not in the data, left out: {', '.join(missing)}", err=True)


def _run_with_progress(
    config: BacktestConfig, market: FileMarketData, steps: int
) -> BacktestResult:
    """A progress bar on a terminal (stderr, `cli.progress`); nothing when stderr is a pipe or
    a file: a single-strategy run takes seconds, and its stderr stays the one line a script
    reads (a warm-up error is found mid-run)."""
    if not sys.stderr.isatty():
        return run_backtest(config, market)
    with progress("backtest", steps, "step", show_pos=False) as advance:
        return run_backtest(config, market, progress=lambda _: advance(1))


def parse_params(items: tuple[str, ...]) -> dict[str, Any]:
    """KEY=VALUE pairs; the value is read as JSON (2, 2.5, true, "x"), else as a string."""
    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise AppError(f"--param must be KEY=VALUE, got {item!r}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        out[key.strip()] = value
    return out


def _sizing(risk_pct: float | None, units: float | None) -> BacktestSizing | None:
    if risk_pct is not None and units is not None:
        raise AppError("choose one of --risk-pct and --units")
    if risk_pct is not None:
        return BacktestSizing(SizingMode.RISK, risk_pct=risk_pct)
    if units is not None:
        return BacktestSizing(SizingMode.UNITS, units=units)
    return None


def _summary(result: BacktestResult) -> None:
    click.echo(
        f"{result.run_id}  {result.strategy}  {', '.join(result.symbols)}  {result.interval}  "
        f"{ms_to_iso(result.start_ms)} .. {ms_to_iso(result.end_ms)}"
    )
    metrics_table(result.metrics)
    print_idle(result.idle)


def print_idle(reasons: Sequence[IdleReason]) -> None:
    """After the table, each idle strategy and symbol with its reason (`idle.idle_lines`);
    nothing when every symbol ran."""
    lines = idle_lines(reasons)
    if lines:
        click.echo(f"\nidle ({len(reasons)}):")
        for line in lines:
            click.echo(line)


def metrics_table(metrics: dict[str, Any]) -> None:
    """Run metrics, and one column per symbol when there are several."""
    per_symbol = metrics.get("per_symbol") or {}
    print_metric_columns({"run": metrics, **(per_symbol if len(per_symbol) > 1 else {})})


def print_metric_columns(columns: dict[str, dict[str, Any]]) -> None:
    """The summary metrics as rows, one column per run, symbol or sleeve."""
    rows = [[key, *(metric_text(key, m) for m in columns.values())] for key in SUMMARY_METRICS]
    print_table(["metric", *columns], rows)


@backtest.command("list")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@json_option
def list_command(limit: int, as_json: bool) -> None:
    """Stored runs, single-strategy and portfolio, newest first."""
    with connection() as conn:
        runs = list_runs_of_all_kinds(conn, limit)
    if as_json:
        print_json([_run_dict(r) for r in runs])
        return
    rows = [
        [r.run_id, r.kind, ms_to_iso(r.created_ms), r.strategy, _symbols_cell(r.symbols),
         ms_to_iso(r.start_ms), ms_to_iso(r.end_ms), format_metric("total_return", r.total_return),
         format_metric("sharpe", r.sharpe), format_metric("max_drawdown", r.max_drawdown), r.trades]
        for r in runs
    ]  # fmt: skip
    print_table(("id", "kind", "created", "strategy", "symbols", "start", "end", "return",
                 "sharpe", "max dd", "trades"), rows)  # fmt: skip


def _symbols_cell(symbols: Sequence[str], shown: int = 4) -> str:
    """A portfolio run trades many symbols: the first few and how many more, so the table stays
    one line a run."""
    if len(symbols) <= shown:
        return ",".join(symbols)
    return f"{','.join(symbols[:shown])} +{len(symbols) - shown}"


def _run_dict(r: Any) -> dict[str, Any]:
    return {
        "run_id": r.run_id, "kind": r.kind, "created": ms_to_iso(r.created_ms),
        "strategy": r.strategy,
        "symbols": list(r.symbols), "start": ms_to_iso(r.start_ms), "end": ms_to_iso(r.end_ms),
        "initial_capital": r.initial_capital, "final_equity": r.final_equity,
        "total_return": r.total_return, "sharpe": r.sharpe, "max_drawdown": r.max_drawdown,
        "trades": r.trades,
    }  # fmt: skip


@backtest.command("show")
@click.argument("run_id")
@json_option
def show(run_id: str, as_json: bool) -> None:
    """One stored run: its metrics and trades (JSON: the full stored result)."""
    with connection() as conn:
        stored = load_stored_run(conn, run_id)
    if stored is None:
        raise AppError(f"no backtest run {run_id!r}")
    if as_json:
        print_json(stored)
        return
    click.echo(
        f"{stored['run_id']}  {stored['strategy']}  {', '.join(stored['symbols'])}  "
        f"{stored['start']} .. {stored['end']}  capital {stored['initial_capital']:,.2f}"
    )
    metrics_table(stored["metrics"])
    print_idle([IdleReason.from_json(r) for r in stored.get("idle", [])])
    trades = stored["trades"]
    click.echo(f"\n{count(len(trades), 'trade')}")
    headers = ("symbol", "side", "entry", "exit", "reason", "qty", "entry price", "exit price",
               "pnl")  # fmt: skip
    steps = instrument_steps(stored["assumptions"], {t["symbol"] for t in trades})
    rows = [
        [t["symbol"], t["side"], t["entry_time"], t["exit_time"] or "-",
         t["exit_reason"] or "open", *_trade_numbers(t, steps.get(t["symbol"]))]
        for t in trades
    ]  # fmt: skip
    print_table(headers, number_columns(headers, rows, 5))


def instrument_steps(assumptions: dict[str, Any], symbols: set[str]) -> dict[str, Filters]:
    """The lot and tick of each traded symbol, derived from the run's data as the simulator
    derives them (`market.instruments`); a symbol (or data) no longer there has none."""
    try:
        dataset = DataSet(assumptions.get("data", {}).get("dirs") or None)
    except (AppError, OSError, ValueError):
        return {}
    found: dict[str, Filters] = {}
    for symbol in symbols:
        try:
            found[symbol] = data_filters(dataset, symbol)
        except (AppError, OSError, ValueError):
            continue
    return found


def _trade_numbers(t: dict[str, Any], filters: Filters | None) -> list[str]:
    """Quantity at the lot, prices at the tick, PnL at two decimals (`cli.numbers`)."""
    lot, tick = (None, None) if filters is None else (filters.qty_step, filters.tick)
    return [step_cell(t["qty"], lot), step_cell(t["entry_price"], tick),
            step_cell(t["exit_price"], tick), money_cell(t["pnl"])]  # fmt: skip
