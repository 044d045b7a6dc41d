"""The executor's public entry points: `evaluate(account, close)` and `snapshot(account, time)`.

Both take plain inputs (an account id, a UTC-ms time, settings), so a Lambda handler, the local
scheduler, the CLI and the paper replay call them the same way. Everything else has a default:
a connection from the settings, the account's exchange (its stored, encrypted keys and base
URL), the market data over that exchange, the notifier from the settings. Callers that run many
evaluations (the replay, a warm Lambda) pass their own `Runtime` to reuse the exchange client and
the candle cache.

Bad input is refused before anything is written: an unknown or inactive account, a time that is
not a 15-minute close, a configuration that cannot trade (no starting capital, an allocation
not summing to 100 %, out-of-range limits, an unknown strategy or a bad parameter override).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from algotrading.db.accounts import get_account, load_credentials
from algotrading.db.connection import connect, database_url, schema_ready
from algotrading.db.portfolio_config import load_portfolio_config
from algotrading.db.strategy_configs import StrategyConfig, load_strategy_configs
from algotrading.errors import AppError
from algotrading.exchange.factory import open_bybit
from algotrading.execution import equity, pipeline
from algotrading.execution.context import Ctx
from algotrading.execution.inputs import CloseMarketData
from algotrading.execution.ledger import run_once
from algotrading.execution.runtime import RunResult, Runtime
from algotrading.execution.schedule import check_close
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.notify import notifier_from_settings
from algotrading.settings import Settings, get_settings
from algotrading.strategies.registry import default_allocation, get_strategy, sleeve_ids

SNAPSHOT_STEP_MS = 5 * 60_000


class AccountInactive(AppError):
    """The account is switched off; nothing is evaluated for it."""


def evaluate(
    account_id: int,
    close_ms: int,
    *,
    settings: Settings | None = None,
    conn: psycopg.Connection | None = None,
    runtime: Runtime | None = None,
    job: str = pipeline.JOB,
    keep: Callable[[str], bool] | None = None,
) -> RunResult:
    """Reconcile, run every strategy due at `close_ms`, place what they decide; once per close.

    The scheduled jobs (`algotrading.jobs`) split the strategies between two owners: `keep`
    selects the strategies this run considers and `job` names its ledger rows. Whatever the
    job, an account's trading runs hold one lock, so two owners never trade it at once.
    """
    check_close(close_ms)
    return _run(
        job, account_id, close_ms, settings, conn, runtime,
        lambda ctx: pipeline.run(ctx, job, keep), lock=pipeline.JOB,
    )  # fmt: skip


def snapshot(
    account_id: int,
    time_ms: int,
    *,
    settings: Settings | None = None,
    conn: psycopg.Connection | None = None,
    runtime: Runtime | None = None,
) -> RunResult:
    """Equity snapshot, breakers and performance at the scheduled `time_ms` (5-minute grid)."""
    if isinstance(time_ms, bool) or time_ms <= 0 or time_ms % SNAPSHOT_STEP_MS:
        raise AppError(f"snapshot time must be a multiple of 5 minutes in UTC ms, got {time_ms}")
    settings = settings or get_settings()
    thresholds = thresholds_from_settings(settings)
    return _run(
        equity.JOB, account_id, time_ms, settings, conn, runtime,
        lambda ctx: equity.take(ctx, thresholds),
    )  # fmt: skip


def _run(
    job: str,
    account_id: int,
    time_ms: int,
    settings: Settings | None,
    conn: psycopg.Connection | None,
    runtime: Runtime | None,
    work: Callable[[Ctx], dict[str, Any]],
    lock: str | None = None,
) -> RunResult:
    settings = settings or get_settings()
    runtime = runtime or Runtime()
    with autocommit_connection(conn, settings) as db:
        ctx = account_context(db, account_id, time_ms, settings, runtime)
        outcome = run_once(
            db, account_id, job, time_ms, lambda: work(ctx), runtime.lock_timeout_s, lock
        )
    return RunResult(job, account_id, time_ms, outcome.status, outcome.replayed, outcome.result)


@contextmanager
def autocommit_connection(
    conn: psycopg.Connection | None, settings: Settings
) -> Iterator[psycopg.Connection]:
    if conn is not None:
        if not conn.autocommit:
            raise ValueError("evaluate/snapshot need an autocommit connection")
        yield conn
        return
    own = connect(database_url(settings), settings.db_connect_timeout_s, autocommit=True)
    schema_ready(own, settings)
    try:
        yield own
    finally:
        own.close()


def account_context(
    conn: psycopg.Connection, account_id: int, time_ms: int, settings: Settings, rt: Runtime
) -> Ctx:
    """Everything checked and loaded before the ledger is touched (bad input writes nothing)."""
    account = get_account(conn, account_id)
    if not account.is_active:
        raise AccountInactive(f"trading account {account_id} is not active")
    config = load_portfolio_config(conn, account_id, default_allocation=default_allocation())
    stored = load_strategy_configs(conn, account_id, known=sleeve_ids())  # no row: its defaults
    configs = {s: stored.get(s, StrategyConfig(s)) for s in sleeve_ids()}
    strategies = {s: get_strategy(s, c.params) for s, c in configs.items()}
    exchange = rt.exchange
    if exchange is None:
        _, credentials = load_credentials(conn, account_id, settings)
        exchange = open_bybit(account.base_url, credentials)
        rt.exchange = exchange
    if rt.market is None or rt.market.exchange is not exchange:
        rt.market = CloseMarketData(exchange)
    rt.notifier = rt.notifier or notifier_from_settings(settings)
    return Ctx(
        conn=conn, exchange=exchange, market=rt.market, notifier=rt.notifier,
        account_id=account_id, close_ms=time_ms, config=config, configs=configs,
        strategies=strategies, fill_delays_s=rt.fill_delays_s,
    )  # fmt: skip
