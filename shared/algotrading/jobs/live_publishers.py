"""Which live-event publisher a job uses, and publishing that never fails the job.

On one machine the PostgreSQL adapter is all: the API processes LISTEN and push to their own
WebSocket clients. On AWS (ALGO_WS_ENDPOINT set) the API Gateway WebSocket API holds the
sockets and no process listens, so the publisher also posts each new event to the connections
of its account stored in `ws_connections`, forgetting those that are gone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import psycopg

from algotrading.db import live_events as live_db
from algotrading.db.live_events import PostgresPublisher
from algotrading.db.ws_connections import remove_connection, watching
from algotrading.domain.live_events import LiveEvent, LiveEventPublisher
from algotrading.logs import get_logger
from algotrading.notify.ws_gateway import GatewayPoster, Posted
from algotrading.settings import Settings

log = get_logger(__name__)


class WebSocketPublisher:
    """PostgreSQL first (the record, and the catch-up source), then every watching connection.
    An event whose dedupe key was seen is not posted again."""

    def __init__(self, conn: psycopg.Connection, poster: GatewayPoster) -> None:
        self._conn = conn
        self._poster = poster

    def publish(self, event: LiveEvent) -> int | None:
        with self._conn.transaction():
            event_id = live_db.publish(self._conn, event)
        if event_id is None:
            return None
        message = event.message(event_id)
        for connection_id in watching(self._conn, event.account_id):
            if self._poster.post(connection_id, message) is Posted.GONE:
                remove_connection(self._conn, connection_id)
        return event_id


def publisher_for(conn: psycopg.Connection, settings: Settings) -> LiveEventPublisher:
    """PostgreSQL + the WebSocket API when its endpoint is set, else PostgreSQL only.
    `conn` must be in autocommit mode (each event is its own transaction)."""
    if settings.ws_endpoint:
        return WebSocketPublisher(conn, GatewayPoster(settings.ws_endpoint))
    return PostgresPublisher(conn)


def publish_quietly(
    publisher: LiveEventPublisher, build: Callable[[], Sequence[LiveEvent]], what: str
) -> int:
    """Build and publish the events of `what`; how many were new. A failure is logged, never
    raised: the dashboard missing an event must not fail (and so retry) a trading job."""
    try:
        return sum(publisher.publish(e) is not None for e in build())
    except Exception as exc:
        log.warning("live events of %s not published: %s: %s", what, type(exc).__name__, exc)
        return 0
