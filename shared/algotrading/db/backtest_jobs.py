"""Backtest runs started in the background (the API's `POST /api/backtest`): the run's row
exists from the moment it is asked for, so its id can be answered at once and polled.

While the run works, its row is a placeholder with status `running` and the span and
parameters as asked (no metrics, no trades); when it succeeds the placeholder is replaced by
the stored result (`insert_run` / `insert_portfolio_run`, status `done`) in one transaction; when
it fails the row turns `failed` with the error message in its metrics (`{"error": ...}`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.jsonsafe import plain
from algotrading.domain.timefmt import ms_to_datetime


def insert_pending(
    conn: psycopg.Connection, run_id: str, *, kind: str, strategy: str | None,
    symbols: Sequence[str], start_ms: int, end_ms: int, capital: float,
    params: dict[str, Any], user_id: int | None,
) -> None:  # fmt: skip
    """The placeholder row of a run just asked for; the caller commits."""
    conn.execute(
        "INSERT INTO backtest_runs (id, user_id, kind, strategy, symbols, start_time, end_time,"
        " initial_capital, params, status) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " 'running')",
        (
            run_id, user_id, kind, strategy, list(symbols), ms_to_datetime(start_ms),
            ms_to_datetime(end_ms), capital, Jsonb(plain(params)),
        ),
    )  # fmt: skip


def drop_pending(conn: psycopg.Connection, run_id: str) -> bool:
    """Delete the placeholder (in the transaction that stores the result); whether it was there."""
    return (
        conn.execute(
            "DELETE FROM backtest_runs WHERE id = %s AND status = 'running'", (run_id,)
        ).rowcount
        > 0
    )


def mark_failed(conn: psycopg.Connection, run_id: str, message: str) -> None:
    conn.execute(
        "UPDATE backtest_runs SET status = 'failed', metrics = %s WHERE id = %s",
        (Jsonb({"error": message}), run_id),
    )


def run_status(conn: psycopg.Connection, run_id: str) -> str | None:
    row = conn.execute("SELECT status FROM backtest_runs WHERE id = %s", (run_id,)).fetchone()
    return None if row is None else str(row[0])
