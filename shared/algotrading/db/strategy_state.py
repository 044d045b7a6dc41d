"""The `strategy_state` table: the policy state of each open position, between bars.

One row per (account, strategy, symbol), tied to the trade it manages. `extra` holds the whole
`PositionState` (`position`, as `PositionState.as_dict`) and, while the entry has been sent but
its fill is not known, the signal row it was sized from (`pending`), so a fill found later by
reconciliation gets exactly the levels the signal asked for. The flat columns (trailing stop,
best price, partial flag, bars held, time stop) mirror the state for people and dashboards.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.positions import PositionState
from algotrading.domain.timefmt import ms_to_datetime

_UPSERT = """
INSERT INTO strategy_state (trading_account_id, strategy, symbol, trade_id, trailing_stop,
                            best_price, partial_exit_done, time_stop_at, bars_held, extra)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (trading_account_id, strategy, symbol) DO UPDATE
SET trade_id = EXCLUDED.trade_id, trailing_stop = EXCLUDED.trailing_stop,
    best_price = EXCLUDED.best_price, partial_exit_done = EXCLUDED.partial_exit_done,
    time_stop_at = EXCLUDED.time_stop_at, bars_held = EXCLUDED.bars_held,
    extra = EXCLUDED.extra, updated_at = now()
"""


@dataclass(frozen=True, slots=True)
class StoredPosition:
    """What `strategy_state` holds for one strategy and symbol."""

    strategy: str
    symbol: str
    trade_id: int | None
    position: PositionState | None
    pending: Mapping[str, Any] | None


def save_position(
    conn: psycopg.Connection,
    account_id: int,
    strategy: str,
    symbol: str,
    trade_id: int,
    state: PositionState,
    time_stop_ms: int | None = None,
) -> None:
    """The position's state after its fill or after a bar was stepped; caller commits."""
    extra = {"position": state.as_dict()}
    trail = state.trail_stop if state.trail_active else None
    conn.execute(
        _UPSERT,
        (
            account_id, strategy, symbol, trade_id, trail, state.best_price, state.partial_done,
            None if time_stop_ms is None else ms_to_datetime(time_stop_ms), state.bars_held,
            Jsonb(json_safe(extra)),
        ),
    )  # fmt: skip


def save_pending(
    conn: psycopg.Connection,
    account_id: int,
    strategy: str,
    symbol: str,
    trade_id: int,
    signal_row: Mapping[str, Any],
) -> None:
    """The signal an entry was sent for, until its fill is known."""
    extra = {"pending": dict(signal_row)}
    conn.execute(
        _UPSERT,
        (account_id, strategy, symbol, trade_id, None, None, False, None, 0, Jsonb(extra)),
    )


def load_positions(
    conn: psycopg.Connection, account_id: int
) -> dict[tuple[str, str], StoredPosition]:
    """Every stored state of the account by (strategy, symbol)."""
    rows = conn.execute(
        "SELECT strategy, symbol, trade_id, extra FROM strategy_state"
        " WHERE trading_account_id = %s ORDER BY strategy, symbol",
        (account_id,),
    ).fetchall()
    result = {}
    for strategy, symbol, trade_id, extra in rows:
        data = extra or {}
        position = data.get("position")
        state = PositionState.from_dict(position) if position else None
        result[(strategy, symbol)] = StoredPosition(
            strategy, symbol, trade_id, state, data.get("pending")
        )
    return result


def clear_position(
    conn: psycopg.Connection, account_id: int, strategy: str, symbol: str, trade_id: int
) -> None:
    """Forget the state of a trade that closed (or never filled); a newer trade's is kept."""
    conn.execute(
        "DELETE FROM strategy_state WHERE trading_account_id = %s AND strategy = %s"
        " AND symbol = %s AND trade_id = %s",
        (account_id, strategy, symbol, trade_id),
    )
