"""`algo strategies`: an account's strategies; pause and resume one.

`pause` is the strategy breaker's operator override (force_pause): new entries go to paper
until `resume` (force_resume). See docs/RISK.md ("Operator overrides") and docs/EXECUTION.md.
"""

from __future__ import annotations

from dataclasses import asdict

import click

from algotrading.cli.output import print_json, print_table
from algotrading.db.accounts import get_account
from algotrading.db.connection import connection
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.notify import notifier_from_settings
from algotrading.portfolio.allocation import check_strategy
from algotrading.portfolio.breakers import Override
from algotrading.settings import get_settings
from algotrading.strategies.registry import sleeve_ids

account_option = click.option(
    "--account", "account_id", type=int, required=True, help="Trading account id."
)


@click.group()
def strategies() -> None:
    """An account's strategies: configuration and breaker state; pause or resume one."""


@strategies.command("list")
@account_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def list_command(account_id: int, as_json: bool) -> None:
    """Enabled, allocation, breaker status, override and open trades of each strategy."""
    from algotrading.execution.controls import list_strategies  # loaded only when used

    with connection(autocommit=True) as conn:
        lines = list_strategies(conn, account_id)
    if as_json:
        print_json([asdict(line) for line in lines])
        return
    print_table(
        ("strategy", "enabled", "allocation %", "status", "override", "open", "paper", "symbols"),
        [
            (x.strategy, "yes" if x.enabled else "no", x.allocation_pct, x.status,
             x.override, x.open_trades, x.paper_trades, x.symbols)
            for x in lines
        ],
    )  # fmt: skip


@strategies.command()
@click.argument("name")
@account_option
@click.option("--note", default=None, help="Why (stored with the breaker state and alert).")
def pause(name: str, account_id: int, note: str | None) -> None:
    """Pause NAME: its new entries trade on paper until resumed."""
    _override(name, account_id, Override.FORCE_PAUSE, note)


@strategies.command()
@click.argument("name")
@account_option
@click.option("--note", default=None, help="Why (stored with the breaker state and alert).")
def resume(name: str, account_id: int, note: str | None) -> None:
    """Resume NAME: live entries again, drawdown measured from today's equity."""
    _override(name, account_id, Override.FORCE_RESUME, note)


def _override(name: str, account_id: int, override: Override, note: str | None) -> None:
    from algotrading.execution.controls import override_strategy

    strategy = check_strategy(name.strip().lower(), sleeve_ids())
    settings = get_settings()
    thresholds = thresholds_from_settings(settings)
    with connection(settings, autocommit=True) as conn:
        get_account(conn, account_id)
        transitions = override_strategy(
            conn, account_id, strategy, override, thresholds, notifier_from_settings(settings),
            note=note,
        )  # fmt: skip
    verb = "paused" if override is Override.FORCE_PAUSE else "resumed"
    if transitions:
        click.echo(f"{strategy} {verb} on account {account_id}")
    else:
        click.echo(f"{strategy} was already {verb} on account {account_id}; nothing changed")
