"""The `trades` table: positions a strategy opened, live or on paper, and their money.

`qty` is the entry's filled quantity and never changes after the fill; what is still open is
`qty x qty_fraction` of the position's policy state (strategy_state), because the policy counts
partial exits as fractions of the initial quantity. `realized_pnl` is the price PnL before fees
(accumulated over partial exits), `fees` what the trade paid, `funding` what it received (+) or
paid (-). A live trade's figures are replaced by the exchange's executions when it closes.
Statuses: `pending` (entry sent, fill not yet known), `open`, `closed`, `cancelled` (the entry
never filled).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.positions import ExitReason, PositionSide, parse_exit_reason
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.domain.trades import StrategyId, TradeStatus

ZERO = Decimal(0)
_COLUMNS = (
    "id, strategy, symbol, side, status, qty, entry_price, exit_price, stop_loss, take_profit,"
    " leverage, realized_pnl, fees, funding, exit_reason, is_shadow, opened_at, closed_at,"
    " signal_id"
)


@dataclass(frozen=True, slots=True)
class Trade:
    id: int
    strategy: StrategyId
    symbol: str
    side: PositionSide
    status: TradeStatus
    qty: Decimal
    entry_price: Decimal | None
    exit_price: Decimal | None
    stop_loss: Decimal | None
    take_profit: Decimal | None
    leverage: Decimal | None
    realized_pnl: Decimal
    fees: Decimal
    funding: Decimal
    exit_reason: ExitReason | str | None  # free text on a cancelled trade: parse_exit_reason
    is_shadow: bool
    opened_ms: int | None
    closed_ms: int | None
    signal_id: int | None

    @property
    def is_long(self) -> bool:
        return self.side is PositionSide.LONG

    @property
    def net_pnl(self) -> Decimal:
        """Realized PnL after fees and funding (a closed trade's result)."""
        return self.realized_pnl - self.fees + self.funding

    def as_dict(self) -> dict[str, Any]:
        safe: dict[str, Any] = json_safe({name: getattr(self, name) for name in self.__slots__})
        return safe


def _ms(value: datetime | None) -> int | None:
    return None if value is None else datetime_to_ms(value)


def _dt(ms: int | None) -> datetime | None:
    return None if ms is None else ms_to_datetime(ms)


def _trade(r: tuple[Any, ...]) -> Trade:
    """A row of `_COLUMNS` as a Trade: the side, status and exit reason as their enums, the
    times as epoch ms."""
    reason = None if r[14] is None else parse_exit_reason(r[14])
    head = (r[0], StrategyId(r[1]), r[2], PositionSide(r[3]), TradeStatus(r[4]), *r[5:14])
    return Trade(*(*head, reason, r[15], _ms(r[16]), _ms(r[17]), r[18]))


def insert_trade(
    conn: psycopg.Connection,
    account_id: int,
    *,
    strategy: StrategyId,
    symbol: str,
    side: PositionSide,
    status: TradeStatus,
    qty: Decimal,
    leverage: Decimal,
    stop_loss: Decimal | None,
    take_profit: Decimal | None = None,
    entry_price: Decimal | None = None,
    fees: Decimal = ZERO,
    is_shadow: bool = False,
    opened_ms: int | None = None,
    signal_id: int | None = None,
) -> int:
    """A new trade row; the caller commits."""
    row = conn.execute(
        "INSERT INTO trades (trading_account_id, signal_id, strategy, symbol, side, status, qty,"
        " entry_price, stop_loss, take_profit, leverage, fees, is_shadow, opened_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            account_id, signal_id, strategy, symbol, side.value, status.value, qty, entry_price,
            stop_loss, take_profit, leverage, fees, is_shadow, _dt(opened_ms),
        ),
    ).fetchone()  # fmt: skip
    if row is None:
        raise RuntimeError("INSERT INTO trades returned no id")
    return int(row[0])


def get_trade(conn: psycopg.Connection, account_id: int, trade_id: int) -> Trade:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM trades WHERE trading_account_id = %s AND id = %s",
        (account_id, trade_id),
    ).fetchone()
    if row is None:
        raise LookupError(f"trade {trade_id} of account {account_id} does not exist")
    return _trade(row)


