"""`algo sim serve`: the loopback Bybit V5 simulator of the one-machine mode (docs/simulator.md)."""

from __future__ import annotations

import signal
import sys
import threading
from decimal import Decimal, InvalidOperation
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

import click

from algotrading.cli.data import data_dir_option
from algotrading.cli.numbers import count
from algotrading.domain.timefmt import ms_to_iso, parse_time
from algotrading.errors import AppError

if TYPE_CHECKING:
    from algotrading.local.bybit_sim import SimConfig


class SimFlagError(AppError):
    """A flag of `algo sim serve` is invalid."""


@click.group()
def sim() -> None:
    """The loopback Bybit V5 simulator (REST + WebSocket over recorded market data)."""


@sim.command()
@data_dir_option
@click.option("--symbol", "symbols", multiple=True, help="Replay only this symbol; repeatable.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option("--speed", type=float, default=None, help="Sim seconds per wall second [1].")
@click.option("--stepped", is_flag=True, help="The clock moves only via POST /sim/step.")
@click.option("--start", "start_text", help="Sim start time (ISO 8601 or epoch ms).")
@click.option("--api-key", "api_keys", multiple=True, help="Account API key; repeatable.")
@click.option("--api-secret", "api_secrets", multiple=True, help="Its secret, in the same order.")
@click.option(
    "--balance",
    "balance_text",
    default="100000",
    show_default=True,
    help="Starting USDT of each account.",
)
@click.option(
    "--slippage-bps",
    type=float,
    default=2.0,
    show_default=True,
    help="Market-order slippage in basis points.",
)
@click.option("--faults", "fault_spec", default="", help="e.g. rate_limit=0.1,ws_drop_every=300s")
@click.option("--seed", type=int, default=None, help="Fault RNG seed (default: random, printed).")
@click.option("--persist", is_flag=True, help="Keep state in PostgreSQL across restarts.")
@click.option("--name", default="default", show_default=True, help="State name for --persist.")
def serve(**options: Any) -> None:
    """Serve Bybit's V5 REST and WebSocket API on loopback until SIGINT or SIGTERM."""
    from algotrading.local.bybit_sim import BybitSimulator

    config = _config(options)
    simulator = BybitSimulator(config).start()
    _announce(simulator, show_secret=not options["api_keys"])
    _wait_for_signal()
    simulator.stop()
    click.echo("simulator stopped")


def _config(options: dict[str, Any]) -> SimConfig:
    """The flags as a checked SimConfig; SimFlagError (one line, exit 2) for a bad one."""
    from algotrading.local.bybit_sim import (
        DEFAULT_API_KEY,
        DEFAULT_API_SECRET,
        AccountConfig,
        SimConfig,
        parse_faults,
    )

    keys, secrets = options["api_keys"], options["api_secrets"]
    if options["stepped"] and options["speed"] is not None:
        raise SimFlagError("--stepped and --speed exclude each other")
    if len(keys) != len(secrets):
        raise SimFlagError("give each --api-key with one --api-secret, in the same order")
    pairs = tuple(AccountConfig(k, s) for k, s in zip(keys, secrets, strict=True))
    seed = options["seed"]
    return SimConfig(
        data_dirs=options["data_dirs"] or _configured_data_dir(),
        symbols=tuple(s.upper() for s in options["symbols"]),
        host=options["host"],
        port=options["port"],
        speed=1.0 if options["speed"] is None else options["speed"],
        stepped=options["stepped"],
        start_ms=_start(options["start_text"]),
        accounts=pairs or (AccountConfig(DEFAULT_API_KEY, DEFAULT_API_SECRET),),
        balance=_balance(options["balance_text"]),
        slippage_bps=options["slippage_bps"],
        faults=parse_faults(options["fault_spec"]),
        seed=seed if seed is not None else _random_seed(),
        persist=options["persist"],
        name=options["name"],
    ).validated()


def _configured_data_dir() -> tuple[Path, ...]:
    from algotrading.settings import get_settings

    configured = get_settings().data_dir
    return (configured,) if configured else ()


def _start(text: str | None) -> int | None:
    if text is None:
        return None
    if text.strip().isdigit():
        return int(text.strip())
    try:
        return parse_time(text)
    except ValueError as exc:
        raise SimFlagError(f"--start: {exc}") from None


def _balance(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise SimFlagError(f"--balance must be a number, got {text!r}") from None
    if not value.is_finite():
        raise SimFlagError(f"--balance must be a finite number, got {text!r}")
    return value


def _random_seed() -> int:
    import secrets

    return secrets.randbelow(1_000_000)


def _announce(simulator: object, show_secret: bool) -> None:
    from algotrading.local.bybit_sim import BybitSimulator

    assert isinstance(simulator, BybitSimulator)
    config = simulator.config
    clock = "stepped" if config.stepped else f"running at {config.speed:g}x"
    symbols = simulator.market.symbols
    click.echo(f"Bybit V5 simulator: {count(len(symbols), 'symbol')} ({', '.join(symbols)})")
    click.echo(f"clock       {clock}, now {ms_to_iso(simulator.now_ms)}")
    click.echo(f"REST        {simulator.rest_url}")
    click.echo(f"WS public   {simulator.ws_public_url}")
    click.echo(f"WS private  {simulator.ws_private_url}")
    for account in config.accounts:
        secret = f" secret={account.api_secret}" if show_secret else ""
        click.echo(f"account     key={account.api_key}{secret} balance={config.balance} USDT")
    if config.faults.any_request_fault or config.faults.ws_drop_every:
        click.echo(f"faults      {config.faults.describe()} seed={config.seed}")
    if config.stepped:
        click.echo(
            f'control     POST {simulator.rest_url}/sim/step {{"to": ms}} or {{"advance": ms}}'
        )
    if config.persist:
        click.echo(f"state       kept in PostgreSQL as {config.name!r}")
    sys.stdout.flush()


def _wait_for_signal() -> None:
    """Block until SIGINT or SIGTERM; both stop the simulator cleanly."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
