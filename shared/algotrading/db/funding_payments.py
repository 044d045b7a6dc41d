"""The `funding_payments` ledger and the per-trade watermark of what is booked.

Every writer (the funding poll, the evaluation at a settlement time, the close of a trade) goes
through here, so a settlement is one row whatever books it and however often: the inserts skip
a row that exists (unique per account, symbol and settlement, and per trade and settlement,
migrations 004 and 014), and a trade's `funding` is always re-summed from its rows, never
added to. The watermark only moves forward (`GREATEST`), so a late or concurrent run cannot
move it back over a settlement another run already found missing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import psycopg

from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

_INSERT = (
    "INSERT INTO funding_payments (trading_account_id, trade_id, strategy, symbol, funding_time,"
    " rate, position_value, amount) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
    " ON CONFLICT DO NOTHING"
)

_ADVANCE = (
    "INSERT INTO funding_watermarks (trade_id, trading_account_id, booked_through)"
    " VALUES (%s, %s, %s) ON CONFLICT (trade_id) DO UPDATE"
    " SET booked_through = GREATEST(funding_watermarks.booked_through, EXCLUDED.booked_through),"
    " updated_at = now()"
)


@dataclass(frozen=True, slots=True)
class FundingPayment:
    """One settlement of one position: `amount` > 0 was received, < 0 was paid."""

    symbol: str
    time_ms: int
    rate: Decimal
    position_value: Decimal
    amount: Decimal


def insert_payments(
    conn: psycopg.Connection,
    account_id: int,
    trade_id: int,
    strategy: str,
    payments: Sequence[FundingPayment],
) -> int:
    """Insert the payments not booked yet; returns how many rows were new (the caller commits)."""
    inserted = 0
    for p in payments:
        cur = conn.execute(
            _INSERT,
            (
                account_id, trade_id, strategy, p.symbol, ms_to_datetime(p.time_ms), p.rate,
                p.position_value, p.amount,
            ),
        )  # fmt: skip
        inserted += max(cur.rowcount, 0)
    return inserted


def trade_funding_total(conn: psycopg.Connection, trade_id: int) -> Decimal:
    """The sum of the trade's booked payments (0 when none)."""
    row = conn.execute(
        "SELECT coalesce(sum(amount), 0) FROM funding_payments WHERE trade_id = %s", (trade_id,)
    ).fetchone()
    return Decimal(row[0]) if row else Decimal(0)


def booked_times(conn: psycopg.Connection, trade_id: int) -> list[int]:
    """Settlement times (UTC ms) booked to the trade, oldest first."""
    rows = conn.execute(
        "SELECT funding_time FROM funding_payments WHERE trade_id = %s ORDER BY funding_time",
        (trade_id,),
    ).fetchall()
    return [datetime_to_ms(r[0]) for r in rows]


def watermark(conn: psycopg.Connection, trade_id: int) -> int | None:
    """UTC ms up to which every settlement of the trade is booked, None before the first."""
    row = conn.execute(
        "SELECT booked_through FROM funding_watermarks WHERE trade_id = %s", (trade_id,)
    ).fetchone()
    return None if row is None else datetime_to_ms(row[0])


def advance_watermark(
    conn: psycopg.Connection, account_id: int, trade_id: int, through_ms: int
) -> None:
    """Everything of the trade up to `through_ms` is booked (never moves back)."""
    conn.execute(_ADVANCE, (trade_id, account_id, ms_to_datetime(through_ms)))
