"""Every method of the Bybit adapter against recorded answers over the fake transport.

The fake clock starts at the recorded server time, so the exchange's "now" is 1688639403423.
Values changed in a recorded answer to fit a case are marked "adapted".
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from bybit_fixtures import (
    FakeBybit,
    FakeClock,
    fake_bybit,
    instrument,
    load,
    make_exchange,
)

from algotrading.domain.intervals import Interval
from algotrading.exchange import ExchangeService
from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.errors import InvalidRequest, LeverageOutOfRange, UnknownSymbol
from algotrading.exchange.types import OrderSide, OrderStatus

NOW = 1688639403423
DAY = 86_400_000


@pytest.fixture
def bybit() -> Iterator[FakeBybit]:
    with fake_bybit() as fake:
        yield fake


@pytest.fixture
def exchange(bybit: FakeBybit) -> BybitExchange:
    return make_exchange(FakeClock())


def _linear_tickers() -> dict:
    """The REST tickers envelope holding the linear ticker (adapted: the docs show no linear REST
    example, so the recorded WS linear ticker data is put in the recorded REST envelope)."""
    payload = load("docs_v5/rest/market_tickers_inverse.json")
    payload["result"]["category"] = "linear"
    payload["result"]["list"] = [
        load("docs_v5/ws/public_ticker_linear.json")["data"],
        load("docs_v5/ws/public_ticker_linear.json", block=1)["data"],
        load("docs_v5/rest/market_tickers_inverse.json")["result"]["list"][0],
    ]
    return payload


def test_the_adapter_is_an_exchange_service(exchange: BybitExchange) -> None:
    assert isinstance(exchange, ExchangeService)


# --- market data ---------------------------------------------------------------------------------


def test_server_time(bybit: FakeBybit, exchange: BybitExchange) -> None:
    assert exchange.get_server_time() == NOW


def test_candles_are_ascending_and_the_range_inclusive(
    bybit: FakeBybit, exchange: BybitExchange
) -> None:
    """Quirks 15 and 16: newest-first answers leave ascending; a day is asked for as `D`."""
    bybit.serve_recorded("/v5/market/kline", "docs_v5/rest/market_kline.json")
    candles = exchange.get_candles(
        "BTCUSDT", Interval.D1, start_ms=1670601600000, end_ms=1670605200000
    )
    assert candles.start_ms.tolist() == [1670601600000, 1670605200000]
    assert bybit.query("/v5/market/kline") == {
        "category": "linear", "symbol": "BTCUSDT", "interval": "D", "start": "1670601600000",
        "end": "1670605200000", "limit": "200",
    }  # fmt: skip
    with pytest.raises(InvalidRequest):
        exchange.get_candles("BTCUSDT", Interval.H1, limit=0)


def test_more_candles_than_one_page_walk_back_from_the_end(
    bybit: FakeBybit, exchange: BybitExchange, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("algotrading.exchange.bybit.adapter.KLINE_PAGE", 2)  # Bybit's is 1000
    bybit.serve_recorded("/v5/market/kline", "docs_v5/rest/market_kline.json")
    candles = exchange.get_candles("BTCUSDT", Interval.H1, limit=3)
    assert candles.start_ms.tolist() == [1670601600000, 1670605200000, 1670608800000]
    first, second = (bybit.query("/v5/market/kline", i) for i in (0, 1))
    assert (first["limit"], "end" in first) == ("2", False)
    assert (second["limit"], second["end"]) == ("1", "1670605199999")


def test_ticker_and_tickers(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve("/v5/market/tickers", _linear_tickers())
    ticker = exchange.get_ticker("BTCUSDT")
    assert ticker.mark_price == Decimal("66666.60") and ticker.time_ms == 1760352369814
    assert bybit.query("/v5/market/tickers") == {"category": "linear", "symbol": "BTCUSDT"}
    assert [t.symbol for t in exchange.get_tickers()] == ["BTCUSDT"]  # no futures, no inverse
    with pytest.raises(UnknownSymbol):
        exchange.get_ticker("ETHUSDT")


def test_funding_rate(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve("/v5/market/tickers", _linear_tickers())
    rate = exchange.get_funding_rate("BTCUSDT")
    assert rate.rate == Decimal("-0.005") and rate.next_funding_ms == 1760342400000


def test_funding_rate_history(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve_recorded(
        "/v5/market/funding/history", "nautilus_fixtures/http_get_funding_history.json"
    )
    history = exchange.get_funding_rate_history("BTCUSDT")
    assert history.time_ms.tolist() == [1709856000000, 1709884800000]
    payload = load("nautilus_fixtures/http_get_funding_history.json")
    newest, older = payload["result"]["list"]
    newest["fundingRateTimestamp"], older["fundingRateTimestamp"] = NOW - DAY // 3, NOW - 2 * DAY
    bybit.serve("/v5/market/funding/history", payload)  # adapted times, around "now"
    history = exchange.get_funding_rate_history("BTCUSDT", start_ms=NOW - DAY)
    assert history.time_ms.tolist() == [NOW - DAY // 3] and history.rate.tolist() == [0.0001]
    sent = bybit.query("/v5/market/funding/history")
    assert sent["startTime"] == str(NOW - DAY) and sent["endTime"] == str(
        NOW
    )  # start alone: refused


def test_open_interest(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve_recorded("/v5/market/open-interest", "docs_v5/rest/market_open_interest.json")
    items = exchange.get_open_interest("BTCUSDT", interval=Interval.H4, limit=5)
    assert len(items) == 5 and items[-1].time_ms == 1780963200000 and items[0].symbol == "BTCUSDT"
    assert bybit.query("/v5/market/open-interest")["intervalTime"] == "4h"
    with pytest.raises(InvalidRequest, match="interval"):
        exchange.get_open_interest("BTCUSDT", interval=Interval.M1)


def test_active_symbols_and_the_instrument_cache(bybit: FakeBybit, exchange: BybitExchange) -> None:
    payload = load("docs_v5/rest/market_instruments_info_linear.json")
    prelaunch = load("docs_v5/rest/market_instruments_info_linear.json", block=1)
    payload["result"]["list"] += prelaunch["result"]["list"]  # adapted: both examples, one page
    bybit.serve("/v5/market/instruments-info", payload)
    assert exchange.get_active_symbols() == ["BTCUSDT"]  # BIOUSDT is PreLaunch
    assert exchange.get_symbol_info("BIOUSDT").max_leverage == 5
    assert len(bybit.calls("/v5/market/instruments-info")) == 1  # served from the cache


def test_symbol_info_and_unknown_symbols(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve("/v5/market/instruments-info", instrument())
    info = exchange.get_symbol_info("BTCUSDT")
    assert (info.tick_size, info.qty_step, info.min_qty, info.min_notional) == (
        Decimal("0.10"), Decimal("0.001"), Decimal("0.001"), Decimal("5"),
    )  # fmt: skip
    assert info.max_leverage == 100 and info.funding_interval_hours == 8
    exchange.get_symbol_info("BTCUSDT")
    assert len(bybit.calls("/v5/market/instruments-info")) == 1
    with pytest.raises(UnknownSymbol):
        exchange.get_symbol_info("btc")
    assert len(bybit.calls("/v5/market/instruments-info")) == 1  # malformed: nothing sent
    empty = instrument()
    empty["result"]["list"] = []  # adapted: what Bybit answers for a symbol it does not list
    bybit.serve("/v5/market/instruments-info", empty)
    with pytest.raises(UnknownSymbol, match="FOOUSDT"):
        exchange.get_symbol_info("FOOUSDT")


# --- account -------------------------------------------------------------------------------


def test_balances_and_equity(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve_recorded(
        "/v5/account/wallet-balance", "nautilus_fixtures/http_get_wallet_balance.json"
    )
    balances = {b.coin: b for b in exchange.get_balances()}
    assert balances["USDT"].available == Decimal("1000.50") and set(balances) == {
        "BTC",
        "ETH",
        "USDT",
    }
    assert exchange.get_total_equity() == Decimal("3.31216591")
    assert bybit.query("/v5/account/wallet-balance") == {"accountType": "UNIFIED"}


def test_quirk_03_at_most_ten_coins_per_balance_request(
    bybit: FakeBybit, exchange: BybitExchange
) -> None:
    bybit.serve_recorded(
        "/v5/account/wallet-balance", "nautilus_fixtures/http_get_wallet_balance.json"
    )
    coins = [
        "USDT",
        "BTC",
        "ETH",
        "SOL",
        "XRP",
        "ADA",
        "DOGE",
        "AVAX",
        "DOT",
        "LINK",
        "MATIC",
        "BNB",
    ]
    found = exchange.get_balances(coins)
    sent = [bybit.query("/v5/account/wallet-balance", i)["coin"].split(",") for i in range(2)]
    assert [len(s) for s in sent] == [10, 2] and "POL" in sent[1]  # quirk 17 on the way out
    assert {b.coin for b in found} == {"BTC", "ETH", "USDT"}


def test_account_info(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve("/v5/user/query-api", load("docs:user_query_api.json"))
    bybit.serve_recorded("/v5/account/wallet-balance", "docs_v5/rest/account_wallet_balance.json")
    info = exchange.get_account_info()
    assert (info.uid, info.account_type, info.is_master, info.can_trade) == (
        "24617703",
        "UNIFIED",
        True,
        True,
    )


def test_positions_all_and_one(bybit: FakeBybit, exchange: BybitExchange) -> None:
    """Quirks 7 and 8: only `linear` is asked; all positions need settleCoin=USDT."""
    bybit.serve_recorded("/v5/position/list", "nautilus_fixtures/http_get_positions.json")
    positions = exchange.get_positions()
    assert [(p.symbol, p.side) for p in positions] == [
        ("BTCUSDT", OrderSide.BUY),
        ("ETHUSDT", OrderSide.SELL),
    ]
    assert bybit.query("/v5/position/list") == {
        "category": "linear",
        "settleCoin": "USDT",
        "limit": "200",
    }
    exchange.get_positions("ETHUSDT")
    assert bybit.query("/v5/position/list") == {
        "category": "linear",
        "symbol": "ETHUSDT",
        "limit": "200",
    }


# --- leverage, TP/SL, orders ---------------------------------------------------------------


def test_leverage(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve_recorded("/v5/position/list", "nautilus_fixtures/http_get_positions.json")
    bybit.serve("/v5/market/instruments-info", instrument())
    bybit.serve_recorded(
        "/v5/position/set-leverage", "docs_v5/rest/position_set_leverage.json", method="POST"
    )
    assert exchange.get_leverage("SOLUSDT") == Decimal("10")  # a flat row still has leverage
    exchange.set_leverage("BTCUSDT", Decimal("5"))
    assert bybit.body("/v5/position/set-leverage") == {
        "category": "linear", "symbol": "BTCUSDT", "buyLeverage": "5", "sellLeverage": "5",
    }  # fmt: skip
    with pytest.raises(LeverageOutOfRange):
        exchange.set_leverage("BTCUSDT", Decimal("125"))
    assert len(bybit.calls("/v5/position/set-leverage")) == 1  # refused before sending


def test_unchanged_leverage_is_success(bybit: FakeBybit, exchange: BybitExchange) -> None:
    body = load("errors/error_110007_insufficient_balance.json")
    body.update(retCode=110043, retMsg="Set leverage has not been modified.")  # adapted
    bybit.serve("/v5/market/instruments-info", instrument())
    bybit.serve("/v5/position/set-leverage", body, method="POST")
    exchange.set_leverage("BTCUSDT", Decimal("10"))  # 110043 must not raise
    assert len(bybit.calls("/v5/position/set-leverage")) == 1  # and is not retried


def test_stop_loss_take_profit_on_the_position(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve("/v5/market/instruments-info", instrument())
    bybit.serve("/v5/position/trading-stop", load("docs:position_trading_stop.json"), method="POST")
    exchange.set_stop_loss_take_profit(
        "BTCUSDT", stop_loss=Decimal("48000.06"), take_profit=Decimal("55000")
    )
    body = bybit.body("/v5/position/trading-stop")
    assert (body["stopLoss"], body["takeProfit"], body["tpslMode"]) == (
        "48000.10",
        "55000.00",
        "Full",
    )
    with pytest.raises(InvalidRequest):
        exchange.set_stop_loss_take_profit("BTCUSDT")


def test_cancel_and_modify(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve_recorded("/v5/order/cancel", "docs_v5/rest/order_cancel.json", method="POST")
    bybit.serve("/v5/order/amend", load("docs:order_amend.json"), method="POST")
    bybit.serve("/v5/market/instruments-info", instrument())
    exchange.cancel_order("BTCUSDT", order_link_id="linear-004")
    assert bybit.body("/v5/order/cancel") == {
        "category": "linear",
        "symbol": "BTCUSDT",
        "orderLinkId": "linear-004",
    }
    exchange.modify_order(
        "BTCUSDT", order_link_id="linear-004", qty=Decimal("0.0109"), price=Decimal("30000.17")
    )
    body = bybit.body("/v5/order/amend")
    assert (body["qty"], body["price"], body["orderLinkId"]) == ("0.010", "30000.20", "linear-004")
    exchange.modify_order("BTCUSDT", order_link_id="linear-004", trigger_price=Decimal("31000.06"))
    body = bybit.body("/v5/order/amend")
    assert body["triggerPrice"] == "31000.10" and "price" not in body and "qty" not in body
    with pytest.raises(InvalidRequest, match="qty, price or trigger price"):
        exchange.modify_order("BTCUSDT", order_link_id="linear-004")
    with pytest.raises(InvalidRequest, match="exactly one"):
        exchange.cancel_order("BTCUSDT", order_id="a", order_link_id="b")
    assert len(bybit.calls("/v5/order/cancel")) == 1


def test_get_order_looks_in_realtime_then_history(
    bybit: FakeBybit, exchange: BybitExchange
) -> None:
    bybit.serve_recorded("/v5/order/realtime", "docs_v5/rest/order_realtime.json")
    order = exchange.get_order("ETHUSDT", order_link_id="test-000005")
    assert order is not None and order.status is OrderStatus.NEW and order.qty == Decimal("0.10")
    assert bybit.query("/v5/order/realtime")["orderLinkId"] == "test-000005"
    empty = load("docs_v5/rest/order_realtime.json")
    empty["result"]["list"] = []  # adapted: not among the open and recent orders
    bybit.serve("/v5/order/realtime", empty)
    bybit.serve_recorded("/v5/order/history", "docs_v5/rest/order_history.json")
    old = exchange.get_order("BTCUSDT", order_id="14bad3a1-6454-43d8-bcf2-5345896cf74d")
    assert old is not None and old.status is OrderStatus.CANCELLED
    assert exchange.get_order("BTCUSDT", order_id="nope") is None


def test_open_orders(bybit: FakeBybit, exchange: BybitExchange) -> None:
    bybit.serve_recorded("/v5/order/realtime", "nautilus_fixtures/http_get_orders_realtime.json")
    orders = exchange.get_open_orders()
    assert [o.order_link_id for o in orders] == ["client-open-1", "client-open-2"]
    assert bybit.query("/v5/order/realtime") == {
        "category": "linear", "settleCoin": "USDT", "openOnly": "0", "limit": "50",
    }  # fmt: skip


def test_executions_since_walk_seven_day_windows(bybit: FakeBybit, exchange: BybitExchange) -> None:
    payload = load("nautilus_fixtures/http_get_executions.json")
    payload["result"]["nextPageCursor"] = ""
    rows = payload["result"]["list"]
    rows[0]["execTime"], rows[1]["execTime"] = str(NOW - 8 * DAY), str(NOW - DAY)  # adapted times
    bybit.serve("/v5/execution/list", payload)
    found = exchange.get_executions(NOW - 10 * DAY)
    assert [e.symbol for e in found] == [
        "BTCUSDT",
        "ETHUSDT",
    ]  # both windows answered: deduplicated
    windows = [(int(q["startTime"]), int(q["endTime"])) for q in map(
        lambda i: bybit.query("/v5/execution/list", i), range(2))]  # fmt: skip
    assert windows == [(NOW - 10 * DAY, NOW - 3 * DAY - 1), (NOW - 3 * DAY, NOW)]
    assert exchange.get_executions(NOW - DAY // 2) == []  # older ones are filtered out
    with pytest.raises(InvalidRequest, match="two years"):
        exchange.get_executions(NOW - 800 * DAY)


def test_funding_settlements_from_the_transaction_log(
    bybit: FakeBybit, exchange: BybitExchange
) -> None:
    payload = load("docs:transaction_log.json")
    payload["result"]["nextPageCursor"] = ""
    for row in payload["result"]["list"]:
        row["transactionTime"] = str(NOW - 2 * DAY)  # adapted: inside the asked window
    bybit.serve("/v5/account/transaction-log", payload)
    found = exchange.get_funding_settlements(NOW - 3 * DAY)
    assert [(s.symbol, s.amount) for s in found] == [("XRPUSDT", Decimal("-0.003676"))]
    sent = bybit.query("/v5/account/transaction-log")
    assert (sent["type"], sent["category"], sent["currency"]) == ("SETTLEMENT", "linear", "USDT")
    assert exchange.get_funding_settlements(NOW - 3 * DAY, "BTCUSDT") == []
