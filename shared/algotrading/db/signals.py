"""The `signals` table: every decision a strategy's bar led to, with the reason.

One row per (account, strategy, symbol, bar close, action), written by upsert: an evaluation
that is redone after a crash (docs/EXECUTION.md, "Ledger") rewrites its decisions instead of
logging them twice, and the row that stays is the decision that was finally acted on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

ACTIONS = ("entry_long", "entry_short", "exit", "adjust", "hold")
DECISIONS = ("accepted", "rejected", "skipped")

_UPSERT = """
INSERT INTO signals (trading_account_id, strategy, symbol, bar_interval, bar_close_time, action,
                     decision, reason, price, stop_loss, take_profit, qty, details)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (trading_account_id, strategy, symbol, bar_close_time, action) DO UPDATE
SET decision = EXCLUDED.decision, reason = EXCLUDED.reason, price = EXCLUDED.price,
    stop_loss = EXCLUDED.stop_loss, take_profit = EXCLUDED.take_profit, qty = EXCLUDED.qty,
    details = EXCLUDED.details, bar_interval = EXCLUDED.bar_interval
RETURNING id
"""

_COLUMNS = (
    "id, strategy, symbol, bar_interval, bar_close_time, action, decision, reason, price,"
    " stop_loss, take_profit, qty, details"
)


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """One decision. A decision other than `accepted` must say why (the table checks it)."""

    strategy: str
    symbol: str
    bar_close_ms: int
    action: str
    decision: str
    reason: str | None = None
    bar_interval: str | None = None
    price: Decimal | None = None
    stop_loss: Decimal | None = None
    take_profit: Decimal | None = None
    qty: Decimal | None = None
    details: Mapping[str, Any] = field(default_factory=dict)
    id: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"signal action must be one of {ACTIONS}, got {self.action!r}")
        if self.decision not in DECISIONS:
            raise ValueError(f"signal decision must be one of {DECISIONS}, got {self.decision!r}")
        if self.decision != "accepted" and not self.reason:
            raise ValueError(f"a {self.decision} signal needs a reason")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ms, numbers as text), for results and replay reports."""
        safe: dict[str, Any] = json_safe(
            {
                "id": self.id, "strategy": self.strategy, "symbol": self.symbol,
                "bar_interval": self.bar_interval, "bar_close_ms": self.bar_close_ms,
                "action": self.action, "decision": self.decision, "reason": self.reason,
                "price": self.price, "stop_loss": self.stop_loss,
                "take_profit": self.take_profit, "qty": self.qty,
            }
        )  # fmt: skip
        return safe


def upsert_signal(conn: psycopg.Connection, account_id: int, rec: SignalRecord) -> int:
    """Store (or rewrite) the decision; returns the row id. Runs in the caller's transaction."""
    row = conn.execute(_UPSERT, _params(account_id, rec)).fetchone()
    if row is None:  # INSERT ... RETURNING always returns a row
        raise RuntimeError("upsert into signals returned no id")
    return int(row[0])


def _params(account_id: int, rec: SignalRecord) -> tuple[Any, ...]:
    return (
        account_id, rec.strategy, rec.symbol, rec.bar_interval, ms_to_datetime(rec.bar_close_ms),
        rec.action, rec.decision, rec.reason, rec.price, rec.stop_loss, rec.take_profit, rec.qty,
        Jsonb(json_safe(dict(rec.details))),
    )  # fmt: skip


def upsert_signals(conn: psycopg.Connection, account_id: int, records: list[SignalRecord]) -> None:
    """Many decisions at once (the no-signal and skip rows of a close)."""
    if not records:
        return
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, [_params(account_id, rec) for rec in records])


def set_decision(
    conn: psycopg.Connection, signal_id: int, decision: str, reason: str | None
) -> None:
    """Turn an accepted signal into a rejected one when the exchange refused the order."""
    if decision not in DECISIONS:
        raise ValueError(f"signal decision must be one of {DECISIONS}, got {decision!r}")
    conn.execute(
        "UPDATE signals SET decision = %s, reason = %s WHERE id = %s",
        (decision, reason, signal_id),
    )


def list_signals(
    conn: psycopg.Connection,
    account_id: int,
    start_ms: int | None = None,
    end_ms: int | None = None,
) -> list[SignalRecord]:
    """Decisions with bar close in [start_ms, end_ms], in time order."""
    lo = None if start_ms is None else ms_to_datetime(start_ms)
    hi = None if end_ms is None else ms_to_datetime(end_ms)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM signals WHERE trading_account_id = %s"
        " AND (%s::timestamptz IS NULL OR bar_close_time >= %s::timestamptz)"
        " AND (%s::timestamptz IS NULL OR bar_close_time <= %s::timestamptz)"
        " ORDER BY bar_close_time, strategy, symbol, id",
        (account_id, lo, lo, hi, hi),
    ).fetchall()
    return [_record(r) for r in rows]


def _record(r: tuple[Any, ...]) -> SignalRecord:
    sid, strategy, symbol, interval, close, action, decision, reason = r[:8]
    price, stop, take, qty, details = r[8:]
    return SignalRecord(
        strategy, symbol, datetime_to_ms(close), action, decision, reason, interval, price,
        stop, take, qty, details or {}, sid,
    )  # fmt: skip


def page_signals(
    conn: psycopg.Connection,
    account_id: int,
    strategy: str,
    *,
    symbol: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[SignalRecord], int]:
    """One page of a strategy's decisions, newest bar first, and how many there are in all
    (the dashboard's signal log; `symbol` narrows it to one market)."""
    where = (
        " FROM signals WHERE trading_account_id = %s AND strategy = %s"
        " AND (%s::text IS NULL OR symbol = %s::text)"
    )
    args = (account_id, strategy, symbol, symbol)
    total_row = conn.execute("SELECT count(*)" + where, args).fetchone()
    rows = conn.execute(
        f"SELECT {_COLUMNS}{where} ORDER BY bar_close_time DESC, id DESC LIMIT %s OFFSET %s",
        (*args, limit, offset),
    ).fetchall()
    return [_record(r) for r in rows], int(total_row[0]) if total_row else 0
