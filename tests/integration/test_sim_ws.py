"""The simulator's WebSocket: public klines with confirm flags as the clock steps, tickers,
private topics after Bybit's auth op, ping/pong, and the ws_drop_every fault."""

from __future__ import annotations

from decimal import Decimal

import pytest
import websocket
from sim_support import (
    HOUR,
    MINUTE,
    OTHER_KEY,
    OTHER_SECRET,
    kline,
    pybit_session,
    running_sim,
    ws_auth_args,
    ws_open,
    ws_recv,
    ws_send,
    ws_until,
)

from algotrading.local.bybit_sim import parse_faults

T0 = 1_761_264_000_000


def _is(topic: str):  # type: ignore[no-untyped-def]
    return lambda m: m.get("topic") == topic


def test_public_klines_confirm_each_closed_candle_then_show_the_open_one() -> None:
    with running_sim() as sim:
        ws = ws_open(sim.ws_public_url)
        topics = ["kline.5.BTCUSDT", "kline.60.BTCUSDT", "tickers.BTCUSDT"]
        ws_send(ws, {"op": "subscribe", "req_id": "s1", "args": topics})
        ack = ws_recv(ws)
        assert ack["success"] is True and ack["op"] == "subscribe" and ack["req_id"] == "s1"
        initial = [ws_recv(ws) for _ in topics]  # a snapshot of each right away
        assert [m["topic"] for m in initial] == topics
        assert initial[0]["data"][0]["confirm"] is False and initial[0]["data"][0]["start"] == T0

        sim.step_to(T0 + 10 * MINUTE)
        five = [ws_recv(ws) for _ in range(3)]
        assert [m["topic"] for m in five] == ["kline.5.BTCUSDT"] * 3
        assert [m["data"][0]["confirm"] for m in five] == [True, True, False]
        for message, start in zip(five[:2], (T0, T0 + 5 * MINUTE), strict=True):
            row, bar = message["data"][0], kline("BTCUSDT", "5m", start)
            assert row["start"] == start and row["end"] == start + 5 * MINUTE - 1
            assert row["interval"] == "5"
            assert [Decimal(row[k]) for k in ("open", "high", "low", "close", "volume")] == [
                bar[k] for k in ("open", "high", "low", "close", "volume")
            ]
        hourly, _ = ws_until(ws, _is("kline.60.BTCUSDT"))
        assert hourly["data"][0]["confirm"] is False and hourly["data"][0]["start"] == T0
        assert (
            Decimal(hourly["data"][0]["close"]) == kline("BTCUSDT", "5m", T0 + 5 * MINUTE)["close"]
        )
        ticker, _ = ws_until(ws, _is("tickers.BTCUSDT"))
        assert Decimal(ticker["data"]["lastPrice"]) == Decimal(hourly["data"][0]["close"])

        sim.step_to(T0 + HOUR)
        closed, _ = ws_until(ws, lambda m: m.get("topic") == "kline.60.BTCUSDT")
        assert closed["data"][0]["confirm"] is True and closed["data"][0]["start"] == T0
        assert Decimal(closed["data"][0]["high"]) == kline("BTCUSDT", "1h", T0)["high"]

        ws_send(ws, {"op": "ping", "req_id": "p1"})
        pong, _ = ws_until(ws, lambda m: m.get("op") == "ping")
        assert pong["ret_msg"] == "pong" and pong["success"] is True and pong["req_id"] == "p1"
        ws_send(ws, {"op": "subscribe", "args": ["orderbook.50.BTCUSDT"]})
        refused, _ = ws_until(ws, lambda m: m.get("op") == "subscribe")
        assert refused["success"] is False and "orderbook.50.BTCUSDT" in refused["ret_msg"]
        ws.close()


