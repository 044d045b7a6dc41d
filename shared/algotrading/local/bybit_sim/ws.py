"""Bybit V5 WebSocket: public kline/tickers on /v5/public/linear, private topics on /v5/private.

Public: `kline.{interval}.{symbol}` (one confirm=true push per candle that closes, then the open
candle with confirm=false) and `tickers.{symbol}`; a snapshot of each is sent right after the
subscription. Private (after op "auth"): order, execution, position, wallet (also with the
`.linear` suffix). Op "ping" is answered in Bybit's public or private pong form.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import WSMsgType, web

from algotrading.local.bybit_sim import views
from algotrading.local.bybit_sim.auth import verify_ws
from algotrading.local.bybit_sim.clock import wall_ms
from algotrading.local.bybit_sim.engine import Engine, PrivateEvent
from algotrading.local.bybit_sim.market import KLINE_INTERVALS, KlineInterval, SymbolTape
from algotrading.logs import get_logger

PRIVATE_TOPICS = ("order", "execution", "position", "wallet")
MAX_CANDLES_PER_PUSH = 1000
"""A long step closes many candles; each topic gets at most the last 1000 of them."""
log = get_logger(__name__)


class Connection:
    def __init__(self, ws: web.WebSocketResponse, request: web.Request, private: bool) -> None:
        self.ws = ws
        self.request = request
        self.private = private
        self.conn_id = uuid.uuid4().hex[:20]
        self.topics: set[str] = set()
        self.api_key: str | None = None

    async def send(self, payload: dict[str, Any]) -> None:
        if self.ws.closed:
            return
        try:
            await self.ws.send_str(json.dumps(payload))
        except (ConnectionError, RuntimeError):  # the peer went away mid-push
            log.debug("websocket %s: send failed, peer gone", self.conn_id)

    def drop(self) -> None:
        """Cut the TCP connection without a close frame, like a network failure."""
        transport = self.request.transport
        if transport is not None:
            transport.abort()


class Hub:
    """Every open WebSocket connection and what it is subscribed to."""

    def __init__(self, engine: Engine, now_ms: Callable[[], int]) -> None:
        self.engine = engine
        self.now_ms = now_ms
        self.connections: set[Connection] = set()

    async def public(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, private=False)

    async def private(self, request: web.Request) -> web.StreamResponse:
        return await self._serve(request, private=True)

    async def _serve(self, request: web.Request, private: bool) -> web.StreamResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        conn = Connection(ws, request, private)
        self.connections.add(conn)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_text(conn, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            self.connections.discard(conn)
        return ws

    async def _on_text(self, conn: Connection, data: str) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            message = None
        if not isinstance(message, dict):
            await conn.send(_op_reply(conn, "", "", False, "Invalid request: not a JSON object"))
            return
        op = str(message.get("op", ""))
        req_id = str(message.get("req_id", ""))
        args = message.get("args")
        if op == "ping":
            await conn.send(_pong(conn, req_id))
        elif op == "auth" and conn.private:
            await self._auth(conn, req_id, args)
        elif op in ("subscribe", "unsubscribe"):
            await self._subscription(conn, op, req_id, args)
        else:
            await conn.send(_op_reply(conn, op, req_id, False, f"Invalid op: {op or 'missing'}"))

    async def _auth(self, conn: Connection, req_id: str, args: Any) -> None:
        try:
            conn.api_key = verify_ws(args, self.engine.secrets, wall_ms())
        except ValueError as err:
            await conn.send(_op_reply(conn, "auth", req_id, False, str(err)))
            return
        await conn.send(_op_reply(conn, "auth", req_id, True, ""))

    async def _subscription(self, conn: Connection, op: str, req_id: str, args: Any) -> None:
        topics = [str(a) for a in args] if isinstance(args, list) and args else []
        if not topics:
            await conn.send(_op_reply(conn, op, req_id, False, "Invalid request: no topics"))
            return
        if op == "unsubscribe":
            conn.topics.difference_update(topics)
            await conn.send(_op_reply(conn, op, req_id, True, ""))
            return
        for topic in topics:
            problem = self._topic_problem(conn, topic)
            if problem:
                await conn.send(_op_reply(conn, op, req_id, False, problem))
                return
        conn.topics.update(topics)
        await conn.send(_op_reply(conn, op, req_id, True, ""))
        if not conn.private:
            for topic in topics:
                for payload in self._market_messages(topic, None, self.now_ms(), force=True):
                    await conn.send(payload)

    def _topic_problem(self, conn: Connection, topic: str) -> str:
        if conn.private:
            if conn.api_key is None:
                return "Request not authorized"
            base = topic.removesuffix(".linear")
            return "" if base in PRIVATE_TOPICS else f"Invalid topic: {topic}"
        return "" if self._parse_public(topic) is not None else f"Invalid topic: {topic}"

    def _parse_public(self, topic: str) -> tuple[SymbolTape, KlineInterval | None] | None:
        parts = topic.split(".")
        if len(parts) == 2 and parts[0] == "tickers":
            tape = self.engine.market.tape(parts[1])
            return (tape, None) if tape is not None else None
        if len(parts) == 3 and parts[0] == "kline":
            tape = self.engine.market.tape(parts[2])
            interval = KLINE_INTERVALS.get(parts[1])
            if tape is None or interval is None or tape.candles_for(interval) is None:
                return None
            return tape, interval
        return None

    # --- pushing --------------------------------------------------------------------------------

    async def publish_market(self, t0: int, t1: int, force: bool = False) -> None:
        """What changed in (t0, t1] on every subscribed public topic."""
        cache: dict[str, list[dict[str, Any]]] = {}
        for conn in list(self.connections):
            if conn.private:
                continue
            for topic in sorted(conn.topics):
                if topic not in cache:
                    cache[topic] = self._market_messages(topic, t0, t1, force)
                for payload in cache[topic]:
                    await conn.send(payload)

    def _market_messages(
        self, topic: str, t0: int | None, t1: int, force: bool
    ) -> list[dict[str, Any]]:
        parsed = self._parse_public(topic)
        if parsed is None:
            return []
        tape, interval = parsed
        moved = t0 is None or tape.known(t0) != tape.known(t1)
        stamp = wall_ms()
        if interval is None:
            if not (moved or force):
                return []
            info = self.engine.infos[tape.symbol]
            row = views.ticker_row(tape, info, t1, self.engine.slippage_bps)
            if row is None:
                return []
            return [{"topic": topic, "type": "snapshot", "data": row, "cs": t1, "ts": stamp}]
        closed = (
            tape.closed_between(interval, t0, t1, MAX_CANDLES_PER_PUSH) if t0 is not None else []
        )
        candles = list(closed)
        current = tape.current_candle(interval, t1)
        if current is not None and (moved or force or closed):
            candles.append(current)
        return [
            {
                "topic": topic,
                "data": [views.kline_ws_row(c, interval, t1)],
                "ts": stamp,
                "type": "snapshot",
            }
            for c in candles
        ]

    async def publish_private(self, events: list[PrivateEvent]) -> None:
        """Each account's rows, one message per topic and batch, in the order they happened."""
        batches: list[tuple[str, str, list[dict[str, Any]]]] = []
        for event in events:
            if batches and batches[-1][:2] == (event.api_key, event.topic):
                batches[-1][2].append(event.row)
            else:
                batches.append((event.api_key, event.topic, [event.row]))
        for api_key, topic, rows in batches:
            for conn in list(self.connections):
                if not conn.private or conn.api_key != api_key:
                    continue
                for name in (topic, f"{topic}.linear"):
                    if name in conn.topics:
                        await conn.send(
                            {
                                "id": uuid.uuid4().hex,
                                "topic": name,
                                "creationTime": wall_ms(),
                                "data": rows,
                            }
                        )

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.ws.close()

    def drop_all(self) -> int:
        """Fault injection: cut every connection at once; returns how many were cut."""
        victims = list(self.connections)
        for conn in victims:
            conn.drop()
        return len(victims)


def _op_reply(
    conn: Connection, op: str, req_id: str, success: bool, message: str
) -> dict[str, Any]:
    reply: dict[str, Any] = {"success": success, "ret_msg": message, "op": op}
    if req_id:
        reply["req_id"] = req_id
    reply["conn_id"] = conn.conn_id
    return reply


def _pong(conn: Connection, req_id: str) -> dict[str, Any]:
    """Public: {"success", "ret_msg": "pong", "op": "ping"}; private: {"op": "pong", "args"}."""
    if conn.private:
        return {"req_id": req_id, "op": "pong", "args": [str(wall_ms())], "conn_id": conn.conn_id}
    return {
        "success": True,
        "ret_msg": "pong",
        "conn_id": conn.conn_id,
        "req_id": req_id,
        "op": "ping",
    }
