"""--persist: the simulator's state as one JSON snapshot per name in PostgreSQL (`sim_state`).

A snapshot is rewritten whole, in one statement (one transaction), after each change: the table
never holds half a state, and a restart finds the last complete one. Simulated books are small
(a demo's worth of orders), so rewriting beats a schema that mirrors every object.
"""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.db.connection import connect
from algotrading.errors import DatabaseUnavailable
from algotrading.logs import redact

_UPSERT = """
INSERT INTO sim_state (name, sim_time, state, updated_at)
VALUES (%s, to_timestamp(%s / 1000.0), %s, now())
ON CONFLICT (name) DO UPDATE
   SET sim_time = EXCLUDED.sim_time, state = EXCLUDED.state, updated_at = now()
"""


class SimStore:
    """One connection, kept open for the simulator's lifetime (writes are frequent)."""

    def __init__(self, url: str, name: str) -> None:
        self.name = name
        self._conn = connect(url, autocommit=True)
        found = self._conn.execute("SELECT to_regclass('sim_state') IS NOT NULL").fetchone()
        if not found or not found[0]:
            self._conn.close()
            raise DatabaseUnavailable(
                "table sim_state is missing: run `algo db migrate` before "
                "`algo sim serve --persist`"
            )

    def load(self) -> dict[str, Any] | None:
        row = self._conn.execute(
            "SELECT state FROM sim_state WHERE name = %s", (self.name,)
        ).fetchone()
        if row is None:
            return None
        state = row[0]
        loaded: dict[str, Any] | None = json.loads(state) if isinstance(state, str) else state
        return loaded

    def save(self, snapshot: dict[str, Any]) -> None:
        try:
            self._conn.execute(_UPSERT, (self.name, snapshot["now_ms"], Jsonb(snapshot)))
        except psycopg.Error as exc:
            raise DatabaseUnavailable(
                f"saving simulator state failed: {redact(str(exc))}"
            ) from None

    def close(self) -> None:
        self._conn.close()
