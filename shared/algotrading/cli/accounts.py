"""`algo accounts`: the trading accounts of this database, and their exchange keys.

An account names where it trades (`testnet`, `mainnet`, `demo` or any URL, stored as the URL),
its mode (`test`, `live`, `paper`) and, once `set-keys` ran, its API keys encrypted under
ALGO_SECRETS_KEY. Keys are read from stdin (a hidden prompt on a terminal) or `--keys-file`,
never from an argument: arguments end up in shell history and process lists. Accounts made
here belong to the machine's local user (`db.users`), the owner `algo up` and the replay use.

Every command that touches an account on Bybit mainnet prints a WARNING line on stderr: an
order there spends real money. Bad input is one line, exit 2, and nothing is written.
"""

from __future__ import annotations

import sys
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import click
import psycopg

from algotrading.cli.output import json_flag, print_json, print_table
from algotrading.db.accounts import (
    MODES,
    AccountNotFound,
    TradingAccount,
    accounts_named,
    create_account,
    get_account,
    list_accounts,
    set_credentials,
    set_mode,
)
from algotrading.db.connection import connection
from algotrading.db.users import local_user
from algotrading.domain.credentials import ApiCredentials
from algotrading.errors import AppError, ConfigError
from algotrading.exchange.bybit.client import resolve_base_url
from algotrading.exchange.factory import environment_of, is_mainnet
from algotrading.logs import register_secret
from algotrading.settings import get_settings


class AccountInputError(AppError):
    """An argument of `algo accounts` is invalid; nothing was written."""


def mainnet_warning(account: TradingAccount) -> None:
    """The loud line for an account whose orders spend real money (stderr, never stdout)."""
    if is_mainnet(account.base_url):
        click.secho(
            f"WARNING: account {account.id} ({account.name}) trades on Bybit MAINNET "
            f"({account.base_url}): its orders spend real money",
            err=True, fg="red", bold=True,
        )  # fmt: skip


def find_account(conn: psycopg.Connection, ref: str) -> TradingAccount:
    """The account `ref` names: its id, or its name when one account has it."""
    if ref.strip().isdigit():
        return get_account(conn, int(ref))
    found = accounts_named(conn, ref)
    if not found:
        raise AccountNotFound(f"no account named {ref!r} (see 'algo accounts list')")
    if len(found) > 1:
        ids = ", ".join(str(a.id) for a in found)
        raise AccountInputError(f"{len(found)} accounts are named {ref!r} (ids {ids}): give its id")
    return found[0]


def account_row(account: TradingAccount) -> dict[str, Any]:
    """An account as `--json` prints it: no secret, only whether keys are stored."""
    return {
        "id": account.id, "name": account.name, "mode": account.mode,
        "exchange": environment_of(account.base_url), "base_url": account.base_url,
        "mainnet": is_mainnet(account.base_url), "active": account.is_active,
        "has_keys": account.has_keys,
    }  # fmt: skip


@click.group("accounts")
def accounts() -> None:
    """Trading accounts: create, list, store their API keys, switch their mode."""


@accounts.command("create")
@click.argument("name")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default="test",
    show_default=True,
    help="test: an exchange test environment; live: real orders; paper: virtual fills.",
)
@click.option(
    "--exchange",
    "where",
    default="testnet",
    show_default=True,
    help="Where it trades: testnet, mainnet, demo, or a URL (e.g. a simulator's).",
)
@click.option(
    "--capital",
    "capital_text",
    required=True,
    help="Starting capital in USDT: what the allocation and risk limits size from.",
)
@json_flag
def create(name: str, mode: str, where: str, capital_text: str, as_json: bool) -> None:
    """Create the account NAME (its keys come after, with `set-keys`)."""
    try:
        base_url = resolve_base_url(where)
    except ValueError as exc:
        raise AccountInputError(f"invalid --exchange: {exc}") from None
    capital = _capital(capital_text)
    with connection(get_settings(), autocommit=True) as conn, conn.transaction():
        user_id = local_user(conn)
        account_id = create_account(
            conn, user_id=user_id, name=name, mode=mode, base_url=base_url,
            starting_capital=capital,
        )  # fmt: skip
        account = get_account(conn, account_id)
    mainnet_warning(account)
    if as_json:
        print_json(account_row(account))
        return
    click.echo(
        f"account {account.id} ({name}) created: {mode} on {_where(account)}; "
        f"store its keys with 'algo accounts set-keys {name}'"
    )


