"""place_order: validated and rounded before sending, sent once, idempotent by order_link_id.

`OrderDesk` is the exchange side of /v5/order/create, /realtime and /history at the HTTP edge. It
keeps orders by orderLinkId as Bybit does and answers with the recorded create acknowledgement,
the recorded realtime order row and a recorded error body, with values adapted to the order at
hand (orderId, orderLinkId, symbol, side, qty, type; retCode 110072 for a duplicate).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from bybit_fixtures import BASE, FakeBybit, FakeClock, fake_bybit, instrument, load, make_exchange

from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.errors import (
    InsufficientBalance,
    InvalidRequest,
    OrderBelowMinimum,
    OrderOutcomeUnknown,
    RateLimited,
    UnknownSymbol,
)
from algotrading.exchange.retry import NO_RETRY
from algotrading.exchange.types import OrderRequest, OrderSide, OrderStatus, OrderType

CREATE = "/v5/order/create"


def _error(code: int, message: str) -> dict[str, Any]:
    body = load("errors/error_110007_insufficient_balance.json")
    body.update(retCode=code, retMsg=message)  # adapted to `code` unless it is 110007
    return body


class OrderDesk:
    """A minimal matching desk: stores what reaches it, can lose the answer on the way back."""

    def __init__(self, fake: FakeBybit) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.lose_answer = False  # the order is stored, the answer is lost (timeout)
        self.drop_request = False  # the request never arrives (connection error)
        self.answer: dict[str, Any] | None = None  # a fixed answer instead of an ack
        self.failing_lookups = 0
        fake.mock.add_callback("POST", BASE + CREATE, callback=self.create)
        fake.mock.add_callback("GET", BASE + "/v5/order/realtime", callback=self.lookup)
        fake.mock.add_callback("GET", BASE + "/v5/order/history", callback=self.lookup)

    def create(self, request: Any) -> Any:
        body = json.loads(request.body)
        if self.drop_request:
            return requests.exceptions.ConnectionError("connection reset before sending")
        if body["orderLinkId"] in self.orders:
            return 200, {}, json.dumps(_error(110072, "OrderLinkedID is duplicate"))
        if self.answer is not None and self.answer["retCode"] not in (0, 5004):
            return 200, {}, json.dumps(self.answer)
        self.orders[body["orderLinkId"]] = {**body, "orderId": f"oid-{len(self.orders) + 1}"}
        if self.lose_answer:
            return requests.exceptions.ReadTimeout("read timed out")
        if self.answer is not None:
            return 200, {}, json.dumps(self.answer)
        ack = load("docs_v5/rest/order_create.json")
        ack["result"] = {
            "orderId": self.orders[body["orderLinkId"]]["orderId"],
            "orderLinkId": body["orderLinkId"],
        }
        return 200, {}, json.dumps(ack)

    def lookup(self, request: Any) -> Any:
        if self.failing_lookups:
            self.failing_lookups -= 1
            return 502, {}, "<html>bad gateway</html>"
        link = dict(parse_qsl(urlsplit(request.url).query)).get("orderLinkId")
        payload = load("docs_v5/rest/order_realtime.json")
        stored = self.orders.get(link or "")
        payload["result"]["list"] = (
            [self._row(payload["result"]["list"][0], stored)] if stored else []
        )
        return 200, {}, json.dumps(payload)

    @staticmethod
    def _row(row: dict[str, Any], order: dict[str, Any]) -> dict[str, Any]:
        row.update(
            orderId=order["orderId"], orderLinkId=order["orderLinkId"], symbol=order["symbol"],
            side=order["side"], orderType=order["orderType"], qty=order["qty"],
            price=order.get("price", "0"), positionIdx=0,
        )  # fmt: skip
        return row


@pytest.fixture
def bybit() -> Iterator[FakeBybit]:
    with fake_bybit() as fake:
        fake.serve("/v5/market/instruments-info", instrument())
        ticker = load("docs_v5/rest/market_tickers_inverse.json")
        ticker["result"]["list"] = [load("docs_v5/ws/public_ticker_linear.json")["data"]]  # adapted
        fake.serve("/v5/market/tickers", ticker)
        yield fake


@pytest.fixture
def desk(bybit: FakeBybit) -> OrderDesk:
    return OrderDesk(bybit)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def exchange(bybit: FakeBybit, clock: FakeClock) -> BybitExchange:
    return make_exchange(clock)


def _buy(qty: str = "0.0105", link: str = "trend-BTCUSDT-1", **kwargs: Any) -> OrderRequest:
    return OrderRequest("BTCUSDT", OrderSide.BUY, Decimal(qty), link, **kwargs)


def test_market_order_is_sent_once_rounded_and_without_price(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    order = exchange.place_order(_buy())
    assert bybit.body(CREATE) == {
        "category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
        "qty": "0.010", "orderLinkId": "trend-BTCUSDT-1", "positionIdx": 0, "reduceOnly": False,
    }  # fmt: skip
    assert (order.order_id, order.status, order.qty, order.price) == (
        "oid-1",
        OrderStatus.CREATED,
        Decimal("0.010"),
        None,
    )
    assert len(bybit.calls("/v5/market/tickers")) == 1  # the expected price, for the notional check


def test_limit_order_price_is_rounded_to_the_tick(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    order = exchange.place_order(_buy(order_type=OrderType.LIMIT, price=Decimal("30000.19")))
    assert bybit.body(CREATE)["price"] == "30000.10" and order.price == Decimal("30000.10")
    assert len(bybit.calls("/v5/market/tickers")) == 0


def test_a_timed_out_create_that_reached_the_exchange_yields_one_order_not_two(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange, clock: FakeClock
) -> None:
    desk.lose_answer = True
    order = exchange.place_order(_buy())
    assert len(desk.orders) == 1 and len(bybit.calls(CREATE)) == 1  # asked, not re-sent
    assert order.order_id == "oid-1" and order.status is OrderStatus.NEW
    assert clock.sleeps == [0.5]  # one pause, then the lookup by order_link_id found it
    desk.lose_answer = False
    again = exchange.place_order(_buy())  # the caller retries the same decision: 110072
    assert again.order_id == order.order_id and len(desk.orders) == 1


def test_a_create_that_never_arrived_is_reported_unknown_and_safe_to_repeat(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange, clock: FakeClock
) -> None:
    desk.drop_request = True
    with pytest.raises(OrderOutcomeUnknown, match="same order_link_id is safe") as info:
        exchange.place_order(_buy())
    assert info.value.order_link_id == "trend-BTCUSDT-1" and not isinstance(
        info.value, InvalidRequest
    )
    assert clock.sleeps == [0.5, 1.0, 2.0] and len(bybit.calls("/v5/order/history")) == 3
    desk.drop_request = False
    assert exchange.place_order(_buy()).order_id == "oid-1" and len(desk.orders) == 1


def test_a_server_timeout_answer_is_ambiguous_too(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    desk.answer = load("errors/error_5004_server_timeout.json")
    order = exchange.place_order(_buy())
    assert order.order_id == "oid-1" and len(bybit.calls(CREATE)) == 1


def test_a_failing_lookup_is_tried_again(
    bybit: FakeBybit, desk: OrderDesk, clock: FakeClock
) -> None:
    exchange = make_exchange(clock, retry=NO_RETRY)
    desk.lose_answer, desk.failing_lookups = True, 1
    assert exchange.place_order(_buy()).order_id == "oid-1"
    assert clock.sleeps == [0.5, 1.0]


def test_duplicate_order_link_id_resolves_to_the_existing_order(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange, clock: FakeClock
) -> None:
    desk.orders["trend-BTCUSDT-1"] = {**bybit_body(), "orderId": "from-earlier-run"}
    order = exchange.place_order(_buy())
    assert order.order_id == "from-earlier-run" and len(desk.orders) == 1
    assert clock.sleeps == []  # it certainly exists: asked for at once


def test_a_link_id_reused_for_another_order_is_refused(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    desk.orders["trend-BTCUSDT-1"] = {**bybit_body(), "qty": "0.500", "orderId": "other"}
    with pytest.raises(InvalidRequest, match="another order"):
        exchange.place_order(_buy())


def test_definitive_refusals_raise_at_once(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    desk.answer = load("errors/error_110007_insufficient_balance.json")
    with pytest.raises(InsufficientBalance):
        exchange.place_order(_buy())
    desk.answer = _error(10006, "Too many visits!")
    with pytest.raises(RateLimited):
        exchange.place_order(_buy(link="trend-BTCUSDT-2"))
    assert len(bybit.calls(CREATE)) == 2 and len(bybit.calls("/v5/order/realtime")) == 0


@pytest.mark.parametrize(
    ("request_", "error"),
    [
        (_buy("0.0009"), OrderBelowMinimum),  # floors to 0.000 < min 0.001
        (_buy("0.001", order_type=OrderType.LIMIT, price=Decimal("1000")), OrderBelowMinimum),
        (_buy("501"), InvalidRequest),  # above maxMktOrderQty 500
    ],
)
def test_refused_before_anything_is_sent(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange, request_: OrderRequest, error: type
) -> None:
    with pytest.raises(error):
        exchange.place_order(request_)
    assert len(bybit.calls(CREATE)) == 0


def test_a_small_reduce_only_order_may_close_a_position(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    exchange.place_order(
        _buy("0.001", order_type=OrderType.LIMIT, price=Decimal("1000"), reduce_only=True)
    )
    assert bybit.body(CREATE)["reduceOnly"] is True


def test_unknown_or_halted_symbols_are_refused(
    bybit: FakeBybit, desk: OrderDesk, exchange: BybitExchange
) -> None:
    with pytest.raises(UnknownSymbol):
        exchange.place_order(OrderRequest("BTC-USD", OrderSide.BUY, Decimal("1"), "x-1"))
    assert len(bybit.mock.calls) == 0  # not even the instrument was asked for
    halted = load("docs_v5/rest/market_instruments_info_linear.json", block=1)  # BIOUSDT PreLaunch
    bybit.replace("/v5/market/instruments-info", halted)
    with pytest.raises(UnknownSymbol, match="not trading"):
        exchange.place_order(OrderRequest("BIOUSDT", OrderSide.BUY, Decimal("10"), "x-2"))
    assert len(bybit.calls(CREATE)) == 0


def test_order_requests_check_themselves() -> None:
    for link in ("", "x" * 37, "has space", "é"):
        with pytest.raises(ValueError, match="order_link_id"):
            _buy(link=link)
    with pytest.raises(ValueError, match="qty"):
        _buy("0")
    with pytest.raises(ValueError, match="limit order needs a price"):
        _buy(order_type=OrderType.LIMIT)


def bybit_body() -> dict[str, Any]:
    return {
        "category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
        "qty": "0.010", "orderLinkId": "trend-BTCUSDT-1",
    }  # fmt: skip