def active_trades(conn: psycopg.Connection, account_id: int) -> list[Trade]:
    """Pending and open trades, live and paper, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM trades WHERE trading_account_id = %s"
        " AND status IN ('pending', 'open') ORDER BY id",
        (account_id,),
    ).fetchall()
    return [_trade(r) for r in rows]


def list_trades(
    conn: psycopg.Connection, account_id: int, *, closed_only: bool = False
) -> list[Trade]:
    """Every trade of the account (or only the closed ones), oldest first."""
    where = " AND status = 'closed'" if closed_only else ""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM trades WHERE trading_account_id = %s{where} ORDER BY id",
        (account_id,),
    ).fetchall()
    return [_trade(r) for r in rows]


def page_trades(
    conn: psycopg.Connection,
    account_id: int,
    *,
    statuses: tuple[str, ...] | None = None,
    strategy: str | None = None,
    symbol: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Trade], int]:
    """One page of the account's trades, newest first, and how many match in all (the
    dashboard's trade list: `statuses`, `strategy` and `symbol` narrow it)."""
    where = (
        " FROM trades WHERE trading_account_id = %s"
        " AND (%s::text[] IS NULL OR status = ANY(%s::text[]))"
        " AND (%s::text IS NULL OR strategy = %s::text) AND (%s::text IS NULL OR symbol = %s::text)"
    )
    wanted = None if statuses is None else list(statuses)
    args = (account_id, wanted, wanted, strategy, strategy, symbol, symbol)
    total_row = conn.execute("SELECT count(*)" + where, args).fetchone()
    rows = conn.execute(
        f"SELECT {_COLUMNS}{where} ORDER BY id DESC LIMIT %s OFFSET %s", (*args, limit, offset)
    ).fetchall()
    return [_trade(r) for r in rows], int(total_row[0]) if total_row else 0


def mark_open(
    conn: psycopg.Connection,
    trade_id: int,
    *,
    qty: Decimal,
    entry_price: Decimal,
    stop_loss: Decimal | None,
    take_profit: Decimal | None,
    opened_ms: int,
    fees: Decimal,
) -> None:
    """The entry filled: the real quantity, price and the levels measured from the fill."""
    conn.execute(
        "UPDATE trades SET status = 'open', qty = %s, entry_price = %s, stop_loss = %s,"
        " take_profit = %s, opened_at = %s, fees = %s, updated_at = now() WHERE id = %s",
        (qty, entry_price, stop_loss, take_profit, _dt(opened_ms), fees, trade_id),
    )


def set_levels(
    conn: psycopg.Connection, trade_id: int, stop_loss: Decimal | None, take_profit: Decimal | None
) -> None:
    """The stop and take-profit the exchange should hold now (a trailing stop moves it)."""
    conn.execute(
        "UPDATE trades SET stop_loss = %s, take_profit = %s, updated_at = now() WHERE id = %s",
        (stop_loss, take_profit, trade_id),
    )


def book_partial(conn: psycopg.Connection, trade_id: int, realized: Decimal, fees: Decimal) -> None:
    """A partial exit: its price PnL and fee are added; the trade stays open."""
    conn.execute(
        "UPDATE trades SET realized_pnl = realized_pnl + %s, fees = fees + %s,"
        " updated_at = now() WHERE id = %s",
        (realized, fees, trade_id),
    )


def close_trade(
    conn: psycopg.Connection,
    trade_id: int,
    *,
    exit_price: Decimal,
    realized_pnl: Decimal,
    fees: Decimal,
    exit_reason: ExitReason | str,
    closed_ms: int,
) -> None:
    """The position is flat: the totals replace what was booked along the way."""
    conn.execute(
        "UPDATE trades SET status = 'closed', exit_price = %s, realized_pnl = %s, fees = %s,"
        " exit_reason = %s, closed_at = %s, updated_at = now() WHERE id = %s",
        (exit_price, realized_pnl, fees, exit_reason, _dt(closed_ms), trade_id),
    )


def cancel_trade(conn: psycopg.Connection, trade_id: int, reason: str) -> None:
    """The entry never filled: nothing was traded."""
    conn.execute(
        "UPDATE trades SET status = 'cancelled', qty = 0, exit_reason = %s, updated_at = now()"
        " WHERE id = %s",
        (reason, trade_id),
    )


def set_funding(conn: psycopg.Connection, trade_id: int, funding: Decimal) -> None:
    conn.execute(
        "UPDATE trades SET funding = %s, updated_at = now() WHERE id = %s", (funding, trade_id)
    )


def closed_totals(
    conn: psycopg.Connection, account_id: int
) -> list[tuple[str, bool, tuple[Decimal, Decimal, Decimal]]]:
    """Per (strategy, is_shadow): realized, fees, funding of the closed trades, for the ledger."""
    rows = conn.execute(
        "SELECT strategy, is_shadow, sum(realized_pnl), sum(fees), sum(funding) FROM trades"
        " WHERE trading_account_id = %s AND status = 'closed' GROUP BY strategy, is_shadow"
        " ORDER BY strategy, is_shadow",
        (account_id,),
    ).fetchall()
    return [(r[0], r[1], (r[2], r[3], r[4])) for r in rows]