@accounts.command("list")
@json_flag
def list_command(as_json: bool) -> None:
    """Every account: where it trades, its mode, whether its keys are stored."""
    with connection(get_settings()) as conn:
        found = list_accounts(conn)
    for account in found:
        mainnet_warning(account)
    if as_json:
        print_json([account_row(a) for a in found])
        return
    print_table(
        ("id", "name", "mode", "exchange", "keys", "active"),
        [
            (a.id, a.name, a.mode, _where(a), "yes" if a.has_keys else "no",
             "yes" if a.is_active else "no")
            for a in found
        ],
    )  # fmt: skip


@accounts.command("set-keys")
@click.argument("ref", metavar="ACCOUNT")
@click.option(
    "--keys-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file holding the API key and then the API secret (default: stdin).",
)
def set_keys(ref: str, keys_file: Path | None) -> None:
    """Store ACCOUNT's (id or name) API key and secret, encrypted under ALGO_SECRETS_KEY.

    Give the key and the secret on two lines on stdin or in --keys-file; on a terminal they are
    asked for without echo. Never pass them as arguments."""
    settings = get_settings()
    if settings.secrets_key is None:
        raise ConfigError(
            "ALGO_SECRETS_KEY is not set: it encrypts the keys; make one with "
            "'python -c \"from cryptography.fernet import Fernet; "
            "print(Fernet.generate_key().decode())\"' and keep it safe"
        )
    with connection(settings) as conn:
        account = find_account(conn, ref)
    credentials = _read_keys(keys_file)
    with connection(settings, autocommit=True) as conn, conn.transaction():
        set_credentials(conn, account.id, credentials, settings)
    mainnet_warning(account)
    click.echo(f"keys of account {account.id} ({account.name}) stored, encrypted")


@accounts.command("mode")
@click.argument("ref", metavar="ACCOUNT")
@click.argument("mode", metavar="MODE", type=click.Choice(MODES))
def mode_command(ref: str, mode: str) -> None:
    """Switch ACCOUNT (id or name) to MODE: test, live or paper."""
    with connection(get_settings(), autocommit=True) as conn, conn.transaction():
        before = find_account(conn, ref)
        account = set_mode(conn, before.id, mode)
    mainnet_warning(account)
    click.echo(f"account {account.id} ({account.name}): mode {before.mode} -> {account.mode}")


def _capital(text: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal(0)
    if not value.is_finite() or value <= 0:
        raise AccountInputError(f"--capital must be a positive amount of USDT, got {text!r}")
    return value


def _read_keys(keys_file: Path | None) -> ApiCredentials:
    """The key and the secret: the first two words of the file or stdin (a prompt on a tty)."""
    if keys_file is not None:
        try:
            text = keys_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise AccountInputError(f"cannot read --keys-file {keys_file}: {exc}") from None
    elif sys.stdin.isatty():
        text = click.prompt("API key", hide_input=True) + "\n"
        text += click.prompt("API secret", hide_input=True)
    else:
        text = sys.stdin.read()
    words = text.split()
    for word in words:
        register_secret(word)
    if len(words) != 2:
        where = f"--keys-file {keys_file}" if keys_file else "stdin"
        raise AccountInputError(
            f"expected the API key and the API secret (two lines) on {where}, got {len(words)} "
            "word(s)"
        )
    return ApiCredentials(words[0], words[1])


def _where(account: TradingAccount) -> str:
    """`testnet`, `MAINNET` (loud in a table too), `demo`, or the URL."""
    name = environment_of(account.base_url)
    return "MAINNET" if name == "mainnet" else name
