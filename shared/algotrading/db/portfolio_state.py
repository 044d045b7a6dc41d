"""The `portfolio_state` table: one circuit-breaker state per account and scope.

Two equity-tracker runs for the same account (a retried EventBridge delivery, the 5-minute job
meeting a trade-close snapshot) must not both evaluate the breakers from the same old state and
raise the same transition twice: `load_states(for_update=True)` takes a transaction-scoped
advisory lock per account, held until the caller commits or rolls back, which also covers the
first run when no row exists yet to lock. Everything runs in the caller's transaction.

A stored scope is `portfolio` or a strategy id the caller knows (`save_states(known=...)`: the
registry's ids, passed down from above), so a typo never becomes a breaker nobody reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.db.accounts import get_account
from algotrading.domain.breaker import BreakerState
from algotrading.domain.scopes import check_scope
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

_FIELDS = (
    "scope", "breaker_state", "peak_equity", "shadow_base", "shadow_equity", "manual_override",
    "override_by", "reason", "changed_at", "drawdown_warned", "real_peak", "floor_peak",
    "floored", "resumed_by", "resumed_reason", "resumed_at", "last_flow_at",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)
_MONEY = Decimal("0.00000001")  # NUMERIC(24, 8)

_UPSERT = f"""
INSERT INTO portfolio_state (trading_account_id, {_COLUMNS})
VALUES (%s, {", ".join(["%s"] * len(_FIELDS))})
ON CONFLICT (trading_account_id, scope) DO UPDATE
SET {", ".join(f"{f} = EXCLUDED.{f}" for f in _FIELDS[1:])}, updated_at = now()
WHERE ({", ".join(f"portfolio_state.{f}" for f in _FIELDS[1:])})
   IS DISTINCT FROM
      ({", ".join(f"EXCLUDED.{f}" for f in _FIELDS[1:])})
"""


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
    return {row[0]: state_from_row(row) for row in rows}


def state_from_row(row: tuple[Any, ...]) -> BreakerState:
    """A `portfolio_state` row (the columns of `_FIELDS`, in order) as a breaker state."""
    (scope, status, peak, base, shadow, override, by, reason, changed_at, warned, real_peak,
     floor_peak, floored, resumed_by, resumed_reason, resumed_at, last_flow_at) = row  # fmt: skip
    return BreakerState(
        scope=scope, status=status, peak_equity=peak, shadow_base=base, shadow_equity=shadow,
        override=override, override_by=by, reason=reason, changed_ms=_ms(changed_at),
        warned=warned, real_peak=real_peak, floor_peak=floor_peak, floored=floored,
        resumed_by=resumed_by, resumed_reason=resumed_reason, resumed_ms=_ms(resumed_at),
        last_flow_ms=_ms(last_flow_at),
    )  # fmt: skip


def state_to_row(s: BreakerState) -> tuple[Any, ...]:
    """The row `state_from_row` reads back, money at the columns' scale: what a restart loads
    is exactly this (the breaker property tests round-trip through both functions)."""
    shadow = None if s.shadow_equity is None else _money(s.shadow_equity)
    override = None if s.override is None else s.override.value
    return (
        s.scope, s.status.value, _money(s.peak_equity), _money(s.shadow_base),
        shadow, override, s.override_by, s.reason, _time(s.changed_ms), s.warned,
        _money(s.real_peak), _money(s.floor_peak), s.floored, s.resumed_by, s.resumed_reason,
        _time(s.resumed_ms), _time(s.last_flow_ms),
    )  # fmt: skip


def _money(value: Decimal) -> Decimal:
    return value.quantize(_MONEY)


def _ms(value: datetime | None) -> int | None:
    return None if value is None else datetime_to_ms(value)


def _time(ms: int | None) -> datetime | None:
    return None if ms is None else ms_to_datetime(ms)


def save_states(
    conn: psycopg.Connection,
    account_id: int,
    states: Iterable[BreakerState],
    *,
    known: Iterable[str],
) -> int:
    """Insert or update the given scopes; returns how many rows actually changed.

    Every scope is checked against `known` (the strategy ids) before anything is written."""
    get_account(conn, account_id)
    states, known = tuple(states), tuple(known)
    for state in states:
        check_scope(state.scope, known)
    params = [(account_id, *state_to_row(state)) for state in states]
    if not params:
        return 0
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, params)
        return max(cur.rowcount, 0)
