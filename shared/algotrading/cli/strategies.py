"""`algo strategies`: an account's strategies; pause and resume one, or the portfolio.

`pause` is the scope breaker's operator override (force_pause): new entries go to paper until
`resume` (force_resume), which needs `--actor` and `--reason` (stored with the breaker state and
the alert) and is the only way out of a hard-floor halt. `flatten` cancels the scope's orders,
closes its live positions at market and halts it (`execution.flatten`); it needs `--actor`,
`--reason` and a confirmation (`--yes`, or answering the prompt at a terminal). NAME is a
strategy or `portfolio`. Every action is audited (`operator_actions`). See docs/RISK.md
("Operator controls") and docs/EXECUTION.md.
"""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from algotrading.cli.output import print_json, print_table
from algotrading.db.accounts import get_account
from algotrading.db.connection import connection
from algotrading.domain.breaker import Override
from algotrading.domain.scopes import check_scope
from algotrading.errors import AppError
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.notify import notifier_from_settings
from algotrading.settings import get_settings
from algotrading.strategies.registry import sleeve_ids

account_option = click.option(
    "--account", "account_id", type=int, required=True, help="Trading account id."
)


@click.group()
def strategies() -> None:
    """An account's strategies: configuration and breaker state; pause, resume or flatten one."""


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
@click.option("--reason", "--note", "note", default=None, help="Why (stored with the alert).")
@click.option("--actor", default=None, help="Who pauses (stored with the breaker state).")
def pause(name: str, account_id: int, note: str | None, actor: str | None) -> None:
    """Pause NAME (a strategy, or `portfolio`: halt): new entries trade on paper until resumed."""
    _override(name, account_id, Override.FORCE_PAUSE, note, actor)


@strategies.command()
@click.argument("name")
@account_option
@click.option("--reason", "--note", "note", default=None, help="Why (required; stored).")
@click.option("--actor", default=None, help="Who resumes (required; stored).")
def resume(name: str, account_id: int, note: str | None, actor: str | None) -> None:
    """Resume NAME (a strategy or `portfolio`): live entries again, the drawdown measured from
    today's equity; after a hard-floor halt the floor is re-based to it too."""
    _override(name, account_id, Override.FORCE_RESUME, note, actor)


def _override(
    name: str, account_id: int, override: Override, note: str | None, actor: str | None
) -> None:
    from algotrading.execution.controls import override_scope

    scope = check_scope(name.strip().lower(), sleeve_ids())
    settings = get_settings()
    thresholds = thresholds_from_settings(settings)
    with connection(settings, autocommit=True) as conn:
        get_account(conn, account_id)
        transitions = override_scope(
            conn, account_id, scope, override, thresholds, notifier_from_settings(settings),
            note=note, actor=actor,
        )  # fmt: skip
    verb = "paused" if override is Override.FORCE_PAUSE else "resumed"
    if transitions:
        click.echo(f"{scope} {verb} on account {account_id}")
    else:
        click.echo(f"{scope} was already {verb} on account {account_id}; nothing changed")


class NotConfirmed(AppError):
    """A flatten nobody confirmed: nothing is done."""


@strategies.command("flatten")
@click.argument("name")
@account_option
@click.option("--actor", default=None, help="Who flattens (required; stored).")
@click.option("--reason", default=None, help="Why (required; stored).")
@click.option("--yes", is_flag=True, help="Confirm without the prompt (required off a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
def flatten_command(
    name: str, account_id: int, actor: str | None, reason: str | None, yes: bool, as_json: bool
) -> None:
    """Cancel NAME's open orders, close its live positions at market and halt it (a strategy,
    or `portfolio`: every strategy of the account)."""
    from algotrading.execution.controls import require_operator
    from algotrading.execution.flatten import flatten

    scope = check_scope(name.strip().lower(), sleeve_ids())
    require_operator(f"a flatten of {scope}", actor, reason)
    with connection(autocommit=True) as conn:
        get_account(conn, account_id)
    _confirm(scope, account_id, yes)
    result = flatten(account_id, scope, actor=actor, reason=reason)
    if as_json:
        print_json(result.as_dict())
        return
    click.echo(
        f"{scope} flattened on account {account_id}: {len(result.closed)} position(s) closed,"
        f" {len(result.cancelled)} order(s) cancelled"
        + ("" if result.transitions else f"; {scope} was already paused")
    )
    for error in result.errors:
        click.echo(f"  not done: {error}")


def _confirm(scope: str, account_id: int, yes: bool) -> None:
    """A flatten closes real positions: it is confirmed by `--yes` or at the prompt."""
    if yes:
        return
    if not sys.stdin.isatty():
        raise NotConfirmed(f"flatten of {scope} needs --yes when not run at a terminal")
    question = f"Close every position of {scope} on account {account_id} at market and halt it?"
    if not click.confirm(question, default=False):
        raise NotConfirmed(f"flatten of {scope} not confirmed; nothing done")
