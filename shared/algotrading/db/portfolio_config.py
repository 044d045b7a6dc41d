"""An account's portfolio configuration: starting capital, allocation table, risk limits.

Read from `trading_accounts` (capital and limits) and `account_strategy_configs` (allocation
overrides, merged into the default table: docs/RISK.md). The default table is the registry's
(`strategies.registry.default_allocation()`, a tier above this one), so the caller passes it in.
Invalid stored values are a clear error naming the account; nothing trades on a configuration
that does not add up.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.db.accounts import AccountNotFound
from algotrading.domain.allocation import AllocationError, AllocationTable
from algotrading.domain.limits import InvalidLimits, RiskLimits
from algotrading.errors import AppError


class MissingStartingCapital(AppError):
    """The account has no starting_capital, so its sleeves have no base."""


@dataclass(frozen=True, slots=True)
class AccountPortfolioConfig:
    account_id: int
    starting_capital: Decimal
    allocation: AllocationTable
    limits: RiskLimits


def load_risk_limits(conn: psycopg.Connection, account_id: int) -> RiskLimits:
    """The account's limits; out-of-range stored values raise `InvalidLimits`."""
    return _limits(account_id, _account_row(conn, account_id)[1:])


def load_allocation(
    conn: psycopg.Connection, account_id: int, *, default: AllocationTable
) -> AllocationTable:
    """`default` with the account's non-NULL allocation_pct overrides merged in."""
    _account_row(conn, account_id)
    rows = conn.execute(
        "SELECT strategy, allocation_pct FROM account_strategy_configs"
        " WHERE trading_account_id = %s AND allocation_pct IS NOT NULL ORDER BY strategy",
        (account_id,),
    ).fetchall()
    try:
        return default.with_overrides(dict(rows))
    except AllocationError as exc:
        raise AllocationError(f"trading account {account_id}: {exc}") from None


def load_portfolio_config(
    conn: psycopg.Connection, account_id: int, *, default_allocation: AllocationTable
) -> AccountPortfolioConfig:
    """Capital, allocation (`default_allocation` with the account's overrides) and limits."""
    row = _account_row(conn, account_id)
    if row[0] is None:
        raise MissingStartingCapital(
            f"trading account {account_id} has no starting_capital; set it before trading"
        )
    allocation = load_allocation(conn, account_id, default=default_allocation)
    return AccountPortfolioConfig(account_id, row[0], allocation, _limits(account_id, row[1:]))


def _account_row(conn: psycopg.Connection, account_id: int) -> tuple[Any, ...]:
    row = conn.execute(
        "SELECT starting_capital, max_loss_per_trade, max_risk_per_trade_pct,"
        " max_portfolio_risk_pct, max_leverage FROM trading_accounts WHERE id = %s",
        (account_id,),
    ).fetchone()
    if row is None:
        raise AccountNotFound(f"trading account {account_id} does not exist")
    return tuple(row)


def _limits(account_id: int, values: tuple[Any, ...]) -> RiskLimits:
    max_loss, risk_pct, portfolio_pct, leverage = values
    try:
        return RiskLimits(max_loss, risk_pct, portfolio_pct, leverage)
    except InvalidLimits as exc:
        raise InvalidLimits(f"trading account {account_id}: {exc}") from None
