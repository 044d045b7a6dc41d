"""`algo up`: the one-machine stack (docs/jobs.md, "One machine: algo up").

Every flag is checked before anything starts: a bad one is one line and exit 2. The stack runs
until --until or --for, or until Ctrl-C / SIGTERM, which let the current job finish, stop the
simulator and exit 0.
"""

from __future__ import annotations

import re
import signal
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

import click

from algotrading.cli.data import data_dir_option
from algotrading.cli.run import parse_at
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError
from algotrading.settings import Settings, get_settings

if TYPE_CHECKING:
    from algotrading.local.bybit_sim import BybitSimulator
    from algotrading.local.stack import UpConfig

_UNITS_MS = {"s": 1_000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}


class UpFlagError(AppError):
    """A flag of `algo up` is invalid; nothing was started."""


@click.command("up")
@data_dir_option
@click.option("--until", "until_text", help="Stop before this time (ISO 8601 or epoch ms).")
@click.option("--for", "for_text", help="Run this long, e.g. 90m, 6h, 2d (on the stack's clock).")
@click.option("--replay-start", "start_text", help="Replay the data from this time (stepped).")
@click.option("--speed", "speed_text", help="Replayed seconds per wall second, or 'max' [max].")
@click.option("--exchange", type=click.Choice(["sim", "testnet"]), default="sim",
              show_default=True, help="sim: a `local` paper account on the loopback simulator; "
              "testnet: the stored accounts (algo accounts) on their own URLs.")  # fmt: skip
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address the API and the dashboard listen on.")  # fmt: skip
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port of the API and the dashboard (0: any free port).")  # fmt: skip
@click.option("--no-api", is_flag=True, help="Run the jobs only: no API, no dashboard.")
def up(
    data_dirs: tuple[Path, ...], until_text: str | None, for_text: str | None,
    start_text: str | None, speed_text: str | None, exchange: str, host: str, port: int,
    no_api: bool,
) -> None:  # fmt: skip
    """Run the scheduled jobs on one machine: database, simulator, `local` account, scheduler,
    and the API with the dashboard (unless --no-api)."""
    from algotrading.local.stack import UpConfig

    settings = get_settings()
    api = None if no_api else (host, port)
    if exchange == "testnet":
        if start_text is not None or speed_text is not None or data_dirs:
            raise UpFlagError("--replay-start, --speed and --data-dir drive the simulator: "
                              "not with --exchange testnet")  # fmt: skip
        _up_on_exchange(settings, until_text, for_text, api)
        return
    config = UpConfig(
        data_dirs or ((settings.data_dir,) if settings.data_dir else ()),
        None if start_text is None else parse_at(start_text, "--replay-start"),
        None if until_text is None else parse_at(until_text, "--until"),
        _duration(for_text), _speed(speed_text, start_text),
    )  # fmt: skip
    if until_text is not None and for_text is not None:
        raise UpFlagError("--until and --for exclude each other")
    _up_on_sim(config, settings, api)


def _up_on_sim(config: UpConfig, settings: Settings, api: tuple[str, int] | None) -> None:
    """The simulator's stack: flags checked, the port bound, then everything starts."""
    from algotrading.local.stack import span, with_secrets_key
    from algotrading.local.stack import up as run_up

    sim = _built(config)
    start, until = span(config, sim)
    if until is not None and until <= start:
        raise UpFlagError(f"--until {ms_to_iso(until)} is not after the start {ms_to_iso(start)}")
    settings = with_secrets_key(settings)
    with _api_bound(api) as sock:
        _warn_mainnet(settings)
        with _stop_on_signals() as stop, _api_serving(sock, settings):
            outcome = run_up(config, settings, sim, lambda line: click.echo(line), stop)
    why = "stopped" if outcome.stopped else "done"
    click.echo(f"{why}: {outcome.runs} job run(s), {outcome.failures} with a failure")


@contextmanager
def _api_bound(api: tuple[str, int] | None) -> Iterator[socket.socket | None]:
    """The API's listening socket (None with --no-api), closed if the stack never serves it."""
    from algotrading.local.api_server import bind

    sock = None if api is None else bind(*api)
    try:
        yield sock
    finally:
        if sock is not None:
            sock.close()


