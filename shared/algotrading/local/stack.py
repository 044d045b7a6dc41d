"""`algo up`: the one-machine stack running the scheduled jobs by itself.

The embedded PostgreSQL (started by the connection when no DATABASE_URL is set), the loopback
simulator on a free port, a paper account named `local` trading on it, and the local scheduler
firing every job through `jobs.scheduled.run_named`, the function the Lambda handlers call, with
the payloads the EventBridge schedules deliver. With a replay start the simulator's clock is
stepped to each due time over the shipped data (at a speed, or as fast as possible); without one
it runs at wall speed and the scheduler follows it.

One job's failure is printed and the schedule goes on; a stop (Ctrl-C, SIGTERM) lets the current
job finish, then the simulator stops. The account is replaced at each start, as the replay's is,
because the simulator's wallet starts fresh; the `job_runs` of the simulator's span (recorded
times, on either clock) are forgotten for the same reason, or a second run over the same span
would replay the first run's summaries without trading.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from algotrading.crypto import generate_key
from algotrading.db.accounts import TradingAccount
from algotrading.db.connection import connection
from algotrading.db.job_runs import forget_runs
from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.timefmt import ms_to_iso
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.port import ExchangeService
from algotrading.execution import Runtime
from algotrading.jobs.events import ScheduledEvent
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.jobs.scheduled import run_named
from algotrading.local.bybit_sim import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    BybitSimulator,
    SimConfig,
)
from algotrading.local.paper_replay import ReplayConfig, paper_account
from algotrading.local.scheduler import (
    TICK_MS,
    Clock,
    ReplayClock,
    WallClock,
    first_due,
    run_schedule,
)
from algotrading.settings import Settings

LOCAL_ACCOUNT = "local"
SIM_FILL_DELAYS_S = (0.0, 0.05, 0.2)
"""The simulator acknowledges fills at once: the replay's short waits, not the exchange's."""


@dataclass(frozen=True, slots=True)
class UpConfig:
    data_dirs: tuple[Path, ...]
    replay_start_ms: int | None
    """None: the simulator's clock runs at wall speed from its default start."""
    until_ms: int | None = None
    """The first time not run (exclusive); None: until stopped."""
    for_ms: int | None = None
    """Instead of `until_ms`: this long after the first due time."""
    speed: float | None = None
    """Replayed seconds per wall second; None: as fast as possible."""
    capital: Decimal = Decimal(10_000)


@dataclass
class UpOutcome:
    account_id: int
    runs: int
    failures: int
    stopped: bool


class SimRuntimes(RuntimeCache):
    """Runtimes of the accounts trading on this simulator read its market clock (windowed reads
    end at the replayed time) and wait for fills as the replay does; other accounts get the
    jobs' usual runtimes. One cache for every job: the jobs run one after the other."""

    def __init__(self, sim: BybitSimulator) -> None:
        super().__init__(factory=lambda: _sim_runtime(sim))
        self._url = sim.rest_url
        self._others = RuntimeCache()
        self._market = open_bybit(sim.rest_url, None, market_clock=lambda: sim.now_ms)

    def get(self, account: TradingAccount) -> Runtime:
        if account.base_url == self._url:
            return super().get(account)
        return self._others.get(account)

    def drop(self, account_id: int) -> None:
        super().drop(account_id)
        self._others.drop(account_id)

    def market_exchange(self) -> ExchangeService:
        """The simulator without keys: the market history appends the replayed market."""
        return self._market


def _sim_runtime(sim: BybitSimulator) -> Runtime:
    credentials = ApiCredentials(DEFAULT_API_KEY, DEFAULT_API_SECRET)
    exchange = open_bybit(sim.rest_url, credentials, market_clock=lambda: sim.now_ms)
    return Runtime(exchange=exchange, fill_delays_s=SIM_FILL_DELAYS_S)


def simulator(config: UpConfig) -> BybitSimulator:
    """The simulator, built (its market loaded) but not started: its start time is known."""
    stepped = config.replay_start_ms is not None
    start = None if config.replay_start_ms is None else first_due(config.replay_start_ms)
    sim_config = SimConfig(
        data_dirs=config.data_dirs, stepped=stepped, start_ms=start, balance=config.capital
    )
    return BybitSimulator(sim_config.validated())


