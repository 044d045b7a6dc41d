"""`algo up --exchange testnet`: the same jobs on one machine, trading the accounts' own exchange.

No simulator and no `local` account: the stored accounts (`algo accounts create`, `set-keys`)
trade where their base URL points, with their own decrypted keys, through the jobs' usual
runtimes (`jobs.runtimes.RuntimeCache`: one client per account, opened on the account's URL).
The scheduler follows the UTC wall clock, as EventBridge does. The `job_runs` of earlier runs are
kept: on a real exchange they are history, and a repeated delivery must stay a replay.

Only the clock and the runtimes differ from the simulator's stack; the job loop is the same
(`local.stack.run_jobs`). Bybit itself cannot be reached from the machines this was built on:
it was tested against the loopback simulator standing at the account's URL.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from algotrading.db.accounts import TradingAccount, list_active_accounts
from algotrading.db.connection import connection
from algotrading.errors import AppError, ConfigError
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.local.scheduler import Clock, WallClock, first_due
from algotrading.local.stack import run_jobs
from algotrading.settings import Settings


class NothingToTrade(AppError):
    """No active account has keys to trade with; nothing was started."""


def tradable_accounts(settings: Settings) -> list[TradingAccount]:
    """The active accounts the jobs will trade; refused when none has keys or when the key that
    decrypts them is missing (an ephemeral one, as the simulator's stack uses, decrypts none)."""
    if settings.secrets_key is None:
        raise ConfigError(
            "ALGO_SECRETS_KEY is not set: it decrypts the accounts' keys (the key 'algo accounts "
            "set-keys' stored them with)"
        )
    with connection(settings) as conn:
        found = list_active_accounts(conn)
    if not any(a.has_keys and a.mode != "paper" for a in found):
        raise NothingToTrade(
            "no active test or live account has keys: run 'algo accounts create NAME "
            "--exchange testnet' and 'algo accounts set-keys NAME' first"
        )
    return found


def wall_clock() -> tuple[int, Clock]:
    """Now and the clock the schedule waits on: UTC, as EventBridge. A test stands a stepped
    simulator's clock in here."""
    return int(time.time() * 1000), WallClock()


def up_on_exchange(
    settings: Settings,
    span: tuple[int, int | None],
    say: Callable[[str], None],
    stop: threading.Event,
    clock: Clock,
) -> tuple[int, int]:
    """Run every due job of `span` (start, exclusive end or None) on `clock` over the stored
    accounts, each on its own URL with its own keys; (runs, failures)."""
    start, until = span
    return run_jobs(clock, start, until, settings, RuntimeCache(), say, stop)


def wall_span(now_ms: int, until_ms: int | None, for_ms: int | None) -> tuple[int, int | None]:
    """The first due time at or after `now_ms`, and the exclusive end (`--until` or `--for`)."""
    start = first_due(now_ms)
    return start, (start + for_ms if for_ms is not None else until_ms)
