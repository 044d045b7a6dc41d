"""The `alerts` table: every alert event, stored before it is sent, marked when delivered.

Storing first means a Slack outage loses nothing: undelivered rows can be sent again later
(`list_undelivered`). An event with a `dedupe_key` is stored at most once per account, so a
retried run that raises the same breaker transition again does not duplicate it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from algotrading.db.accounts import get_account
from algotrading.domain.alerts import AlertEvent
from algotrading.domain.timefmt import datetime_to_ms, ms_to_datetime

_INSERT = """
INSERT INTO alerts (trading_account_id, level, kind, message, details, created_at, dedupe_key)
VALUES (%s, %s, %s, %s, %s, COALESCE(%s::timestamptz, now()), %s)
ON CONFLICT (trading_account_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
RETURNING id
"""

_SELECT = (
    "id, trading_account_id, level, kind, message, details, created_at, delivered_at, dedupe_key"
)


@dataclass(frozen=True, slots=True)
class StoredAlert:
    id: int
    event: AlertEvent
    created_ms: int
    delivered_ms: int | None


def insert_alert(conn: psycopg.Connection, event: AlertEvent) -> int | None:
    """Store the event; its id, or None when an event with the same dedupe key exists."""
    if event.account_id is not None:
        get_account(conn, event.account_id)
    created = None if event.time_ms is None else ms_to_datetime(event.time_ms)
    row = conn.execute(
        _INSERT,
        (
            event.account_id, event.level.value, event.kind.value, event.message,
            Jsonb(dict(event.details)), created, event.dedupe_key,
        ),
    ).fetchone()  # fmt: skip
    return None if row is None else int(row[0])


def mark_delivered(
    conn: psycopg.Connection, alert_ids: Sequence[int], delivered_ms: int | None = None
) -> int:
    """Stamp the alerts as delivered (once: an already delivered row keeps its time)."""
    if not alert_ids:
        return 0
    when = None if delivered_ms is None else ms_to_datetime(delivered_ms)
    return conn.execute(
        "UPDATE alerts SET delivered_at = COALESCE(%s::timestamptz, now())"
        " WHERE id = ANY(%s) AND delivered_at IS NULL",
        (when, list(alert_ids)),
    ).rowcount


def list_undelivered(
    conn: psycopg.Connection, account_id: int | None = None, limit: int = 100
) -> list[StoredAlert]:
    """Alerts not delivered yet, oldest first (of one account, or of all when None)."""
    rows = conn.execute(
        f"SELECT {_SELECT} FROM alerts WHERE delivered_at IS NULL"
        " AND (%s::bigint IS NULL OR trading_account_id = %s::bigint)"
        " ORDER BY created_at, id LIMIT %s",
        (account_id, account_id, limit),
    ).fetchall()
    return [_stored(r) for r in rows]


def breaker_alerts_at(conn: psycopg.Connection, account_id: int, time_ms: int) -> list[StoredAlert]:
    """The breaker transitions' alerts an account's snapshot at `time_ms` stored (their dedupe
    keys start with `breaker:`, their time is the snapshot's), oldest first."""
    rows = conn.execute(
        f"SELECT {_SELECT} FROM alerts WHERE trading_account_id = %s AND created_at = %s"
        " AND dedupe_key LIKE 'breaker:%%' ORDER BY id",
        (account_id, ms_to_datetime(time_ms)),
    ).fetchall()
    return [_stored(r) for r in rows]


def _stored(r: tuple[Any, ...]) -> StoredAlert:
    alert_id, account, level, kind, message, details, created, delivered, key = r
    event = AlertEvent(
        kind=kind, level=level, message=message, account_id=account, details=details or {},
        time_ms=datetime_to_ms(created), dedupe_key=key,
    )  # fmt: skip
    delivered_ms = None if delivered is None else datetime_to_ms(delivered)
    return StoredAlert(alert_id, event, datetime_to_ms(created), delivered_ms)


_OWNED = (
    " WHERE (%s::bigint IS NULL OR trading_account_id IN"
    " (SELECT id FROM trading_accounts WHERE user_id = %s::bigint))"
)


def page_alerts(
    conn: psycopg.Connection, owner_id: int | None, limit: int, offset: int
) -> tuple[list[StoredAlert], int]:
    """One page of alerts, newest first, and the total: of the accounts of user `owner_id`
    (system-wide alerts, which name no account, are left out), or every alert when None."""
    rows = conn.execute(
        "SELECT id, trading_account_id, level, kind, message, details, created_at,"
        " delivered_at, dedupe_key FROM alerts" + _OWNED
        + " ORDER BY created_at DESC, id DESC LIMIT %s OFFSET %s",
        (owner_id, owner_id, limit, offset),
    ).fetchall()  # fmt: skip
    total = conn.execute("SELECT count(*) FROM alerts" + _OWNED, (owner_id, owner_id)).fetchone()
    return [_stored(r) for r in rows], int(total[0]) if total else 0
