"""Recording a symbol's funding history in `funding_rates`.

The interval of each settlement is market arithmetic (`market.funding`), the upsert is storage
(`db.funding_rates`); joining them here keeps the market tier free of database code, so a
strategy that reads funding never loads psycopg.
"""

from __future__ import annotations

import psycopg

from algotrading.db.funding_rates import FundingRateRow, upsert_funding_rates
from algotrading.domain.series import FundingHistory
from algotrading.market.funding import check_interval_hours, interval_per_settlement


def record_funding_history(
    conn: psycopg.Connection,
    symbol: str,
    history: FundingHistory,
    known_interval_hours: int | None = None,
) -> int:
    """Upsert every settlement into `funding_rates`; returns rows inserted or changed.

    Each row carries the interval in force when it settled, inferred from the spacing up to it;
    `known_interval_hours` (instrument info) fills rows the spacing cannot tell (the first).
    """
    if known_interval_hours is not None:
        check_interval_hours(known_interval_hours)
    intervals = interval_per_settlement(history.time_ms)
    rows = [
        FundingRateRow(symbol, int(t), float(r), known_interval_hours if i is None else i)
        for t, r, i in zip(history.time_ms, history.rate, intervals, strict=True)
    ]
    return upsert_funding_rates(conn, rows)
