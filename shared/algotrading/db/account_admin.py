"""Trading accounts as their owners manage them: the full row (risk limits, owner), listing,
creation with limits, partial updates and deletion.

`db.accounts` keeps the narrow `TradingAccount` the services read (no limits, no secret); the
API shows and changes the rest of the row, so that lives here. Keys are never read here:
`has_keys` is all a caller learns about them (`db.accounts.set_credentials` writes them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg import sql

from algotrading.db.accounts import AccountNotFound
from algotrading.errors import AppError

_COLUMNS = (
    "a.id, a.user_id, u.email, a.name, a.exchange, a.mode, a.base_url, a.is_active,"
    " a.api_key_encrypted IS NOT NULL, a.starting_capital, a.max_loss_per_trade,"
    " a.max_risk_per_trade_pct, a.max_portfolio_risk_pct, a.max_leverage, a.created_at,"
    " a.updated_at"
)
_FROM = "FROM trading_accounts a JOIN users u ON u.id = a.user_id"
EDITABLE = (
    "name", "mode", "base_url", "is_active", "starting_capital", "max_loss_per_trade",
    "max_risk_per_trade_pct", "max_portfolio_risk_pct", "max_leverage",
)  # fmt: skip


class AccountNameTaken(AppError):
    """The owner already has an account of that name (names are unique per user)."""


@dataclass(frozen=True, slots=True)
class AccountDetail:
    """A `trading_accounts` row with its owner's e-mail; never a key."""

    id: int
    user_id: int
    owner_email: str
    name: str
    exchange: str
    mode: str
    base_url: str
    is_active: bool
    has_keys: bool
    starting_capital: Decimal | None
    max_loss_per_trade: Decimal | None
    max_risk_per_trade_pct: Decimal
    max_portfolio_risk_pct: Decimal
    max_leverage: Decimal
    created_at: datetime
    updated_at: datetime


def get_account_detail(conn: psycopg.Connection, account_id: int) -> AccountDetail:
    row = conn.execute(f"SELECT {_COLUMNS} {_FROM} WHERE a.id = %s", (account_id,)).fetchone()
    if row is None:
        raise AccountNotFound(f"trading account {account_id} does not exist")
    return AccountDetail(*row)


def list_account_details(
    conn: psycopg.Connection, user_id: int | None, limit: int, offset: int
) -> tuple[list[AccountDetail], int]:
    """One page of the accounts of `user_id` (of every user when None), oldest first, and the
    total count."""
    where = "WHERE (%s::bigint IS NULL OR a.user_id = %s::bigint)"
    rows = conn.execute(
        f"SELECT {_COLUMNS} {_FROM} {where} ORDER BY a.id LIMIT %s OFFSET %s",
        (user_id, user_id, limit, offset),
    ).fetchall()
    total = conn.execute(
        f"SELECT count(*) {_FROM} {where}", (user_id, user_id)
    ).fetchone()  # fmt: skip
    return [AccountDetail(*r) for r in rows], int(total[0]) if total else 0


def insert_account(
    conn: psycopg.Connection, user_id: int, fields: Mapping[str, Any]
) -> AccountDetail:
    """A new account of `user_id` with `fields` (columns of `EDITABLE`; others default)."""
    names = [_editable(name) for name in fields]
    query = sql.SQL(
        "INSERT INTO trading_accounts (user_id, {}) VALUES (%s, {}) RETURNING id"
    ).format(
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(sql.Placeholder() * len(names)),
    )
    row = _named(conn, fields.get("name"), query, (user_id, *fields.values()))
    return get_account_detail(conn, int(row[0]))


def update_account(
    conn: psycopg.Connection, account_id: int, changes: Mapping[str, Any]
) -> AccountDetail:
    """Set the given columns (of `EDITABLE`); an empty change only reads the account."""
    if changes:
        sets = sql.SQL(", ").join(
            sql.SQL("{} = %s").format(sql.Identifier(_editable(name))) for name in changes
        )
        query = sql.SQL(
            "UPDATE trading_accounts SET {}, updated_at = now() WHERE id = %s RETURNING id"
        ).format(sets)
        _named(conn, changes.get("name"), query, (*changes.values(), account_id))
    return get_account_detail(conn, account_id)


def delete_account(conn: psycopg.Connection, account_id: int) -> None:
    """Delete the account and, by cascade, everything it recorded."""
    deleted = conn.execute("DELETE FROM trading_accounts WHERE id = %s", (account_id,)).rowcount
    if deleted != 1:
        raise AccountNotFound(f"trading account {account_id} does not exist")


def _editable(name: str) -> str:
    if name not in EDITABLE:
        raise ValueError(f"{name} is not an editable account column")
    return name


def _named(
    conn: psycopg.Connection, name: object, query: sql.Composed, params: tuple[Any, ...]
) -> tuple[Any, ...]:
    """Run an INSERT/UPDATE ... RETURNING id; a duplicate name is `AccountNameTaken`, under a
    savepoint so the request's transaction stays usable."""
    try:
        with conn.transaction():
            row = conn.execute(query, params).fetchone()
    except psycopg.errors.UniqueViolation:
        raise AccountNameTaken(f"an account named {name!r} exists already") from None
    if row is None:
        raise AccountNotFound("trading account does not exist")
    return tuple(row)