def span(config: UpConfig, sim: BybitSimulator) -> tuple[int, int | None]:
    """The first due time and the exclusive end of the run."""
    start = first_due(sim.now_ms if config.replay_start_ms is None else config.replay_start_ms)
    if config.for_ms is not None:
        return start, start + config.for_ms
    return start, config.until_ms


def with_secrets_key(settings: Settings) -> Settings:
    """`settings` with a key for exchange keys: the configured one, else one for this run (the
    `local` account is made again at each start, so its keys need not outlive the process)."""
    if settings.secrets_key is not None:
        return settings
    return settings.model_copy(update={"secrets_key": SecretStr(generate_key())})


def up(
    config: UpConfig,
    settings: Settings,
    sim: BybitSimulator,
    say: Callable[[str], None],
    stop: threading.Event,
) -> UpOutcome:
    """Start `sim`, make the `local` account, run the schedule until its end or `stop`."""
    settings = with_secrets_key(settings)
    start, until = span(config, sim)
    sim.start()
    try:
        account_id = _prepare(config, settings, sim, start, until)
        say(f"account {account_id} ({LOCAL_ACCOUNT}) on {sim.rest_url}, from {ms_to_iso(start)}")
        clock: Clock = (
            WallClock(lambda: sim.now_ms)
            if config.replay_start_ms is None
            else ReplayClock(sim.step_to, config.speed)
        )
        runs, failures = run_jobs(clock, start, until, settings, SimRuntimes(sim), say, stop)
    finally:
        sim.stop()
    return UpOutcome(account_id, runs, failures, stop.is_set())


def _prepare(
    config: UpConfig, settings: Settings, sim: BybitSimulator, start: int, until: int | None
) -> int:
    account = ReplayConfig(
        config.data_dirs, start, until or start + TICK_MS, config.capital, LOCAL_ACCOUNT
    )
    with connection(settings, autocommit=True) as conn:
        account_id = paper_account(conn, account, sim.rest_url, settings)
        forget_runs(conn, start, until if until is not None else sim.market.end_ms())
    return account_id


def run_jobs(
    clock: Clock,
    start: int,
    until: int | None,
    settings: Settings,
    cache: RuntimeCache,
    say: Callable[[str], None],
    stop: threading.Event,
) -> tuple[int, int]:
    """Every due job in order; a stop lets the current job finish and runs no other. The
    simulator's stack and `algo up --exchange testnet` (`local.exchange_stack`) share it."""
    runs = failures = 0
    for _, events in run_schedule(clock, start, until, stop):
        for event in events:
            line, ok = run_one(event, settings, cache)
            say(line)
            runs, failures = runs + 1, failures + (not ok)
            if stop.is_set():
                return runs, failures
    return runs, failures


def run_one(event: ScheduledEvent, settings: Settings, cache: RuntimeCache) -> tuple[str, bool]:
    """One job through `run_named`: its line, and whether it ran without a failure."""
    head = f"{ms_to_iso(event.time_ms)}  {event.job:<16}"
    try:
        result = run_named(event.job, event.time_ms, settings=settings, cache=cache)
    except Exception as exc:  # one job's failure never stops the stack
        return f"{head} error: {type(exc).__name__}: {exc}", False
    return f"{head} {result.status}{_brief(result.summary, result.replayed)}", (
        result.status == "done"
    )


def _brief(summary: dict[str, Any], replayed: bool) -> str:
    """The short summary of a run: accounts, orders, signals, failures (or why nothing ran)."""
    parts = [" (replayed)" if replayed else ""]
    if summary.get("reason"):
        return "".join(parts) + f": {summary['reason']}"
    parts.append(f": {summary.get('evaluated', len(summary.get('accounts', [])))} account(s)")
    for key, name in (
        ("orders_placed", "orders"),
        ("signals", "signals"),
        ("rates_recorded", "rates"),
        ("rows_appended", "history rows"),
    ):
        if key in summary:
            parts.append(f", {summary[key]} {name}")
    for failure in summary.get("failures", []):
        who = (
            f"account {failure['account_id']}" if "account_id" in failure else failure.get("symbol")
        )
        parts.append(f"; {who} failed: {failure.get('error')}")
    return "".join(parts)
