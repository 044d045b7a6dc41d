"""`live_parity(time)`: each live and test account's trades of the previous UTC day against the
portfolio backtest of that day (docs/jobs.md, "Live parity").

Runs daily at 00:30 UTC (`jobs.grid`). For every active account in mode `live` or `test`, the
day's trades are compared with a backtest on the same data, allocation and strategy configs
(`jobs.parity_inputs`) by the comparison `algo paper compare` uses (`backtest.parity`): a trade
on one side only, a different side, quantity, entry price (both on the instrument's tick) or
exit. Differences are listed in the job run's summary and raised as one `parity_mismatch` alert
per account and day; a clean day is a clean run. The job run is idempotent (`job_runs`), and
the alert's dedupe key is the account's day, so a repeated delivery never alerts twice. An
account whose check cannot run (no data for the day, a broken config) fails alone, alerted as
every job's failures are.
"""

from __future__ import annotations

from typing import Any

import psycopg

from algotrading.backtest.parity import compare
from algotrading.backtest.portfolio import run_portfolio
from algotrading.db.accounts import TradingAccount
from algotrading.domain.alerts import AlertEvent, AlertKind
from algotrading.execution import Runtime
from algotrading.jobs.alerting import raise_alert
from algotrading.jobs.config import LEDGER_SETTINGS, job_connection, job_settings
from algotrading.jobs.each_account import each_account
from algotrading.jobs.grid import check_time
from algotrading.jobs.parity_inputs import (
    ParityDay,
    backtest_config,
    backtest_side,
    data_dirs,
    instruments,
    live_side,
)
from algotrading.jobs.runs import JobResult, run_job
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.settings import Settings

CHECKED_MODES = frozenset({"live", "test"})
"""Accounts trading real orders (mainnet or testnet); paper accounts are replays' own."""
MAX_LISTED = 20
"""Differences listed in an alert; the job run's summary keeps them all."""


def live_parity(
    time_ms: int,
    *,
    settings: Settings | None = None,
    cache: RuntimeCache | None = None,
    conn: psycopg.Connection | None = None,
) -> JobResult:
    """Compare every live and test account's previous UTC day with its backtest, once per day.
    `cache` is accepted for the shape every job has; the check opens no exchange client."""
    check_time("live_parity", time_ms)
    settings = settings or job_settings(LEDGER_SETTINGS)
    if conn is not None:
        return _run(conn, time_ms, settings)
    with job_connection(settings) as db:
        return _run(db, time_ms, settings)


def _run(conn: psycopg.Connection, time_ms: int, settings: Settings) -> JobResult:
    if not conn.autocommit:
        raise ValueError("the scheduled jobs need an autocommit connection")
    day = ParityDay.before(time_ms)

    def one(account: TradingAccount, _runtime: Runtime) -> dict[str, Any]:
        return check_account(conn, settings, account, day, time_ms)

    def everything() -> dict[str, Any]:
        summary = each_account(conn, "live_parity", time_ms, settings, RuntimeCache(), one,
                               keep=lambda a: a.mode in CHECKED_MODES)  # fmt: skip
        found = sum(len(a["differences"]) for a in summary["accounts"])
        mismatched = sum(1 for a in summary["accounts"] if a["differences"])
        return summary | {"day": day.label, "differences": found, "mismatched": mismatched}

    return run_job(conn, "live_parity", time_ms, everything)


def check_account(
    conn: psycopg.Connection,
    settings: Settings,
    account: TradingAccount,
    day: ParityDay,
    time_ms: int,
) -> dict[str, Any]:
    """One account's day against its backtest; an alert when they differ."""
    dirs = data_dirs(settings)
    live = live_side(conn, account.id, day)
    config = backtest_config(conn, account.id, day, dirs)
    result = run_portfolio(config, workers=1, created_ms=time_ms)
    ours = backtest_side(result.to_json(), day)
    symbols = {t["symbol"] for t in live["trades"]} | {t["symbol"] for t in ours["trades"]}
    parity = compare(live | {"instruments": instruments(config.data_dirs, symbols)}, ours)
    differences = [d.replace("replay", "live") for d in parity.differences]  # the account's side
    if differences:
        raise_alert(conn, settings, mismatch_alert(account.id, day, differences, time_ms))
    return {
        "live_trades": len(live["trades"]), "backtest_trades": len(ours["trades"]),
        "compared": parity.compared, "differences": differences,
    }  # fmt: skip


def mismatch_alert(
    account_id: int, day: ParityDay, differences: list[str], time_ms: int
) -> AlertEvent:
    """One alert per account and day (its dedupe key), listing what differs."""
    listed = differences[:MAX_LISTED]
    more = len(differences) - len(listed)
    return AlertEvent.create(
        AlertKind.PARITY_MISMATCH,
        f"account {account_id} traded {day.label} unlike its backtest:"
        f" {len(differences)} difference(s)",
        account_id=account_id,
        details={"day": day.label, "differences": "\n".join(listed)}
        | ({"not listed": more} if more else {}),
        time_ms=time_ms,
        dedupe_key=f"{AlertKind.PARITY_MISMATCH}:{day.start_ms}",
    )
