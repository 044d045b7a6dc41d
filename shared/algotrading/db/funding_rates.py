"""The `funding_rates` table: one row per symbol and settlement, written idempotently.

The funding poller runs every few minutes and sees the same settlements again and again, and
EventBridge may deliver an invocation twice: an upsert on (symbol, funding_time) that touches a
row only when its rate or interval really changed keeps repeated polls free of churn.
Rates go in as the shortest decimal of the float (`repr`), so 0.0001 is stored as 0.0001, not
as the binary float's 0.000100000000000000004792...
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import psycopg

from algotrading.domain.series import FundingHistory
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

_UPSERT = """
INSERT INTO funding_rates (symbol, funding_time, rate, interval_hours)
VALUES (%s, %s, %s, %s)
ON CONFLICT (symbol, funding_time) DO UPDATE
SET rate = EXCLUDED.rate,
    interval_hours = COALESCE(EXCLUDED.interval_hours, funding_rates.interval_hours),
    recorded_at = now()
WHERE funding_rates.rate IS DISTINCT FROM EXCLUDED.rate
   OR (EXCLUDED.interval_hours IS NOT NULL
       AND funding_rates.interval_hours IS DISTINCT FROM EXCLUDED.interval_hours)
"""

_VALID_INTERVALS = (1, 2, 4, 8)


@dataclass(frozen=True, slots=True)
class FundingRateRow:
    """One settlement: symbol, UTC ms, rate (0.0001 = 0.01 %), interval in hours if known."""

    symbol: str
    funding_time_ms: int
    rate: float
    interval_hours: int | None = None


def upsert_funding_rates(conn: psycopg.Connection, rows: Sequence[FundingRateRow]) -> int:
    """Insert new settlements, update changed ones; returns how many rows were written.

    Runs in the caller's transaction (the caller commits), so a batch is all or nothing.
    """
    for row in rows:
        _check(row)
    params = [
        (
            row.symbol,
            ms_to_datetime(row.funding_time_ms),
            Decimal(repr(row.rate)),
            row.interval_hours,
        )
        for row in rows
    ]
    if not params:
        return 0
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, params)
        return max(cur.rowcount, 0)


def load_funding_history(
    conn: psycopg.Connection,
    symbol: str,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> FundingHistory:
    """Settlements of `symbol` with time in [start_ms, end_ms], ascending."""
    rows = conn.execute(
        "SELECT funding_time, rate FROM funding_rates WHERE symbol = %s "
        "AND (%s::timestamptz IS NULL OR funding_time >= %s::timestamptz) "
        "AND (%s::timestamptz IS NULL OR funding_time <= %s::timestamptz) "
        "ORDER BY funding_time",
        (symbol, *_bound(start_ms), *_bound(end_ms)),
    ).fetchall()
    times = np.array([datetime_to_ms(t) for t, _ in rows], dtype=np.int64)
    rates = np.array([float(r) for _, r in rows], dtype=np.float64)
    return FundingHistory(times, rates)


def _bound(ms: int | None) -> tuple[object, object]:
    value = None if ms is None else ms_to_datetime(ms)
    return value, value


def _check(row: FundingRateRow) -> None:
    if not row.symbol or not row.symbol.isalnum() or row.symbol.upper() != row.symbol:
        raise ValueError(f"invalid symbol {row.symbol!r}")
    if row.interval_hours is not None and row.interval_hours not in _VALID_INTERVALS:
        raise ValueError(f"funding interval must be 1, 2, 4 or 8 hours, got {row.interval_hours}")
    if not np.isfinite(row.rate):
        raise ValueError(f"funding rate of {row.symbol} must be finite, got {row.rate}")
