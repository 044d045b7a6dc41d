"""The `strategy_performance` table: metrics per account, scope, period and as-of time.

An upsert on (account, scope, period, as_of): the current day's, week's and month's rows are
rewritten by every snapshot until their period ends, so the table always holds one row per
period with its latest figures. Floats enter as their shortest decimal (`repr`), then PostgreSQL
rounds them to the column's scale. Written scopes are checked against the strategy ids the
caller knows (`known`); a read of a scope never written finds no rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.db.accounts import get_account
from algotrading.domain.performance import PerformanceRow, Period
from algotrading.domain.scopes import check_scope
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

_VALUES = (
    "period_return, sharpe, sortino, calmar, max_drawdown, win_rate, profit_factor, trade_count"
)

_UPSERT = f"""
INSERT INTO strategy_performance (trading_account_id, scope, period, as_of, {_VALUES})
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (trading_account_id, scope, period, as_of) DO UPDATE
SET period_return = EXCLUDED.period_return,
    sharpe = EXCLUDED.sharpe,
    sortino = EXCLUDED.sortino,
    calmar = EXCLUDED.calmar,
    max_drawdown = EXCLUDED.max_drawdown,
    win_rate = EXCLUDED.win_rate,
    profit_factor = EXCLUDED.profit_factor,
    trade_count = EXCLUDED.trade_count,
    computed_at = now()
"""


def _num(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(repr(float(value)))


def upsert_performance(
    conn: psycopg.Connection,
    account_id: int,
    rows: Sequence[PerformanceRow],
    *,
    known: Iterable[str],
) -> int:
    """Insert or refresh the rows; returns how many were written. Caller commits."""
    get_account(conn, account_id)
    known = tuple(known)
    params = [_params(account_id, check_scope(r.scope, known), r) for r in rows]
    if not params:
        return 0
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, params)
        return max(cur.rowcount, 0)


def _params(account_id: int, scope: str, r: PerformanceRow) -> tuple[Any, ...]:
    return (
        account_id, scope, Period(r.period).value, ms_to_datetime(r.as_of_ms),
        _num(r.period_return), _num(r.sharpe), _num(r.sortino), _num(r.calmar),
        _num(r.max_drawdown), _num(r.win_rate), _num(r.profit_factor), r.trade_count,
    )  # fmt: skip


def load_performance(
    conn: psycopg.Connection,
    account_id: int,
    scope: str,
    period: Period | str,
    limit: int = 100,
) -> list[PerformanceRow]:
    """The most recent rows of one scope and period, newest first."""
    get_account(conn, account_id)
    rows = conn.execute(
        f"SELECT scope, period, as_of, {_VALUES} FROM strategy_performance"
        " WHERE trading_account_id = %s AND scope = %s AND period = %s"
        " ORDER BY as_of DESC LIMIT %s",
        (account_id, scope, Period(period).value, limit),
    ).fetchall()
    return [_row(r) for r in rows]


def _row(r: tuple[Any, ...]) -> PerformanceRow:
    values = [None if v is None else float(v) for v in r[3:10]]
    return PerformanceRow(*(r[0], Period(r[1]), datetime_to_ms(r[2]), *values, r[10]))
