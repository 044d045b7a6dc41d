"""The `portfolio_snapshots` table: the equity curve of the portfolio and of each sleeve.

Rows are keyed by (account, scope, snapshot time), and the snapshot time is the scheduled time
of the run, never the clock: a retried run writes nothing new (the first write wins), so the
curve has exactly one point per scope and schedule tick. Written scopes are checked against
the strategy ids the caller knows (`known`); a read of a scope never written finds no rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import psycopg

from algotrading.db.accounts import get_account
from algotrading.domain.breaker import BreakerStatus
from algotrading.domain.scopes import check_scope
from algotrading.domain.series import F64, I64
from algotrading.domain.snapshot import SnapshotRow
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

_COLUMNS = (
    "scope, snapshot_time, equity, shadow_equity, real_peak, real_drawdown_pct,"
    " breaker_reference, breaker_drawdown_pct, realized_pnl, unrealized_pnl, funding_pnl,"
    " open_positions, breaker_state"
)

_INSERT = f"""
INSERT INTO portfolio_snapshots (trading_account_id, {_COLUMNS})
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (trading_account_id, scope, snapshot_time) DO NOTHING
"""


def insert_snapshots(
    conn: psycopg.Connection, account_id: int, rows: Sequence[SnapshotRow], *, known: Iterable[str]
) -> int:
    """Insert the rows not stored yet; returns how many were new. Caller commits."""
    get_account(conn, account_id)
    known = tuple(known)
    params = [_params(account_id, check_scope(r.scope, known), r) for r in rows]
    if not params:
        return 0
    with conn.cursor() as cur:
        cur.executemany(_INSERT, params)
        return max(cur.rowcount, 0)


def _params(account_id: int, scope: str, r: SnapshotRow) -> tuple[Any, ...]:
    return (
        account_id, scope, ms_to_datetime(r.time_ms), r.equity, r.shadow_equity,
        r.real_peak, r.real_drawdown_pct, r.breaker_reference, r.breaker_drawdown_pct,
        r.realized_pnl, r.unrealized_pnl, r.funding_pnl, r.open_positions, r.breaker_state.value,
    )  # fmt: skip


def load_snapshots(
    conn: psycopg.Connection,
    account_id: int,
    scope: str,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> list[SnapshotRow]:
    """Rows of one scope with time in [start_ms, end_ms], oldest first."""
    get_account(conn, account_id)
    lo = None if start_ms is None else ms_to_datetime(start_ms)
    hi = None if end_ms is None else ms_to_datetime(end_ms)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM portfolio_snapshots WHERE trading_account_id = %s"
        " AND scope = %s AND (%s::timestamptz IS NULL OR snapshot_time >= %s::timestamptz)"
        " AND (%s::timestamptz IS NULL OR snapshot_time <= %s::timestamptz)"
        " ORDER BY snapshot_time",
        (account_id, scope, lo, lo, hi, hi),
    ).fetchall()
    return [_row(r) for r in rows]


def _row(r: tuple[Any, ...]) -> SnapshotRow:
    (scope, time, equity, shadow, real_peak, real_dd, reference, breaker_dd, realized, unrealized,
     funding, n, state) = r  # fmt: skip
    return SnapshotRow(
        scope, datetime_to_ms(time), equity, shadow, real_peak, real_dd, reference, breaker_dd,
        realized, unrealized, funding, n, BreakerStatus(state),
    )  # fmt: skip


def load_equity_curve(
    conn: psycopg.Connection,
    account_id: int,
    scope: str,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> tuple[I64, F64]:
    """(times, live equity) of one scope, the input of `portfolio.metrics`/`performance`."""
    rows = load_snapshots(conn, account_id, scope, start_ms, end_ms)
    times = np.array([r.time_ms for r in rows], dtype=np.int64)
    equity = np.array([float(r.equity) for r in rows], dtype=np.float64)
    return times, equity


def load_equity_curves(
    conn: psycopg.Connection, account_id: int, end_ms: int | None = None
) -> dict[str, tuple[I64, F64]]:
    """(times, live equity) of every scope up to `end_ms`, in one query (the equity tracker
    refreshes the metrics of all scopes at each snapshot)."""
    get_account(conn, account_id)
    hi = None if end_ms is None else ms_to_datetime(end_ms)
    rows = conn.execute(
        "SELECT scope, snapshot_time, equity FROM portfolio_snapshots"
        " WHERE trading_account_id = %s AND (%s::timestamptz IS NULL OR snapshot_time <="
        " %s::timestamptz) ORDER BY scope, snapshot_time",
        (account_id, hi, hi),
    ).fetchall()
    grouped: dict[str, tuple[list[int], list[float]]] = {}
    for scope, time, equity in rows:
        times, values = grouped.setdefault(scope, ([], []))
        times.append(datetime_to_ms(time))
        values.append(float(equity))
    return {
        scope: (np.array(t, dtype=np.int64), np.array(v, dtype=np.float64))
        for scope, (t, v) in grouped.items()
    }


def latest_snapshots(conn: psycopg.Connection, account_id: int) -> dict[str, SnapshotRow]:
    """The newest row of every scope of the account (the dashboard's current figures), read
    without loading the curves."""
    get_account(conn, account_id)
    rows = conn.execute(
        f"SELECT DISTINCT ON (scope) {_COLUMNS} FROM portfolio_snapshots"
        " WHERE trading_account_id = %s ORDER BY scope, snapshot_time DESC",
        (account_id,),
    ).fetchall()
    return {r[0]: _row(r) for r in rows}


def snapshot_before(
    conn: psycopg.Connection, account_id: int, scope: str, before_ms: int
) -> SnapshotRow | None:
    """The newest row of one scope strictly before `before_ms`, if any."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM portfolio_snapshots WHERE trading_account_id = %s"
        " AND scope = %s AND snapshot_time < %s ORDER BY snapshot_time DESC LIMIT 1",
        (account_id, scope, ms_to_datetime(before_ms)),
    ).fetchone()
    return None if row is None else _row(row)
