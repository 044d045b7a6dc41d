"""A stored strategy run read back in the result schema.

Storage (`db.backtests`) returns the columns; the schema name and the strategy's title belong to
the backtest and the strategies, above storage, so they are filled in here.
"""

from __future__ import annotations

from typing import Any

import psycopg

from algotrading.backtest.result import SCHEMA
from algotrading.db.backtests import load_run
from algotrading.strategies.registry import STRATEGIES


def load_stored_run(conn: psycopg.Connection, run_id: str) -> dict[str, Any] | None:
    """The stored run in the result schema (equity curve: daily closes), or None."""
    titles = {strategy_id: spec.title for strategy_id, spec in STRATEGIES.items()}
    return load_run(conn, run_id, schema=SCHEMA, titles=titles)
