"""One listener per API process: LISTEN on `live_events`, fan each new event out to the
WebSocket clients watching its account.

The listener is a thread with its own autocommit connection (a LISTEN needs one that is never
returned to a pool). It starts with the first client, not with the process, so a Lambda or a
process that serves no WebSocket never holds it. A client's queue is bounded: a client that
stops reading loses its oldest events rather than the process's memory, and can catch up from
the table by id when it reconnects.
"""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any

import psycopg

from algotrading.db.live_events import CHANNEL, get_event
from algotrading.logs import get_logger

log = get_logger("api.live")
QUEUE_SIZE = 1000


@dataclass(eq=False)
class Subscriber:
    """One client: the account it watches and the queue its socket reads from."""

    account_id: int
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[dict[str, Any]] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    def offer(self, message: dict[str, Any]) -> None:
        """Called on the loop's thread: enqueue, dropping the oldest when full."""
        if self.queue.full():
            self.queue.get_nowait()
        self.queue.put_nowait(message)


class LiveHub:
    """Subscribers by account, fed by the LISTEN thread."""

    def __init__(self, database_url: str) -> None:
        self._url = database_url
        self._subscribers: set[Subscriber] = set()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.listening = threading.Event()

    def subscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.add(subscriber)
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._listen, name="live-hub", daemon=True)
                self._thread.start()

    def unsubscribe(self, subscriber: Subscriber) -> None:
        with self._lock:
            self._subscribers.discard(subscriber)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _listen(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    self._pump(conn)
            except psycopg.Error as exc:  # the database went away: retry, clients keep waiting
                self.listening.clear()
                log.warning("live events listener lost its connection: %s", exc)
                self._stop.wait(2.0)

    def _pump(self, conn: psycopg.Connection) -> None:
        while not self._stop.is_set():
            # Drain the notifications first: the connection cannot run a query while the
            # `notifies` generator is waiting on it.
            ids = [int(n.payload) for n in conn.notifies(timeout=0.5) if n.payload.isdigit()]
            for event_id in ids:
                self._deliver(conn, event_id)

    def _deliver(self, conn: psycopg.Connection, event_id: int) -> None:
        stored = get_event(conn, event_id)
        if stored is None:
            return
        message, account = stored.message(), stored.event.account_id
        with self._lock:
            targets = [s for s in self._subscribers if account is None or s.account_id == account]
        for subscriber in targets:
            subscriber.loop.call_soon_threadsafe(subscriber.offer, message)
