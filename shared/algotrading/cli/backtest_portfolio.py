"""`algo backtest portfolio`: the four sleeves on one capital over the data files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from algotrading.backtest.config import BacktestInputError
from algotrading.backtest.metrics import format_metric
from algotrading.backtest.portfolio import PortfolioBacktestConfig, PortfolioResult, run_portfolio
from algotrading.backtest.portfolio_report import write_portfolio_report
from algotrading.cli.backtest import print_idle, print_metric_columns
from algotrading.cli.data import data_dir_option
from algotrading.cli.market import user_errors
from algotrading.cli.output import deliver, json_flag, out_option, print_table, say
from algotrading.cli.preflight import check_database, check_outputs
from algotrading.cli.presentation import with_iso_times
from algotrading.cli.progress import Stages
from algotrading.db.connection import connection
from algotrading.db.portfolio_backtests import insert_portfolio_run
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import ms_to_iso, parse_time


@click.command("portfolio")
@click.option(
    "--start",
    help="Start (ISO 8601, UTC); default: the first bar at which every sleeve has begun.",
)
@click.option("--end", help="End (ISO 8601, UTC); default: the end of the data.")
@data_dir_option
@click.option("--universe-dir", "universe_dirs", multiple=True,
              type=click.Path(path_type=Path, file_okay=False),
              help="Data momentum ranks over (default: the --data-dir data).")  # fmt: skip
@click.option("--capital", type=float, default=10_000.0, show_default=True, help="USDT.")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Processes running the work units.")  # fmt: skip
@out_option("Write the full result (schema: docs/BACKTESTING.md) to this file.")
@json_flag
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Write a self-contained HTML report to this file.")  # fmt: skip
@click.option("--strategy-config", "config_file",
              type=click.Path(path_type=Path, exists=True, dir_okay=False),
              help='JSON {"scalper": {"params": {...}, "symbols": [...], "enabled": true}}, '
                   "as `algo paper replay` takes it.")  # fmt: skip
@click.option("--no-store", is_flag=True, help="Do not store the run in the database.")
def portfolio(
    start: str | None,
    end: str | None,
    data_dirs: tuple[Path, ...],
    universe_dirs: tuple[Path, ...],
    capital: float,
    workers: int,
    out_path: Path | None,
    as_json: bool,
    report_path: Path | None,
    config_file: Path | None,
    no_store: bool,
) -> None:
    """Run trend, scalper, carry and momentum on one capital (30/20/20/30 sleeves) with the
    live risk rules, conflict policy and circuit breakers; store and summarize it."""
    with user_errors():
        check_outputs(out=out_path, report=report_path)
        if not no_store:
            check_database()
        if workers < 1:
            raise BacktestInputError(f"--workers must be at least 1, got {workers}")
        config = PortfolioBacktestConfig(
            data_dirs=tuple(str(d) for d in data_dirs),
            universe_dirs=tuple(str(d) for d in universe_dirs),
            start_ms=None if start is None else parse_time(start),
            end_ms=None if end is None else parse_time(end),
            capital=capital,
            strategies=_strategy_config(config_file),
        )
        with Stages() as stage:
            result = run_portfolio(config, workers, stage=stage)
    if not as_json:
        summary(result)
    if out_path is not None or as_json:
        shown = with_iso_times(result.to_json())
        deliver(json.dumps(shown, sort_keys=True, allow_nan=False), as_json, out_path)
    if report_path is not None:
        write_portfolio_report(result, report_path)
        say(f"report written to {report_path}", as_json)
    if not no_store:
        with connection() as conn:
            insert_portfolio_run(conn, result)
            conn.commit()
        say(f"stored as {result.run_id}", as_json)


def _strategy_config(path: Path | None) -> dict[str, Any]:
    """The per-strategy overrides file (the format `algo paper replay` reads)."""
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BacktestInputError(f"--strategy-config {path}: not JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise BacktestInputError(f"--strategy-config {path}: expected an object per strategy")
    return data


def summary(result: PortfolioResult) -> None:
    click.echo(
        f"{result.run_id}  portfolio  {ms_to_iso(result.start_ms)} .. {ms_to_iso(result.end_ms)}"
        f"  capital {result.initial_capital:,.2f}  transitions {len(result.transitions)}"
    )
    print_metric_columns({PORTFOLIO: result.metrics, **result.sleeve_metrics})
    click.echo("")
    strategies_table(result.strategies)
    print_idle(result.idle)


def strategies_table(strategies: dict[str, dict[str, Any]]) -> None:
    """Per strategy: did it trade, its live positions, its exposure and how many idle lines
    follow (`analysis.strategy_summary` defines them)."""
    rows = [
        [name, s["status"], s["trades"], format_metric("exposure", s["exposure"]), len(s["idle"])]
        for name, s in strategies.items()
    ]
    print_table(["strategy", "status", "trades", "exposure", "idle"], rows)
