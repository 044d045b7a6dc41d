"""The `live_events` table: the PostgreSQL adapter of the live-event port, and the reads the
API's WebSocket needs (events after an id, to catch up after a reconnect).

`publish` inserts the row and calls `pg_notify` in the caller's transaction: PostgreSQL
delivers the notification only at commit, so a listener never sees an event whose row it
cannot read, and a rolled-back job announces nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.domain.live_events import LiveEvent, LiveEventType

CHANNEL = "live_events"


def publish(conn: psycopg.Connection, event: LiveEvent) -> int | None:
    """Insert and announce; None when the dedupe key was already published."""
    row = conn.execute(
        "INSERT INTO live_events (trading_account_id, type, time_ms, data, dedupe_key)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id",
        (event.account_id, event.type.value, event.time_ms, Jsonb(dict(event.data)),
         event.dedupe_key),
    ).fetchone()  # fmt: skip
    if row is None:
        return None
    event_id = int(row[0])
    conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, str(event_id)))
    return event_id


class PostgresPublisher:
    """`LiveEventPublisher` over one connection, each event in its own transaction."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn

    def publish(self, event: LiveEvent) -> int | None:
        with self._conn.transaction():
            return publish(self._conn, event)


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    event: LiveEvent

    def message(self) -> dict[str, Any]:
        return self.event.message(self.id)


_COLUMNS = "id, trading_account_id, type, time_ms, data, dedupe_key"


def _stored(row: tuple[Any, ...]) -> StoredEvent:
    event_id, account, kind, time_ms, data, key = row
    return StoredEvent(int(event_id), LiveEvent(LiveEventType(kind), account, time_ms, data, key))


def get_event(conn: psycopg.Connection, event_id: int) -> StoredEvent | None:
    row = conn.execute(f"SELECT {_COLUMNS} FROM live_events WHERE id = %s", (event_id,)).fetchone()
    return None if row is None else _stored(row)


def events_after(
    conn: psycopg.Connection, account_id: int, after_id: int, limit: int = 500
) -> list[StoredEvent]:
    """The account's events (and the account-less ones) after `after_id`, oldest first."""
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM live_events WHERE id > %s"
        " AND (trading_account_id = %s OR trading_account_id IS NULL) ORDER BY id LIMIT %s",
        (after_id, account_id, limit),
    ).fetchall()
    return [_stored(r) for r in rows]


def last_event_id(conn: psycopg.Connection) -> int:
    row = conn.execute("SELECT COALESCE(max(id), 0) FROM live_events").fetchone()
    return int(row[0]) if row else 0
