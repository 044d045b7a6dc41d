"""`algo exchange`: is the exchange reachable and the key right; what is open on the account.

Keys come from --api-key/--api-secret, else --account ID (decrypted from the database with
ALGO_SECRETS_KEY), else BYBIT_API_KEY/BYBIT_API_SECRET. They are never printed; a wrong or
missing key is one line naming the problem, exit 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

import click

from algotrading.cli.output import print_json, print_table
from algotrading.db.accounts import load_credentials
from algotrading.db.connection import connection
from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError, ConfigError
from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.errors import ExchangeError
from algotrading.exchange.factory import credentials_from_settings, open_bybit
from algotrading.exchange.types import AccountInfo, ExchangePosition, Order
from algotrading.logs import register_secret
from algotrading.settings import get_settings

F = TypeVar("F", bound=Callable[..., Any])


class ExchangeCommandError(AppError):
    """A transient or unexpected exchange failure, shown as one line like every AppError."""


def _connection_options(command: F) -> F:
    options = [
        click.option("--base-url", help="mainnet, testnet, demo or a URL. Default: the account's "
                     "URL (with --account), else BYBIT_BASE_URL, else mainnet."),
        click.option("--api-key", help="API key (prefer BYBIT_API_KEY or --account)."),
        click.option("--api-secret", help="API secret (prefer BYBIT_API_SECRET or --account)."),
        click.option("--account", "account_id", type=int, help="Use this trading account's keys."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text."),
    ]  # fmt: skip
    for option in reversed(options):
        command = option(command)
    return command


def _one_line_errors(command: F) -> F:
    """Exchange failures that are not the user's to fix still end as one line, exit 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ExchangeError as exc:
            if isinstance(exc, AppError):
                raise
            raise ExchangeCommandError(f"exchange: {exc}") from None

    return wrapper  # type: ignore[return-value]


def open_exchange(
    base_url: str | None, api_key: str | None, api_secret: str | None, account_id: int | None
) -> tuple[BybitExchange, str]:
    """The adapter and where its keys came from (flags, account N, environment)."""
    register_secret(api_key)
    register_secret(api_secret)
    settings = get_settings()
    if api_key or api_secret:
        if not (api_key and api_secret):
            raise ConfigError("--api-key and --api-secret go together")
        if account_id is not None:
            raise ConfigError("give --api-key/--api-secret or --account, not both")
        credentials, url, source = ApiCredentials(api_key, api_secret), base_url, "flags"
    elif account_id is not None:
        with connection(settings) as conn:
            account, credentials = load_credentials(conn, account_id, settings)
        url, source = base_url or account.base_url, f"account {account_id}"
    else:
        found = credentials_from_settings(settings)
        if found is None:
            raise ConfigError(
                "no API key: pass --api-key and --api-secret, or --account ID, "
                "or set BYBIT_API_KEY and BYBIT_API_SECRET"
            )
        credentials, url, source = found, base_url, "environment"
    try:
        return open_bybit(url or settings.bybit_base_url, credentials), source
    except ValueError as exc:
        raise ConfigError(f"invalid --base-url: {exc}") from None


@click.group()
def exchange() -> None:
    """The exchange account: connectivity and keys, positions, open orders."""


@exchange.command()
@_connection_options
@_one_line_errors
def check(
    base_url: str | None,
    api_key: str | None,
    api_secret: str | None,
    account_id: int | None,
    as_json: bool,
) -> None:
    """Clock drift, account type, balance, and what the key may do."""
    venue, source = open_exchange(base_url, api_key, api_secret, account_id)
    offset = venue.client.sync_clock()
    info = venue.get_account_info()
    equity = venue.get_total_equity()
    balances = [b for b in venue.get_balances() if b.wallet_balance or b.equity]
    report = {
        "base_url": venue.client.base_url,
        "keys_from": source,
        "server_time": ms_to_iso(venue.client.now_ms()),
        "clock_offset_ms": offset,
        "account": {**asdict(info), "can_trade": info.can_trade},
        "total_equity": equity,
        "balances": [asdict(b) for b in balances],
    }
    if as_json:
        print_json(report)
        return
    _print_check(report, info)


def _print_check(report: dict[str, Any], info: AccountInfo) -> None:
    access = "read-only" if info.read_only else "read-write"
    granted = "; ".join(f"{k}: {', '.join(v)}" for k, v in info.permissions.items() if v)
    kind = {True: "master", False: "sub-account"}.get(info.is_master, "?")  # type: ignore[arg-type]
    offset = report["clock_offset_ms"]
    lines = [
        ("base URL", report["base_url"]),
        ("keys from", report["keys_from"]),
        ("server time", f"{report['server_time']} (host clock {-offset:+d} ms off, compensated)"),
        ("account", f"uid {info.uid or '?'}, {info.account_type or 'unknown type'}, {kind}"),
        ("key access", f"{access}; {granted or 'no permissions'}"),
        ("can trade", "yes" if info.can_trade else "NO: needs read-write and ContractTrade Order"),
        ("IP whitelist", ", ".join(info.ips) or "none"),
        ("key expires", info.expires_at or "never"),
        ("total equity", f"{report['total_equity']} USD"),
    ]
    for label, value in lines:
        click.echo(f"{label:<13} {value}")
    for b in report["balances"]:
        click.echo(f"{b['coin']:<13} wallet {b['wallet_balance']}, available {b['available']}")


@exchange.command()
@_connection_options
@click.option("--symbol", help="Only this symbol, e.g. BTCUSDT.")
@_one_line_errors
def positions(
    base_url: str | None,
    api_key: str | None,
    api_secret: str | None,
    account_id: int | None,
    as_json: bool,
    symbol: str | None,
) -> None:
    """Open positions of the USDT perpetuals."""
    venue, _ = open_exchange(base_url, api_key, api_secret, account_id)
    found = venue.get_positions(symbol.upper() if symbol else None)
    if as_json:
        print_json([asdict(p) for p in found])
        return
    print_table(
        ("symbol", "side", "size", "entry", "mark", "lev", "margin", "upnl", "liq", "sl", "tp"),
        [_position_row(p) for p in found],
    )


def _position_row(p: ExchangePosition) -> tuple[Any, ...]:
    return (
        p.symbol, p.side.value, p.size, p.entry_price, p.mark_price, p.leverage, p.margin,
        p.unrealized_pnl, p.liquidation_price, p.stop_loss, p.take_profit,
    )  # fmt: skip


@exchange.command()
@_connection_options
@click.option("--symbol", help="Only this symbol, e.g. BTCUSDT.")
@_one_line_errors
def orders(
    base_url: str | None,
    api_key: str | None,
    api_secret: str | None,
    account_id: int | None,
    as_json: bool,
    symbol: str | None,
) -> None:
    """Open orders of the USDT perpetuals."""
    venue, _ = open_exchange(base_url, api_key, api_secret, account_id)
    found = venue.get_open_orders(symbol.upper() if symbol else None)
    if as_json:
        print_json([asdict(o) for o in found])
        return
    print_table(
        ("symbol", "side", "type", "status", "qty", "price", "filled", "order_link_id", "created"),
        [_order_row(o) for o in found],
    )


def _order_row(o: Order) -> tuple[Any, ...]:
    return (
        o.symbol, o.side.value, o.order_type.value, o.status.value, o.qty, o.price, o.filled_qty,
        o.order_link_id or "-", ms_to_iso(o.created_ms) if o.created_ms else "-",
    )  # fmt: skip
