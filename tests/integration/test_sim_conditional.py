"""Conditional market orders (Bybit stop orders) placed with pybit, unmodified, on replayed data.

Levels, fill prices and fees are computed here from the team's 5m BTCUSDT file (read without the
simulator). The clock is stepped from T0, 2025-10-24 00:00 UTC, where the current price is the
close of the bar before, 110015.0. The data has no gaps (each bar opens at the previous close),
so fills here are at the level; the gap rule is tested on hand-made bars in
tests/unit/test_sim_conditional_matching.py.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

import pytest
from pybit.exceptions import InvalidRequestError
from pybit.unified_trading import HTTP
from sim_support import (
    MINUTE,
    kline,
    pybit_session,
    running_sim,
    signed,
    to_tick,
    usdt,
    ws_auth_args,
    ws_open,
    ws_send,
    ws_until,
)

T0 = 1_761_264_000_000
BAR = 5 * MINUTE
TICK = Decimal("0.1")
TAKER = Decimal("0.00055")
START_BALANCE = Decimal(100_000)
CURRENT = kline("BTCUSDT", "5m", T0 - BAR)["close"]
RISE_TO = to_tick(CURRENT * Decimal("1.002"), TICK, up=True)  # 0.2 % above: reached in 15 min
FALL_TO = to_tick(min(kline("BTCUSDT", "5m", T0 + i * BAR)["low"] for i in range(24)), TICK, True)


def _first_bar_reaching(level: Decimal, rising: bool, after: int = T0) -> int:
    """Start of the first 5m bar from `after` on whose high (low) reaches `level`."""
    t = after
    while True:
        bar = kline("BTCUSDT", "5m", t)
        if (bar["high"] >= level) if rising else (bar["low"] <= level):
            return t
        t += BAR


def _stop(
    session: HTTP, side: str, level: Decimal, direction: int, qty: str = "0.01", **kw: Any
) -> dict:
    return session.place_order(
        category="linear", symbol="BTCUSDT", side=side, orderType="Market", qty=qty,
        triggerPrice=str(level), triggerDirection=direction, **kw,
    )["result"]  # fmt: skip


def _orders(session: HTTP, **kw: str) -> list[dict]:
    return session.get_open_orders(category="linear", symbol="BTCUSDT", **kw)["result"]["list"]


def _history(session: HTTP, link_id: str) -> dict:
    [row] = session.get_order_history(category="linear", orderLinkId=link_id)["result"]["list"]
    return row


def _executions(session: HTTP, link_id: str) -> list[dict]:
    return session.get_executions(category="linear", orderLinkId=link_id)["result"]["list"]


def _wallet(session: HTTP) -> Decimal:
    answer = session.get_wallet_balance(accountType="UNIFIED")
    return Decimal(answer["result"]["list"][0]["coin"][0]["walletBalance"])


def _order_pushes(ws: Any, link_id: str, count: int) -> list[dict]:
    rows: list[dict] = []
    while len(rows) < count:
        message, _ = ws_until(ws, lambda m: m.get("topic") == "order")
        rows += [r for r in message["data"] if r["orderLinkId"] == link_id]
    return rows


def test_a_stop_waits_untriggered_then_fills_at_its_level_as_a_taker() -> None:
    trigger_bar = _first_bar_reaching(RISE_TO, rising=True)
    assert kline("BTCUSDT", "5m", trigger_bar)["open"] < RISE_TO, "a touch, not a gap"
    with running_sim() as sim:
        session = pybit_session(sim)
        ws = ws_open(sim.ws_private_url)
        ws_send(ws, {"op": "auth", "args": ws_auth_args()})
        ws_send(ws, {"op": "subscribe", "args": ["order"]})
        placed = _stop(session, "Buy", RISE_TO, 1, triggerBy="LastPrice", orderLinkId="stop-1")
        low = to_tick(CURRENT * Decimal("0.8"), TICK, up=False)
        session.place_order(category="linear", symbol="BTCUSDT", side="Buy", orderType="Limit",
                            qty="0.01", price=str(low), orderLinkId="limit-1")  # fmt: skip

        [pushed] = _order_pushes(ws, "stop-1", 1)
        [listed] = _orders(session, orderFilter="StopOrder")
        for row in (pushed, listed):
            assert row["orderId"] == placed["orderId"] and row["orderStatus"] == "Untriggered"
            assert row["triggerPrice"] == str(RISE_TO) and row["triggerDirection"] == 1
            assert row["triggerBy"] == "LastPrice" and row["stopOrderType"] == "Stop"
            assert row["orderType"] == "Market" and row["price"] == "0"
            assert row["qty"] == "0.0100" and row["leavesQty"] == "0.0100"
        assert [o["orderLinkId"] for o in _orders(session, orderFilter="Order")] == ["limit-1"]
        assert {o["orderLinkId"] for o in _orders(session)} == {"stop-1", "limit-1"}

        sim.step_to(trigger_bar + BAR - 1)
        assert _executions(session, "stop-1") == []
        sim.step_to(trigger_bar + BAR)
        [execution] = _executions(session, "stop-1")
        fee = usdt(Decimal("0.01") * RISE_TO * TAKER)
        assert Decimal(execution["execPrice"]) == RISE_TO and Decimal(execution["execFee"]) == fee
        assert execution["stopOrderType"] == "Stop" and execution["isMaker"] is False
        assert execution["feeRate"] == "0.00055" and execution["createType"] == "CreateByUser"
        assert execution["execTime"] == str(trigger_bar + BAR)
        assert [r["orderStatus"] for r in _order_pushes(ws, "stop-1", 2)] == ["Triggered", "Filled"]
        ws.close()

        done = _history(session, "stop-1")
        assert done["orderStatus"] == "Filled" and Decimal(done["avgPrice"]) == RISE_TO
        assert done["triggerDirection"] == 1 and Decimal(done["cumExecFee"]) == fee
        assert [o["orderLinkId"] for o in _orders(session)] == ["limit-1"]
        position = session.get_positions(category="linear", symbol="BTCUSDT")["result"]["list"][0]
        assert position["side"] == "Buy" and Decimal(position["avgPrice"]) == RISE_TO
        assert _wallet(session) == START_BALANCE - fee


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"triggerPrice": str(CURRENT), "triggerDirection": 1}, 10001,
         f"expect Rising, but trigger_price[{CURRENT}] <= current[{CURRENT}]"),
        ({"triggerPrice": str(CURRENT + TICK), "triggerDirection": 2}, 10001,
         f"expect Falling, but trigger_price[{CURRENT + TICK}] >= current[{CURRENT}]"),
        ({"triggerPrice": str(RISE_TO), "triggerDirection": 1, "triggerBy": "MarkPrice"}, 10001,
         "triggerBy MarkPrice is not supported"),
        ({"triggerPrice": str(RISE_TO)}, 10001, "triggerDirection must be 1 (rising) or 2"),
        ({"triggerPrice": str(RISE_TO), "triggerDirection": 3}, 10001, "triggerDirection must"),
        ({"triggerPrice": f"{RISE_TO}5", "triggerDirection": 1}, 10001,
         "triggerPrice must be a multiple of tickSize 0.1"),
        ({"triggerPrice": str(RISE_TO), "triggerDirection": 1, "orderType": "Limit",
          "price": str(RISE_TO)}, 10001,
         "params error: the simulator supports conditional Market orders only"),
        ({"triggerPrice": str(FALL_TO), "triggerDirection": 2, "side": "Sell",
          "reduceOnly": True}, 110017, "current position is zero"),
    ],
)  # fmt: skip
def test_bad_stops_are_refused(fields: dict, code: int, message: str) -> None:
    body = {"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
            "qty": "0.01", **fields}  # fmt: skip
    with running_sim() as sim:
        answer = signed(sim, "POST", "/v5/order/create", body).json()
        assert answer["retCode"] == code and message in answer["retMsg"], answer
        assert _orders(pybit_session(sim)) == []


def test_amending_moves_the_level_and_rearms_the_stop() -> None:
    far = to_tick(CURRENT * Decimal("1.5"), TICK, up=True)
    mid_bar = T0 + 2 * BAR + MINUTE
    running = kline("BTCUSDT", "5m", T0 + 2 * BAR)
    assert running["high"] >= RISE_TO, "the bar running at the amendment reaches the new level"
    fires = _first_bar_reaching(RISE_TO, rising=True, after=T0 + 3 * BAR)
    with running_sim() as sim:
        session = pybit_session(sim)
        _stop(session, "Buy", far, 1, orderLinkId="move-1")
        session.place_order(category="linear", symbol="BTCUSDT", side="Buy", orderType="Limit",
                            qty="0.01", price="90000", orderLinkId="plain-1")  # fmt: skip
        sim.step_to(mid_bar)
        current = kline("BTCUSDT", "5m", T0 + BAR)["close"]

        def amend(**kw: str) -> dict:
            return session.amend_order(category="linear", symbol="BTCUSDT", **kw)

        refusals = [
            ({"orderLinkId": "move-1", "triggerPrice": str(far)}, "remains unchanged"),
            ({"orderLinkId": "move-1", "triggerPrice": str(current)},
             f"expect Rising, but trigger_price[{current}] <= current[{current}]"),
            ({"orderLinkId": "plain-1", "triggerPrice": str(RISE_TO)}, "conditional order"),
        ]  # fmt: skip
        for fields, message in refusals:
            with pytest.raises(InvalidRequestError) as err:
                amend(**fields)
            assert err.value.status_code == 10001 and message in err.value.message

        amend(orderLinkId="move-1", triggerPrice=str(RISE_TO), qty="0.02")
        [row] = _orders(session, orderFilter="StopOrder")
        assert row["triggerPrice"] == str(RISE_TO) and row["qty"] == "0.0200"
        assert row["updatedTime"] == str(mid_bar)
        sim.step_to(T0 + 3 * BAR)
        assert _executions(session, "move-1") == [], "the bar running at the amendment is skipped"
        sim.step_to(fires + BAR)
        [execution] = _executions(session, "move-1")
        assert Decimal(execution["execPrice"]) == RISE_TO and execution["execQty"] == "0.0200"
        assert execution["execTime"] == str(fires + BAR)


def test_a_cancelled_stop_is_deactivated_and_never_fills() -> None:
    trigger_bar = _first_bar_reaching(RISE_TO, rising=True)
    with running_sim() as sim:
        session = pybit_session(sim)
        placed = _stop(session, "Buy", RISE_TO, 1, orderLinkId="gone-1")
        answer = session.cancel_order(category="linear", symbol="BTCUSDT", orderLinkId="gone-1")
        assert answer["result"]["orderId"] == placed["orderId"]
        sim.step_to(trigger_bar + 2 * BAR)
        assert _executions(session, "gone-1") == [] and _orders(session) == []
        row = _history(session, "gone-1")
        assert row["orderStatus"] == "Deactivated" and row["cancelType"] == "CancelByUser"
        with pytest.raises(InvalidRequestError) as err:
            session.cancel_order(category="linear", symbol="BTCUSDT", orderLinkId="gone-1")
        assert err.value.status_code == 110001
        assert _wallet(session) == START_BALANCE


def test_a_reduce_only_stop_larger_than_the_position_closes_just_the_position() -> None:
    trigger_bar = _first_bar_reaching(FALL_TO, rising=False)
    with running_sim() as sim:
        session = pybit_session(sim)
        session.place_order(category="linear", symbol="BTCUSDT", side="Buy", orderType="Market",
                            qty="0.01")  # fmt: skip
        with pytest.raises(InvalidRequestError) as err:  # reduce-only on the position's side
            _stop(session, "Buy", RISE_TO, 1, reduceOnly=True)
        assert err.value.status_code == 110017
        entry = Decimal(session.get_positions(category="linear", symbol="BTCUSDT")["result"]
                        ["list"][0]["avgPrice"])  # fmt: skip
        _stop(session, "Sell", FALL_TO, 2, reduceOnly=True, orderLinkId="exit-1", qty="0.02")
        assert _orders(session)[0]["qty"] == "0.0200", "cut when it fires, not before"
        wallet = session.get_wallet_balance(accountType="UNIFIED")["result"]["list"][0]
        assert wallet["coin"][0]["totalOrderIM"] == "0", "a stop holds no margin while it waits"

        sim.step_to(trigger_bar + BAR)
        [execution] = _executions(session, "exit-1")
        assert Decimal(execution["execPrice"]) == FALL_TO and execution["execQty"] == "0.0100"
        assert execution["closedSize"] == "0.0100"
        assert Decimal(execution["execPnl"]) == (FALL_TO - entry) * Decimal("0.01")
        assert Decimal(execution["execFee"]) == usdt(Decimal("0.01") * FALL_TO * TAKER)
        row = _history(session, "exit-1")
        assert row["orderStatus"] == "Filled" and row["qty"] == "0.0100"
        position = session.get_positions(category="linear", symbol="BTCUSDT")["result"]["list"][0]
        assert position["size"] == "0.0000"


def test_the_position_stop_goes_first_and_takes_a_reduce_only_stop_with_it() -> None:
    stop_loss = FALL_TO + TICK  # both in the bar that makes the low, the position's stop higher
    trigger_bar = _first_bar_reaching(stop_loss, rising=False)
    assert kline("BTCUSDT", "5m", trigger_bar)["low"] <= FALL_TO, "one bar reaches both"
    with running_sim() as sim:
        session = pybit_session(sim)
        session.place_order(category="linear", symbol="BTCUSDT", side="Buy", orderType="Market",
                            qty="0.01", stopLoss=str(stop_loss))  # fmt: skip
        _stop(session, "Sell", FALL_TO, 2, reduceOnly=True, orderLinkId="late-1")
        sim.step_to(trigger_bar + BAR)
        executions = session.get_executions(category="linear")["result"]["list"]
        assert len(executions) == 2, "the entry and the position's stop, nothing else"
        assert Decimal(executions[0]["execPrice"]) == stop_loss
        assert executions[0]["stopOrderType"] == "StopLoss"
        row = _history(session, "late-1")
        assert row["orderStatus"] == "Deactivated" and row["cancelType"] == "CancelByReduceOnly"


def test_an_untriggered_stop_survives_a_restart(use_database: str) -> None:
    name = f"stop-{uuid.uuid4().hex[:8]}"
    trigger_bar = _first_bar_reaching(RISE_TO, rising=True)
    with running_sim(persist=True, name=name, database_url=use_database) as sim:
        _stop(pybit_session(sim), "Buy", RISE_TO, 1, orderLinkId="kept-1")
    with running_sim(persist=True, name=name, database_url=use_database) as again:
        session = pybit_session(again)
        [row] = _orders(session, orderFilter="StopOrder")
        assert row["orderStatus"] == "Untriggered" and row["triggerDirection"] == 1
        assert row["triggerPrice"] == str(RISE_TO)
        again.step_to(trigger_bar + BAR)
        [execution] = _executions(session, "kept-1")
        assert Decimal(execution["execPrice"]) == RISE_TO
