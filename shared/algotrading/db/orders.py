"""The `orders` table: the executor's intent log, keyed by order_link_id.

A row is written and committed (status `created`, no exchange id) *before* the order is sent,
then updated with what the exchange says. A crash between the exchange accepting the order and
our update therefore leaves a row that names the order: the next evaluation asks the exchange
for it by its link id and records the fill (docs/EXECUTION.md, "Intent log"). The link id is
unique per account, so inserting an intent twice returns the first row.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.domain.trades import OrderPurpose, StrategyId

OPEN_STATUSES = ("created", "new", "partially_filled")
PURPOSES = tuple(purpose.value for purpose in OrderPurpose)

_COLUMNS = (
    "id, trade_id, strategy, symbol, order_link_id, exchange_order_id, purpose, side,"
    " order_type, qty, price, reduce_only, status, filled_qty, avg_fill_price, fee,"
    " bar_close_time, reason, created_at"
)


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    trade_id: int | None
    strategy: StrategyId | None
    symbol: str
    order_link_id: str
    exchange_order_id: str | None
    purpose: OrderPurpose
    side: str
    order_type: str
    qty: Decimal
    price: Decimal | None
    reduce_only: bool
    status: str
    filled_qty: Decimal
    avg_fill_price: Decimal | None
    fee: Decimal
    bar_close_ms: int | None
    reason: str | None
    created_ms: int

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def as_dict(self) -> dict[str, Any]:
        safe: dict[str, Any] = json_safe({name: getattr(self, name) for name in self.__slots__})
        return safe


def _row(r: tuple[Any, ...]) -> OrderRow:
    close = None if r[16] is None else datetime_to_ms(r[16])
    head = (*r[:6], OrderPurpose(r[6]), *r[7:16])
    return OrderRow(*(*head, close, r[17], datetime_to_ms(r[18])))  # one tuple: mypy counts it


def insert_intent(
    conn: psycopg.Connection,
    account_id: int,
    *,
    link_id: str,
    trade_id: int | None,
    strategy: StrategyId | None,
    symbol: str,
    purpose: OrderPurpose,
    side: str,
    qty: Decimal,
    bar_close_ms: int,
    reduce_only: bool = False,
    price: Decimal | None = None,
    status: str = "created",
    reason: str | None = None,
) -> OrderRow:
    """The intent row (a market order); the existing row when the link id is already known."""
    if purpose not in PURPOSES:
        raise ValueError(f"order purpose must be one of {PURPOSES}, got {purpose!r}")
    conn.execute(
        "INSERT INTO orders (trading_account_id, trade_id, strategy, symbol, order_link_id,"
        " purpose, side, order_type, qty, price, reduce_only, status, bar_close_time, reason)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, 'market', %s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (trading_account_id, order_link_id) DO NOTHING",
        (
            account_id, trade_id, strategy, symbol, link_id, purpose, side, qty, price,
            reduce_only, status, ms_to_datetime(bar_close_ms), reason,
        ),
    )  # fmt: skip
    found = get_by_link(conn, account_id, link_id)
    if found is None:  # inserted or already there: it must exist now
        raise RuntimeError(f"order {link_id} vanished after insert")
    return found


def get_by_link(conn: psycopg.Connection, account_id: int, link_id: str) -> OrderRow | None:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM orders WHERE trading_account_id = %s AND order_link_id = %s",
        (account_id, link_id),
    ).fetchone()
    return None if row is None else _row(row)


def get_order(conn: psycopg.Connection, account_id: int, order_id: int) -> OrderRow | None:
    """The account's order row `order_id` (None when there is none, or it is another's)."""
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM orders WHERE trading_account_id = %s AND id = %s",
        (account_id, order_id),
    ).fetchone()
    return None if row is None else _row(row)


def open_orders(conn: psycopg.Connection, account_id: int) -> list[OrderRow]:
    """Orders whose outcome is not final yet (intents included), oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM orders WHERE trading_account_id = %s"
        " AND status IN ('created', 'new', 'partially_filled') ORDER BY id",
        (account_id,),
    ).fetchall()
    return [_row(r) for r in rows]


def trade_orders(conn: psycopg.Connection, trade_id: int) -> list[OrderRow]:
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM orders WHERE trade_id = %s ORDER BY id", (trade_id,)
    ).fetchall()
    return [_row(r) for r in rows]


def list_orders(
    conn: psycopg.Connection, account_id: int, bar_close_ms: int | None = None
) -> list[OrderRow]:
    """The account's orders (or those caused by one bar close), oldest first."""
    close = None if bar_close_ms is None else ms_to_datetime(bar_close_ms)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM orders WHERE trading_account_id = %s"
        " AND (%s::timestamptz IS NULL OR bar_close_time = %s::timestamptz) ORDER BY id",
        (account_id, close, close),
    ).fetchall()
    return [_row(r) for r in rows]


def update_order(
    conn: psycopg.Connection,
    order_id: int,
    *,
    status: str,
    exchange_order_id: str | None = None,
    filled_qty: Decimal | None = None,
    avg_fill_price: Decimal | None = None,
    fee: Decimal | None = None,
    reason: str | None = None,
) -> None:
    """What the exchange says about the order; fields given as None keep their value."""
    conn.execute(
        "UPDATE orders SET status = %s,"
        " exchange_order_id = COALESCE(%s, exchange_order_id),"
        " filled_qty = COALESCE(%s, filled_qty),"
        " avg_fill_price = COALESCE(%s, avg_fill_price),"
        " fee = COALESCE(%s, fee), reason = COALESCE(%s, reason), updated_at = now()"
        " WHERE id = %s",
        (status, exchange_order_id or None, filled_qty, avg_fill_price, fee, reason, order_id),
    )


def set_price(conn: psycopg.Connection, order_id: int, price: Decimal) -> None:
    """A resting order moved to a new level (its trigger price is kept in `price`)."""
    conn.execute(
        "UPDATE orders SET price = %s, updated_at = now() WHERE id = %s", (price, order_id)
    )


def insert_external(
    conn: psycopg.Connection,
    account_id: int,
    *,
    trade_id: int | None,
    strategy: StrategyId | None,
    symbol: str,
    exchange_order_id: str,
    purpose: OrderPurpose,
    side: str,
    qty: Decimal,
    avg_fill_price: Decimal,
    fee: Decimal,
    bar_close_ms: int,
    reason: str,
) -> None:
    """An order the exchange made on its own (stop-loss, take-profit, liquidation) or someone
    placed by hand: recorded once, under a link id derived from the exchange's order id."""
    link = "x" + exchange_order_id.replace("-", "")[:35]
    conn.execute(
        "INSERT INTO orders (trading_account_id, trade_id, strategy, symbol, order_link_id,"
        " exchange_order_id, purpose, side, order_type, qty, reduce_only, status, filled_qty,"
        " avg_fill_price, fee, bar_close_time, reason)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 'market', %s, TRUE, 'filled', %s, %s, %s,"
        " %s, %s) ON CONFLICT DO NOTHING",
        (
            account_id, trade_id, strategy, symbol, link, exchange_order_id, purpose, side, qty,
            qty, avg_fill_price, fee, ms_to_datetime(bar_close_ms), reason,
        ),
    )  # fmt: skip
