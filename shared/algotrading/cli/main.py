"""`algo`: the root command. Errors a user can fix print one line and exit 2; nothing else leaks."""

from __future__ import annotations

import sys

import click

from algotrading import __version__
from algotrading.cli.accounts import accounts
from algotrading.cli.api import api
from algotrading.cli.backtest import backtest
from algotrading.cli.backtest_portfolio import portfolio
from algotrading.cli.data import data
from algotrading.cli.data_fetch import fetch
from algotrading.cli.db import db
from algotrading.cli.exchange import exchange
from algotrading.cli.funding import funding
from algotrading.cli.jobs import jobs
from algotrading.cli.market import market
from algotrading.cli.paper import paper
from algotrading.cli.run import run_group
from algotrading.cli.sim import sim
from algotrading.cli.strategies import strategies
from algotrading.cli.stream import stream
from algotrading.cli.universe import universe
from algotrading.cli.up import up
from algotrading.cli.users import users
from algotrading.errors import AppError
from algotrading.logs import configure_cli_logging, get_logger, redact
from algotrading.settings import get_settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="algo")
def cli() -> None:
    """Portfolio trading on Bybit USDT perpetuals: database, data, exchange, strategies."""
    configure_cli_logging(get_settings().log_level or "WARNING")


cli.add_command(db)
data.add_command(fetch)
cli.add_command(data)
cli.add_command(exchange)
cli.add_command(market)
cli.add_command(funding)
cli.add_command(universe)
cli.add_command(stream)
cli.add_command(sim)
backtest.add_command(portfolio)
cli.add_command(backtest)
cli.add_command(run_group)
cli.add_command(jobs)
cli.add_command(strategies)
cli.add_command(paper)
cli.add_command(up)
cli.add_command(accounts)
cli.add_command(users)
cli.add_command(api)


def usage_line(exc: click.UsageError) -> str:
    """Click's usage error as one line (its own is four: usage, hint, blank, error), naming the
    command whose `--help` explains it."""
    where = exc.ctx.command_path if exc.ctx is not None else "algo"
    return f"error: {redact(exc.format_message())} (see '{where} --help')"


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="algo", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.UsageError as exc:
        click.echo(usage_line(exc), err=True)
        return exc.exit_code
    except click.ClickException as exc:
        click.echo(f"error: {redact(exc.format_message())}", err=True)
        return exc.exit_code
    except AppError as exc:
        click.echo(f"error: {redact(str(exc))}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: keep the traceback in the log, one line for the user
        get_logger("cli").debug("unhandled error", exc_info=True)
        click.echo(f"internal error: {type(exc).__name__}: {redact(str(exc))}", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