@contextmanager
def _api_serving(sock: socket.socket | None, settings: Settings) -> Iterator[None]:
    """The API and the dashboard on `sock` while the stack runs (nothing with --no-api)."""
    if sock is None:
        yield
        return
    from algotrading.local.api_server import serving

    with serving(sock, settings, lambda line: click.echo(line)):
        yield


def _up_on_exchange(
    settings: Settings, until_text: str | None, for_text: str | None, api: tuple[str, int] | None
) -> None:
    """`--exchange testnet`: the stored accounts on their own URLs, on the UTC clock."""
    from algotrading.cli.accounts import mainnet_warning
    from algotrading.local.exchange_stack import tradable_accounts, up_on_exchange, wall_span
    from algotrading.local.exchange_stack import wall_clock as clock_now

    until = None if until_text is None else parse_at(until_text, "--until")
    if until_text is not None and for_text is not None:
        raise UpFlagError("--until and --for exclude each other")
    now, clock = clock_now()
    start, end = wall_span(now, until, _duration(for_text))
    if end is not None and end <= start:
        raise UpFlagError(f"--until {ms_to_iso(end)} is not after the start {ms_to_iso(start)}")
    for account in tradable_accounts(settings):
        keys = "" if account.has_keys else ", NO KEYS: it will fail"
        click.echo(f"account {account.id} ({account.name}) {account.mode} on "
                   f"{account.base_url}{keys}")  # fmt: skip
        mainnet_warning(account)
    click.echo(f"from {ms_to_iso(start)}" + (f" until {ms_to_iso(end)}" if end else ""))
    with _api_bound(api) as sock, _stop_on_signals() as stop, _api_serving(sock, settings):
        runs, failures = up_on_exchange(
            settings, (start, end), lambda line: click.echo(line), stop, clock
        )
    why = "stopped" if stop.is_set() else "done"
    click.echo(f"{why}: {runs} job run(s), {failures} with a failure")


def _warn_mainnet(settings: Settings) -> None:
    """The jobs trade every active account, not only the simulator's: say so for mainnet ones."""
    from algotrading.cli.accounts import mainnet_warning
    from algotrading.db.accounts import list_active_accounts
    from algotrading.db.connection import connection

    with connection(settings) as conn:
        for account in list_active_accounts(conn):
            mainnet_warning(account)


def _built(config: UpConfig) -> BybitSimulator:
    """The simulator with its data loaded and its start checked, not yet serving."""
    from algotrading.local.stack import simulator

    try:
        return simulator(config)
    except (ValueError, AppError) as exc:  # SimConfigError, data errors
        raise UpFlagError(str(exc).replace("--start", "--replay-start")) from None


def _duration(text: str | None) -> int | None:
    """`90s`, `15m`, `6h`, `2d` in ms; a positive whole number of its unit."""
    if text is None:
        return None
    found = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if found is None or int(found[1]) == 0:
        raise UpFlagError(f"--for must be a positive duration like 90m, 6h or 2d, got {text!r}")
    return int(found[1]) * _UNITS_MS[found[2]]


def _speed(text: str | None, replay_start: str | None) -> float | None:
    """Replayed seconds per wall second; None for `max` (the default)."""
    if text is None or text.strip().lower() == "max":
        if text is not None and replay_start is None:
            raise UpFlagError("--speed needs --replay-start (the live clock runs at wall speed)")
        return None
    if replay_start is None:
        raise UpFlagError("--speed needs --replay-start (the live clock runs at wall speed)")
    try:
        value = float(text)
    except ValueError:
        raise UpFlagError(f"--speed must be a positive number or 'max', got {text!r}") from None
    if not 0 < value < float("inf"):
        raise UpFlagError(f"--speed must be a positive number or 'max', got {text!r}")
    return value


@contextmanager
def _stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGINT or SIGTERM while the stack runs; the old handlers come back after."""
    stop = threading.Event()

    def handle(signum: int, frame: FrameType | None) -> None:
        click.echo("stopping after the current job", err=True)
        stop.set()

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
