"""The API Gateway WebSocket API (AWS): its `$connect`, `$default` and `$disconnect` routes.

The same protocol as the one-machine socket (`api.live.socket`), over stored connections: API
Gateway holds the sockets, a Lambda sees one message at a time, and the jobs' publisher posts
events to the rows of `ws_connections` (`jobs.live_publishers`). `$connect` stores the
connection unauthenticated and never reads a token from the URL (URLs end up in access logs);
the first message authenticates it with the same rules (`session.authenticate`). A refused
client is told why, forgotten and hung up on. Messages: see docs/api.md, "Live events".
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.api.config import get_api_settings, signing_secret
from algotrading.api.database import Database
from algotrading.api.live.session import Refused, authenticate, check_account
from algotrading.db import ws_connections as ws_db
from algotrading.db.live_events import events_after
from algotrading.db.users import UserNotFound, get_user
from algotrading.errors import ConfigError
from algotrading.notify.ws_gateway import GatewayPoster
from algotrading.settings import get_settings

OK = {"statusCode": 200}
Connect = Callable[[], AbstractContextManager[psycopg.Connection]]


@dataclass(frozen=True)
class Gateway:
    """The routes over a database (one transaction per call), the JWT secret and a poster."""

    connection: Connect
    secret: str
    poster: GatewayPoster

    def handle(self, route: str | None, connection_id: str | None, body: Any) -> dict[str, Any]:
        """One API Gateway event; 400 for a malformed one (no connection id, unknown route)."""
        if not isinstance(connection_id, str) or not connection_id:
            return {"statusCode": 400, "body": "no connection id"}
        with self.connection() as conn:
            if route == "$connect":
                ws_db.add_connection(conn, connection_id)
            elif route == "$disconnect":
                ws_db.remove_connection(conn, connection_id)
            elif route == "$default":
                self._message(conn, connection_id, body)
            else:
                return {"statusCode": 400, "body": f"unknown route {route!r}"}
        return OK

    def _message(self, conn: psycopg.Connection, connection_id: str, body: Any) -> None:
        try:
            message = json.loads(body) if isinstance(body, str) else None
        except ValueError:
            message = None
        kind = message.get("type") if isinstance(message, dict) else None
        try:
            if kind == "auth" or ws_db.connection_user(conn, connection_id) is None:
                self._auth(conn, connection_id, message)
            elif kind == "ping":
                self._send(connection_id, {"type": "pong"})
            elif kind == "switch_account":
                self._switch(conn, connection_id, message)
            else:
                self._error(connection_id, 4400, f"unknown message type {kind!r}")
        except Refused as exc:  # not (or no longer) a signed-in client: told, then dropped
            self._error(connection_id, exc.code, str(exc))
            ws_db.remove_connection(conn, connection_id)
            self.poster.close(connection_id)

    def _auth(self, conn: psycopg.Connection, connection_id: str, message: Any) -> None:
        hello = authenticate(conn, self.secret, message)
        if not ws_db.watch(conn, connection_id, hello.user.id, hello.account_id):
            return  # the client left meanwhile
        self._send(connection_id, {"type": "ready", "account_id": hello.account_id})
        if hello.after_id is not None:
            for stored in events_after(conn, hello.account_id, hello.after_id):
                self._send(connection_id, stored.message())

    def _switch(self, conn: psycopg.Connection, connection_id: str, message: Any) -> None:
        target = message.get("account_id")
        if not isinstance(target, int) or isinstance(target, bool) or not 0 <= target < 2**63:
            self._error(connection_id, 4400, "account_id must be a non-negative integer")
            return
        user_id = ws_db.connection_user(conn, connection_id)
        try:
            user = get_user(conn, user_id or 0)
        except UserNotFound:
            raise Refused(4401, "the access token is not valid") from None
        try:
            check_account(conn, user, target)
        except Refused as exc:  # a foreign account: refused, the current one stays watched
            self._error(connection_id, exc.code, str(exc))
            return
        ws_db.watch(conn, connection_id, user.id, target)
        self._send(connection_id, {"type": "ready", "account_id": target})

    def _send(self, connection_id: str, message: dict[str, Any]) -> None:
        self.poster.post(connection_id, message)

    def _error(self, connection_id: str, code: int, message: str) -> None:
        self._send(connection_id, {"type": "error", "code": code, "message": message})


def management_endpoint(request_context: dict[str, Any]) -> str | None:
    """The stage's callback URL from the event (`https://{domainName}/{stage}`)."""
    domain, stage = request_context.get("domainName"), request_context.get("stage")
    if not isinstance(domain, str) or not isinstance(stage, str):
        return None
    return f"https://{domain}/{stage}"


def gateway_for(request_context: dict[str, Any]) -> Gateway:
    """The warm process's gateway: the settings' database (a pool opened on first use), the
    API's JWT secret, and the poster of ALGO_WS_ENDPOINT or else of the event's own stage."""
    settings = get_settings()
    endpoint = settings.ws_endpoint or management_endpoint(request_context)
    if endpoint is None:
        raise ConfigError("ALGO_WS_ENDPOINT is not set and the event names no stage")
    database = Database(settings)
    secret = signing_secret(get_api_settings())
    return Gateway(database.connection, secret, GatewayPoster(endpoint))
