"""`/api/ws`: the one-machine WebSocket endpoint of the live events.

On AWS the same messages go out through an API Gateway WebSocket API instead (connections
stored in `ws_connections`, posted to by the publisher); the messages are the same.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from algotrading.api.config import signing_secret
from algotrading.api.database import Database
from algotrading.api.live.hub import LiveHub, Subscriber
from algotrading.api.live.session import Hello, Refused, authenticate, check_account
from algotrading.db.connection import database_url
from algotrading.db.live_events import events_after

router = APIRouter(tags=["live"])
AUTH_TIMEOUT_S = 10.0


def _hub(websocket: WebSocket) -> LiveHub:
    state = websocket.app.state
    if getattr(state, "live_hub", None) is None:
        state.live_hub = LiveHub(database_url(state.settings))
    hub: LiveHub = state.live_hub
    return hub


def _in_db(database: Database, work: Any, *args: Any) -> Any:
    with database.connection() as conn:
        return work(conn, *args)


async def _hello(websocket: WebSocket) -> Hello:
    try:
        first = await asyncio.wait_for(websocket.receive_text(), AUTH_TIMEOUT_S)
        message = json.loads(first)
    except TimeoutError:
        raise Refused(4408, "no auth message within 10 s") from None
    except ValueError:
        raise Refused(4400, "messages are JSON") from None
    secret = signing_secret(websocket.app.state.api_settings)
    hello: Hello = await run_in_threadpool(
        _in_db, websocket.app.state.database, authenticate, secret, message
    )
    return hello


@router.websocket("/api/ws")
async def live(websocket: WebSocket) -> None:
    """Authenticate with the first message, then receive the account's events."""
    await websocket.accept()
    try:
        hello = await _hello(websocket)
    except Refused as exc:
        await websocket.send_json({"type": "error", "message": str(exc)})
        await websocket.close(exc.code)
        return
    except WebSocketDisconnect:
        return
    await _serve(websocket, hello)


async def _serve(websocket: WebSocket, hello: Hello) -> None:
    hub, database = _hub(websocket), websocket.app.state.database
    subscriber = Subscriber(hello.account_id, asyncio.get_running_loop())
    hub.subscribe(subscriber)
    try:
        await websocket.send_json({"type": "ready", "account_id": hello.account_id})
        if hello.after_id is not None:
            missed = await run_in_threadpool(
                _in_db, database, events_after, hello.account_id, hello.after_id
            )
            for stored in missed:
                await websocket.send_json(stored.message())
        sender = asyncio.create_task(_send_events(websocket, subscriber))
        try:
            await _read_client(websocket, hello, subscriber, database)
        finally:
            sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sender
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(subscriber)


async def _send_events(websocket: WebSocket, subscriber: Subscriber) -> None:
    while True:
        message = await subscriber.queue.get()
        if message.get("account_id") in (None, subscriber.account_id):
            await websocket.send_json(message)


async def _read_client(
    websocket: WebSocket, hello: Hello, subscriber: Subscriber, database: Database
) -> None:
    """Pings and account switches until the client goes away."""
    while True:
        try:
            message = json.loads(await websocket.receive_text())
        except ValueError:
            await websocket.send_json({"type": "error", "message": "messages are JSON"})
            continue
        kind = message.get("type") if isinstance(message, dict) else None
        if kind == "ping":
            await websocket.send_json({"type": "pong"})
        elif kind == "switch_account":
            await _switch(websocket, hello, subscriber, database, message.get("account_id"))
        else:
            await websocket.send_json(
                {"type": "error", "message": f"unknown message type {kind!r}"}
            )


async def _switch(
    websocket: WebSocket, hello: Hello, subscriber: Subscriber, database: Database, target: Any
) -> None:
    if not isinstance(target, int) or isinstance(target, bool) or target < 0:
        await websocket.send_json({"type": "error", "message": "account_id must be an integer"})
        return
    try:
        await run_in_threadpool(_in_db, database, check_account, hello.user, target)
    except Refused as exc:
        await websocket.send_json({"type": "error", "message": str(exc)})
        return
    subscriber.account_id = target
    await websocket.send_json({"type": "ready", "account_id": target})
