"""The `portfolio_state` table: one circuit-breaker state per account and scope.

Two equity-tracker runs for the same account (a retried EventBridge delivery, the 5-minute job
meeting a trade-close snapshot) must not both evaluate the breakers from the same old state and
raise the same transition twice: `load_states(for_update=True)` takes a transaction-scoped
advisory lock per account, held until the caller commits or rolls back, which also covers the
first run when no row exists yet to lock. Everything runs in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import psycopg

from algotrading.db.accounts import get_account
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime
from algotrading.portfolio.allocation import PORTFOLIO, STRATEGY_IDS, check_strategy
from algotrading.portfolio.breakers import BreakerState

_COLUMNS = (
    "scope, breaker_state, peak_equity, shadow_base, shadow_equity, manual_override,"
    " override_by, reason, changed_at, drawdown_warned"
)

_UPSERT = f"""
INSERT INTO portfolio_state (trading_account_id, {_COLUMNS})
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (trading_account_id, scope) DO UPDATE
SET breaker_state = EXCLUDED.breaker_state,
    peak_equity = EXCLUDED.peak_equity,
    shadow_base = EXCLUDED.shadow_base,
    shadow_equity = EXCLUDED.shadow_equity,
    manual_override = EXCLUDED.manual_override,
    override_by = EXCLUDED.override_by,
    reason = EXCLUDED.reason,
    changed_at = EXCLUDED.changed_at,
    drawdown_warned = EXCLUDED.drawdown_warned,
    updated_at = now()
WHERE (portfolio_state.breaker_state, portfolio_state.peak_equity, portfolio_state.shadow_base,
       portfolio_state.shadow_equity, portfolio_state.manual_override,
       portfolio_state.override_by, portfolio_state.reason, portfolio_state.changed_at,
       portfolio_state.drawdown_warned)
   IS DISTINCT FROM
      (EXCLUDED.breaker_state, EXCLUDED.peak_equity, EXCLUDED.shadow_base,
       EXCLUDED.shadow_equity, EXCLUDED.manual_override, EXCLUDED.override_by,
       EXCLUDED.reason, EXCLUDED.changed_at, EXCLUDED.drawdown_warned)
"""


def check_scope(scope: str) -> str:
    """`portfolio` or a known strategy id, else `UnknownStrategy`."""
    return scope if scope == PORTFOLIO else check_strategy(scope, STRATEGY_IDS)


def lock_account(conn: psycopg.Connection, account_id: int) -> None:
    """Serialize breaker evaluations of one account until the transaction ends."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended('portfolio_state:' || %s::text, 0))",
        (account_id,),
    )


def load_states(
    conn: psycopg.Connection, account_id: int, *, for_update: bool = False
) -> dict[str, BreakerState]:
    """Every stored scope of the account (an unknown account raises `AccountNotFound`).

    A scope never evaluated has no row; `breakers.evaluate` starts it fresh.
    """
    get_account(conn, account_id)
    if for_update:
        lock_account(conn, account_id)
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM portfolio_state WHERE trading_account_id = %s ORDER BY scope",
        (account_id,),
    ).fetchall()
    return {row[0]: _state(row) for row in rows}


def _state(row: tuple[Any, ...]) -> BreakerState:
    scope, status, peak, base, shadow, override, by, reason, changed_at, warned = row
    return BreakerState(
        scope=scope,
        status=status,
        peak_equity=peak,
        shadow_base=base,
        shadow_equity=shadow,
        override=override,
        override_by=by,
        reason=reason,
        changed_ms=None if changed_at is None else datetime_to_ms(changed_at),
        warned=warned,
    )


def save_states(conn: psycopg.Connection, account_id: int, states: Iterable[BreakerState]) -> int:
    """Insert or update the given scopes; returns how many rows actually changed."""
    get_account(conn, account_id)
    params = [_params(account_id, state) for state in states]
    if not params:
        return 0
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, params)
        return max(cur.rowcount, 0)


def _params(account_id: int, s: BreakerState) -> tuple[Any, ...]:
    changed_at = None if s.changed_ms is None else ms_to_datetime(s.changed_ms)
    override = None if s.override is None else s.override.value
    return (
        account_id, check_scope(s.scope), s.status.value, s.peak_equity, s.shadow_base,
        s.shadow_equity, override, s.override_by, s.reason, changed_at, s.warned,
    )  # fmt: skip
