"""`account_strategy_configs`: per account and strategy, enabled or not, parameter overrides and
symbols. A strategy without a row runs with its defaults; a row naming an unknown strategy is an
error, never silently ignored (it would be a strategy the operator thinks is trading).

Which strategies exist is the registry's to say (`strategies.registry.sleeve_ids()`), a tier
above this one: the caller passes the known ids in."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.db.accounts import get_account
from algotrading.domain.scopes import UnknownStrategy


@dataclass(frozen=True, slots=True)
class StrategyConfig:
    strategy: str
    enabled: bool = True
    params: dict[str, Any] | None = None
    symbols: tuple[str, ...] | None = None


def load_strategy_configs(
    conn: psycopg.Connection, account_id: int, *, known: Iterable[str]
) -> dict[str, StrategyConfig]:
    """Every known strategy's configuration for the account, in the order of `known`."""
    known = tuple(known)
    get_account(conn, account_id)
    rows = conn.execute(
        "SELECT strategy, enabled, params, symbols FROM account_strategy_configs"
        " WHERE trading_account_id = %s ORDER BY strategy",
        (account_id,),
    ).fetchall()
    stored = {}
    for strategy, enabled, params, symbols in rows:
        if strategy not in known:
            raise UnknownStrategy(
                f"trading account {account_id} configures unknown strategy {strategy!r};"
                f" known: {', '.join(known)}"
            )
        listed = tuple(s.strip().upper() for s in symbols) if symbols else None
        stored[strategy] = StrategyConfig(strategy, enabled, params or None, listed)
    return {s: stored.get(s, StrategyConfig(s)) for s in known}


def upsert_strategy_config(
    conn: psycopg.Connection,
    account_id: int,
    strategy: str,
    *,
    params: dict[str, Any] | None = None,
    symbols: list[str] | None = None,
    enabled: bool = True,
    allocation_pct: Decimal | int | None = None,
    known: Iterable[str],
) -> None:
    """Store a strategy's overrides for the account (used by tests, the API and the replay).

    `allocation_pct` None keeps the stored share (NULL, the default table's, for a new row); the
    merged table is checked when it is loaded (`portfolio_config.load_allocation`)."""
    known = tuple(known)
    if strategy not in known:
        raise UnknownStrategy(f"unknown strategy {strategy!r}; known: {', '.join(known)}")
    conn.execute(
        "INSERT INTO account_strategy_configs (trading_account_id, strategy, enabled, params,"
        " symbols, allocation_pct) VALUES (%s, %s, %s, %s, %s, %s)"
        " ON CONFLICT (trading_account_id, strategy) DO UPDATE SET enabled = EXCLUDED.enabled,"
        " params = EXCLUDED.params, symbols = EXCLUDED.symbols, allocation_pct ="
        " COALESCE(EXCLUDED.allocation_pct, account_strategy_configs.allocation_pct),"
        " updated_at = now()",
        (account_id, strategy, enabled, Jsonb(params or {}), symbols, allocation_pct),
    )