def test_private_topics_need_auth_then_carry_orders_and_executions() -> None:
    with running_sim() as sim:
        ws = ws_open(sim.ws_private_url)
        ws_send(ws, {"op": "subscribe", "args": ["order"]})
        early = ws_recv(ws)
        assert early["success"] is False and early["ret_msg"] == "Request not authorized"
        key, expires, _ = ws_auth_args()
        ws_send(ws, {"op": "auth", "args": [key, expires, "0" * 64]})
        assert ws_recv(ws)["success"] is False
        ws_send(ws, {"op": "auth", "args": ws_auth_args(ttl_ms=-1000)})
        assert ws_recv(ws)["success"] is False, "an expired auth is refused"
        ws_send(ws, {"op": "auth", "args": ws_auth_args()})
        auth = ws_recv(ws)
        assert auth == {"success": True, "ret_msg": "", "op": "auth", "conn_id": auth["conn_id"]}
        ws_send(ws, {"op": "subscribe", "args": ["order", "execution", "position", "wallet"]})
        assert ws_recv(ws)["success"] is True

        pybit_session(sim).place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.01",
            orderLinkId="ws-1",
        )  # fmt: skip
        order, _ = ws_until(ws, lambda m: m.get("topic") == "order")
        assert order["data"][0]["orderLinkId"] == "ws-1"
        assert (
            order["data"][0]["orderStatus"] == "Filled" and order["data"][0]["category"] == "linear"
        )
        execution, _ = ws_until(ws, lambda m: m.get("topic") == "execution")
        assert execution["data"][0]["orderLinkId"] == "ws-1"
        assert execution["data"][0]["execType"] == "Trade"
        position, _ = ws_until(ws, lambda m: m.get("topic") == "position")
        assert position["data"][0]["side"] == "Buy" and "entryPrice" in position["data"][0]
        wallet, _ = ws_until(ws, lambda m: m.get("topic") == "wallet")
        assert wallet["data"][0]["accountType"] == "UNIFIED"

        ws_send(ws, {"op": "ping", "req_id": "p2"})
        pong = ws_recv(ws)
        assert pong["op"] == "pong" and pong["req_id"] == "p2" and pong["args"][0].isdigit()
        ws.close()


def test_other_accounts_events_are_not_pushed() -> None:
    with running_sim() as sim:
        ws = ws_open(sim.ws_private_url)
        ws_send(ws, {"op": "auth", "args": ws_auth_args()})
        ws_recv(ws)
        ws_send(ws, {"op": "subscribe", "args": ["order"]})
        ws_recv(ws)
        pybit_session(sim, OTHER_KEY, OTHER_SECRET).place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.01"
        )
        ws_send(ws, {"op": "ping", "req_id": "after"})
        assert ws_recv(ws)["op"] == "pong", "nothing of the other account came first"
        ws.close()


def test_ws_drop_every_cuts_connections_on_the_stepped_clock_and_rest_loses_nothing() -> None:
    with running_sim(faults=parse_faults("ws_drop_every=300s")) as sim:
        ws = ws_open(sim.ws_public_url)
        ws_send(ws, {"op": "subscribe", "args": ["kline.5.BTCUSDT"]})
        ws_recv(ws)
        ws_recv(ws)
        sim.step_to(T0 + 4 * MINUTE)  # no 300 s boundary crossed yet
        ws_send(ws, {"op": "ping"})
        assert ws_recv(ws)["ret_msg"] == "pong"
        sim.step_to(T0 + 10 * MINUTE)
        with pytest.raises((websocket.WebSocketConnectionClosedException, ConnectionError)):
            for _ in range(5):
                ws_recv(ws)
        again = ws_open(sim.ws_public_url)
        ws_send(again, {"op": "subscribe", "args": ["kline.5.BTCUSDT"]})
        assert ws_recv(again)["success"] is True
        rows = pybit_session(sim).get_kline(
            category="linear", symbol="BTCUSDT", interval="5", limit=3
        )["result"]["list"]
        assert [int(r[0]) for r in rows] == [T0 + 10 * MINUTE, T0 + 5 * MINUTE, T0]
        again.close()


def test_a_running_clock_replays_and_pushes_by_itself() -> None:
    with running_sim(stepped=False, speed=36_000.0, tick_s=0.02) as sim:  # 10 market h per s
        ws = ws_open(sim.ws_public_url)
        ws_send(ws, {"op": "subscribe", "args": ["kline.5.BTCUSDT"]})
        assert ws_recv(ws)["success"] is True
        closed, _ = ws_until(ws, lambda m: bool(m.get("data") and m["data"][0]["confirm"]))
        row = closed["data"][0]
        assert row["start"] >= T0
        assert Decimal(row["close"]) == kline("BTCUSDT", "5m", row["start"])["close"]
        newest = pybit_session(sim).get_kline(
            category="linear", symbol="BTCUSDT", interval="5", limit=1
        )["result"]["list"][0]
        assert int(newest[0]) > row["start"], "REST answers at the clock's time"
        ws.close()
