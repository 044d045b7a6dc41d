"""`algo paper replay`: run the executor over recorded data on the stepped simulator with a
paper account, and write every signal, order, trade and snapshot as JSON (`--out FILE`, or
`--json` on stdout; docs/EXECUTION.md).
`algo paper compare`: that report against a portfolio backtest of the same span
(docs/BACKTESTING.md, "Live parity")."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click

from algotrading.backtest import parity
from algotrading.cli.data import data_dir_option
from algotrading.cli.numbers import count, money_cell
from algotrading.cli.output import deliver, json_flag, out_option, say
from algotrading.cli.preflight import check_database, check_outputs
from algotrading.cli.presentation import present_replay
from algotrading.cli.progress import progress
from algotrading.cli.run import parse_at
from algotrading.errors import AppError
from algotrading.settings import get_settings


class PaperFlagError(AppError):
    """A flag of `algo paper replay` is invalid."""


class RunsDiffer(AppError):
    """`algo paper compare` found differences (listed above it): exit 1, like `diff`."""

    exit_code = 1


@click.group()
def paper() -> None:
    """Paper trading on recorded data."""


@paper.command()
@data_dir_option
@click.option("--start", "start_text", required=True, help="First close (ISO 8601 or epoch ms).")
@click.option("--end", "end_text", required=True, help="Last close (ISO 8601 or epoch ms).")
@click.option(
    "--capital",
    "capital_text",
    default="10000",
    show_default=True,
    help="Starting capital of the paper account and the simulator wallet (USDT).",
)
@out_option("Write signals, orders, trades and snapshots to this file.")
@json_flag
@click.option(
    "--name",
    default="paper-replay",
    show_default=True,
    help="Paper account name (an earlier replay's account of this name is replaced).",
)
@click.option(
    "--strategy-config",
    "config_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help='JSON {"scalper": {"params": {...}, "symbols": [...], "allocation_pct": 20}}.',
)
def replay(
    data_dirs: tuple[Path, ...], start_text: str, end_text: str, capital_text: str,
    out_path: Path | None, as_json: bool, name: str, config_file: Path | None,
) -> None:  # fmt: skip
    """Evaluate and snapshot at every 15-minute close from --start to --end on the simulator."""
    from algotrading.local.paper_replay import ReplayConfig, check
    from algotrading.local.paper_replay import replay as run_replay

    settings = get_settings()
    dirs = data_dirs or ((settings.data_dir,) if settings.data_dir else ())
    start, end = parse_at(start_text, "--start"), parse_at(end_text, "--end")
    config = ReplayConfig(
        dirs, start, end, _capital(capital_text), name, _strategy_config(config_file)
    )
    check(config)
    check_outputs(out=out_path)
    check_database()
    from algotrading.execution import closes_between

    total = len(list(closes_between(config.start_ms, config.end_ms)))
    if settings.secrets_key is None:
        click.echo("ALGO_SECRETS_KEY is not set: using an ephemeral key for this replay", err=True)
    with progress("replaying", total, "close") as advance:
        outcome = run_replay(config, settings, progress=lambda _: advance(1))
    report = outcome.report
    say(
        f"account {outcome.account_id}: {count(outcome.closes, 'close')} in"
        f" {outcome.duration_s:.1f} s; {count(len(report['signals']), 'signal')},"
        f" {count(len(report['orders']), 'order')}, {count(len(report['trades']), 'trade')};"
        f" equity {money_cell(float(report['final_equity']))}",
        as_json,
    )
    if report["incomplete"]:
        click.echo(f"incomplete evaluations: {', '.join(report['incomplete'])}", err=True)
    if out_path is not None or as_json:
        shown = present_replay(report) | {"duration_s": outcome.duration_s}
        deliver(json.dumps(shown, indent=1), as_json, out_path)


def _capital(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise PaperFlagError(f"--capital must be a number, got {text!r}") from None
    if not value.is_finite() or value <= 0:
        raise PaperFlagError(f"--capital must be a positive number, got {text!r}")
    return value


def _strategy_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PaperFlagError(f"--strategy-config {path}: {exc}") from None
    if not isinstance(loaded, dict):
        raise PaperFlagError("--strategy-config must hold a JSON object of strategies")
    return loaded


@paper.command()
@click.argument("replay_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.argument("portfolio_file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
def compare(replay_file: Path, portfolio_file: Path) -> None:
    """Compare a replay's trades (`paper replay --out`) with a portfolio backtest's
    (`backtest portfolio --out`) of the same span; exit 1 when they differ."""
    replayed, backtest = _report_file(replay_file, "trades"), _report_file(portfolio_file, "trades")
    if "orders" not in replayed or "instruments" not in replayed:
        raise PaperFlagError(f"{replay_file}: not an `algo paper replay --out` report")
    try:
        result = parity.compare(replayed, backtest)
    except (KeyError, TypeError, ValueError) as exc:
        raise PaperFlagError(f"malformed report: {type(exc).__name__}: {exc}") from None
    found = count(len(result.differences), "difference")
    click.echo(f"{count(result.compared, 'trade')} compared, {found}")
    for line in result.differences:
        click.echo(f"  {line}")
    if not result.equal:
        raise RunsDiffer(f"the replay and the backtest differ ({len(result.differences)})")


def _report_file(path: Path, key: str) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise PaperFlagError(f"{path}: {exc}") from None
    if not isinstance(loaded, dict) or not isinstance(loaded.get(key), list):
        raise PaperFlagError(f"{path}: no {key!r} list in it")
    return loaded
