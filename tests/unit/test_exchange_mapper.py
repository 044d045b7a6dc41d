"""The Bybit mapper on recorded answers: each of the 18 quirks, and each parsed type.

Quirks handled in the adapter or client rather than here (3, 7, 8, 14 and the request side of 18)
are tested in test_exchange_adapter.py and test_exchange_client.py; the docstring of each test
names its quirk. Where a recorded value is changed to provoke a case, the test says so.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest
from bybit_fixtures import first_row, load

from algotrading.domain.intervals import Interval
from algotrading.exchange.bybit import mapper, params
from algotrading.exchange.errors import UnexpectedResponse, UnknownSymbol
from algotrading.exchange.types import (
    OrderRequest,
    OrderSide,
    OrderStatus,
    OrderType,
    TimeInForce,
    TriggerDirection,
)

WALLET = "nautilus_fixtures/http_get_wallet_balance.json"


def _btc_info():
    return mapper.parse_symbol_info(
        first_row(load("docs_v5/rest/market_instruments_info_linear.json"))
    )


def test_quirk_01_account_entries_are_merged_per_coin() -> None:
    payload = load(WALLET)
    second = dict(payload["result"]["list"][0])  # adapted: a second account entry in one answer
    second["accountType"] = "CONTRACT"
    second["totalEquity"] = "10"
    payload["result"]["list"].append(second)
    usdt = {b.coin: b for b in mapper.parse_balances(payload["result"])}["USDT"]
    assert usdt.wallet_balance == Decimal("2001.00") and usdt.equity == Decimal("2001.00")
    assert mapper.parse_total_equity(payload["result"]) == Decimal("13.31216591")


def test_quirk_02_balance_rows_come_as_list_or_as_balance() -> None:
    coin = load(WALLET)["result"]["list"][0]["coin"][1]  # the USDT row
    as_list = mapper.parse_balances({"list": [{"accountType": "UNIFIED", "coin": [coin]}]})
    as_balance = mapper.parse_balances({"balance": [coin]})  # adapted: the asset-endpoint shape
    assert as_list == as_balance and as_list[0].coin == "USDT"
    assert mapper.rows({"balance": coin}) == [coin]
    assert mapper.rows({}) == []


def test_quirk_04_available_falls_back_to_wallet_balance() -> None:
    coin = load(WALLET)["result"]["list"][0]["coin"][1]
    coin["availableToWithdraw"] = ""  # adapted: unified accounts now send "" here
    assert mapper.parse_balances({"balance": [coin]})[0].available == Decimal("1000.50")
    coin["transferBalance"] = "900.25"  # adapted: the asset endpoints' field wins when present
    assert mapper.parse_balances({"balance": [coin]})[0].available == Decimal("900.25")
    coin["availableToWithdraw"], coin["transferBalance"] = "0", ""
    assert mapper.parse_balances({"balance": [coin]})[0].available == Decimal("0")


def test_quirks_05_06_margin_is_position_balance_and_pnl_is_unrealised() -> None:
    raw = first_row(load("docs_v5/rest/position_list.json"))  # positionBalance != positionIM
    position = mapper.parse_position(raw)
    assert position is not None
    assert position.margin == Decimal("0.00139186")
    assert position.unrealized_pnl == Decimal("-0.00029413")
    assert position.side is OrderSide.SELL and position.liquidation_price is None
    assert position.take_profit is None and position.stop_loss is None  # "0.00" means none


def test_flat_position_rows_are_dropped() -> None:
    rows = load("nautilus_fixtures/http_get_positions.json")["result"]["list"]
    parsed = [mapper.parse_position(r) for r in rows]
    assert [p.symbol for p in parsed if p] == ["BTCUSDT", "ETHUSDT"] and parsed[2] is None


def test_quirk_09_market_orders_carry_no_price_field() -> None:
    info = _btc_info()
    request = OrderRequest(
        "BTCUSDT", OrderSide.BUY, Decimal("0.0105"), "t-1", price=Decimal("30000")
    )
    body = params.order_params(request, info, params.checked_qty(request, info))
    assert not set(body) & set(params.PRICE_FIELDS)
    assert body["qty"] == "0.010" and body["orderType"] == "Market"
    assert params.strip_price_fields({"price": "1", "stopLoss": "2", "qty": "3"}) == {"qty": "3"}


def test_a_conditional_market_order_carries_its_trigger_but_no_price() -> None:
    info = _btc_info()  # tick 0.10
    request = OrderRequest(
        "BTCUSDT", OrderSide.SELL, Decimal("0.004"), "t-5", price=Decimal("30000"),
        reduce_only=True, trigger_price=Decimal("31000.04"),
        trigger_direction=TriggerDirection.RISE,
    )  # fmt: skip
    body = params.order_params(request, info, Decimal("0.004"))
    assert (body["triggerPrice"], body["triggerDirection"], body["triggerBy"]) == (
        "31000.00", 1, "LastPrice",
    )  # fmt: skip
    assert "price" not in body and "timeInForce" not in body and body["reduceOnly"] is True
    fall = OrderRequest(
        "BTCUSDT", OrderSide.BUY, Decimal("0.004"), "t-6", trigger_price=Decimal("29000"),
        trigger_direction=TriggerDirection.FALL,
    )  # fmt: skip
    assert params.order_params(fall, info, Decimal("0.004"))["triggerDirection"] == 2
    with pytest.raises(ValueError, match="both a trigger price and a direction"):
        OrderRequest("BTCUSDT", OrderSide.BUY, Decimal("1"), "t-7", trigger_price=Decimal("1"))
    with pytest.raises(ValueError, match="only conditional market orders"):
        OrderRequest(
            "BTCUSDT", OrderSide.BUY, Decimal("1"), "t-8", OrderType.LIMIT, Decimal("1"),
            trigger_price=Decimal("1"), trigger_direction=TriggerDirection.FALL,
        )  # fmt: skip


def test_an_untriggered_order_is_open_and_keeps_its_trigger() -> None:
    raw = first_row(load("docs_v5/rest/order_realtime.json"))
    raw.update(
        orderStatus="Untriggered",
        orderType="Market",
        price="0",
        triggerPrice="1700.00",
        triggerDirection=1,
        stopOrderType="Stop",
    )  # adapted: a conditional order
    order = mapper.parse_order(raw)
    assert order.status is OrderStatus.NEW and order.status.is_open
    assert order.trigger_price == Decimal("1700.00") and order.price is None
    plain = mapper.parse_order(first_row(load("docs_v5/rest/order_realtime.json")))
    assert plain.trigger_price is None  # "0.00" means no trigger


def test_limit_orders_round_the_price_against_the_caller_never_for() -> None:
    info = _btc_info()  # tick 0.10
    buy = OrderRequest(
        "BTCUSDT", OrderSide.BUY, Decimal("0.002"), "t-2", OrderType.LIMIT, Decimal("30000.19"),
        TimeInForce.POST_ONLY,
    )  # fmt: skip
    sell = OrderRequest(
        "BTCUSDT", OrderSide.SELL, Decimal("0.002"), "t-3", OrderType.LIMIT, Decimal("30000.11")
    )
    assert params.order_params(buy, info, Decimal("0.002"))["price"] == "30000.10"
    assert params.order_params(buy, info, Decimal("0.002"))["timeInForce"] == "PostOnly"
    assert params.order_params(sell, info, Decimal("0.002"))["price"] == "30000.20"
    assert params.order_params(sell, info, Decimal("0.002"))["timeInForce"] == "GTC"


def test_quirk_10_tp_sl_never_ride_on_the_order_but_on_the_position() -> None:
    info = _btc_info()
    request = OrderRequest(
        "BTCUSDT", OrderSide.BUY, Decimal("0.01"), "t-4", OrderType.LIMIT, Decimal("1")
    )
    assert "takeProfit" not in params.order_params(request, info, Decimal("0.01"))
    stop = params.trading_stop_params(info, Decimal("25000.04"), Decimal("0"))
    assert stop == {
        "category": "linear", "symbol": "BTCUSDT", "tpslMode": "Full", "positionIdx": 0,
        "stopLoss": "25000.00", "takeProfit": "0",
    }  # fmt: skip


def test_quirk_11_order_fields_are_read_under_every_spelling() -> None:
    raw = first_row(load("docs_v5/rest/order_realtime.json"))
    reference = mapper.parse_order(raw)
    renamed = {  # adapted: the same order with the other spellings met in the wild
        "id": raw.pop("orderId"), "clientOrderId": raw.pop("orderLinkId"),
        "type": raw.pop("orderType"), "quantity": raw.pop("qty"), "status": raw.pop("orderStatus"),
        "createdAt": raw.pop("createdTime"),
    }  # fmt: skip
    assert mapper.parse_order({**raw, **renamed}) == reference
    assert reference.order_id == "fd4300ae-7847-404e-b947-b46980a4d140"
    assert reference.order_link_id == "test-000005" and reference.status is OrderStatus.NEW
    assert reference.created_ms == 1684738540559 and reference.take_profit == Decimal("2500.00")
    created = {**raw, **renamed, "createTime": renamed["createdAt"]}
    del created["createdAt"]
    assert mapper.parse_order(created).created_ms == 1684738540559


def test_quirk_12_numbers_are_strings_and_empty_means_zero() -> None:
    assert mapper.dec("") == 0 and mapper.dec(None) == 0 and mapper.dec("0.10") == Decimal("0.10")
    assert mapper.opt_dec("") is None and mapper.opt_dec("0", zero_is_none=True) is None
    order = mapper.parse_order(first_row(load("nautilus_fixtures/http_get_orders_realtime.json")))
    assert order.avg_fill_price is None and order.filled_qty == 0  # avgPrice is null there
    assert isinstance(order.qty, Decimal) and order.price == Decimal("3930.41")
    with pytest.raises(UnexpectedResponse):
        mapper.dec("abc")


def test_quirk_13_account_id_is_uid_or_sub_uid_or_user_id() -> None:
    key = load("docs:user_query_api.json")["result"]
    assert mapper.account_uid(key) == "24617703"
    assert mapper.account_uid({"uid": 7}) == "7" and mapper.account_uid({"subUID": "8"}) == "8"
    assert mapper.account_uid({}) is None
    info = mapper.parse_account_info(key, "UNIFIED")
    assert info.uid == "24617703" and info.is_master and not info.read_only and info.can_trade
    assert info.permissions["ContractTrade"] == ("Order", "Position") and "apiKey" not in repr(info)


def test_quirk_15_klines_arrive_newest_first_and_leave_ascending() -> None:
    payload = load("docs_v5/rest/market_kline.json")
    rows = payload["result"]["list"]
    assert int(rows[0][0]) > int(rows[-1][0])  # as recorded: newest first
    candles = mapper.parse_candles(payload["result"])
    assert candles.start_ms.tolist() == [1670601600000, 1670605200000, 1670608800000]
    assert candles.close.tolist() == [17071.5, 17071.0, 17055.5]
    assert candles.turnover[-1] == pytest.approx(15.74462667)
    assert np.all(np.diff(candles.start_ms) > 0)


def test_quirk_16_day_and_week_intervals_are_letters() -> None:
    assert mapper.kline_code(Interval.D1) == "D" and mapper.kline_code(Interval.W1) == "W"
    assert mapper.kline_code(Interval.H4) == "240" and mapper.kline_code(Interval.M15) == "15"
    assert [mapper.kline_code_for_minutes(m) for m in (1440, 10080, 43200, 60)] == [
        "D",
        "W",
        "M",
        "60",
    ]
    assert set(mapper.KLINE_CODES) == set(Interval)


def test_quirk_17_matic_and_pol_are_one_coin() -> None:
    coin = load(WALLET)["result"]["list"][0]["coin"][1]
    matic = {**coin, "coin": "MATIC", "walletBalance": "5"}  # adapted: pre-rename row
    pol = {**coin, "coin": "POL", "walletBalance": "7"}
    merged = mapper.parse_balances({"balance": [matic, pol]})
    assert [(b.coin, b.wallet_balance) for b in merged] == [("POL", Decimal("12"))]
    assert mapper.coin_param(["matic", "POL", "usdt"]) == ["POL", "USDT"]


def test_quirk_18_a_candle_ends_at_start_plus_interval() -> None:
    ws = load("docs_v5/ws/public_kline.json")["data"][0]  # Bybit's `end` is 1 ms short
    start, end = int(ws["start"]), int(ws["end"])
    assert mapper.candle_end_ms(start, Interval.M5) == end + 1


def test_symbol_info_from_the_recorded_instrument() -> None:
    info = _btc_info()
    assert (info.tick_size, info.qty_step, info.min_qty) == (
        Decimal("0.10"),
        Decimal("0.001"),
        Decimal("0.001"),
    )
    assert info.min_notional == 5 and info.max_leverage == 100 and info.funding_interval_hours == 8
    assert info.is_trading and info.max_market_qty == Decimal("500.000")
    assert info.floor_qty(Decimal("0.0019")) == Decimal("0.001")
    assert info.round_price(Decimal("100.05")) == Decimal("100.0")  # half-even
    assert info.round_leverage(Decimal("3.456")) == Decimal("3.45")


def test_funding_interval_that_is_no_whole_hour_is_unknown() -> None:
    raw = first_row(load("nautilus_fixtures/http_get_instruments_linear.json"))  # says 8 (minutes?)
    assert mapper.parse_symbol_info(raw).funding_interval_hours is None
    assert mapper.funding_interval_hours(240) == 4 and mapper.funding_interval_hours("") is None


def test_funding_history_is_ascending() -> None:
    history = mapper.parse_funding_history(
        load("nautilus_fixtures/http_get_funding_history.json")["result"]
    )
    assert history.time_ms.tolist() == [1709856000000, 1709884800000]
    assert history.rate.tolist() == [0.00015, 0.0001]


def test_open_interest_is_ascending() -> None:
    items = mapper.parse_open_interest(
        load("docs_v5/rest/market_open_interest.json")["result"], "BTCUSDT"
    )
    assert [i.time_ms for i in items] == sorted(i.time_ms for i in items) and len(items) == 5
    assert items[-1].open_interest == Decimal("63910691.00000000")


def test_ticker_and_funding_rate_from_the_linear_ticker() -> None:
    raw = load("docs_v5/ws/public_ticker_linear.json")["data"]  # the linear shape (see PROVENANCE)
    ticker = mapper.parse_ticker(raw, 1760325052630)
    assert ticker.last_price == Decimal("66666.60") and ticker.bid_price == Decimal("66666.60")
    assert ticker.next_funding_ms == 1760342400000 and ticker.funding_rate == Decimal("-0.005")
    rate = mapper.parse_funding_rate(raw, 1760325052630)
    assert (rate.rate, rate.interval_hours) == (Decimal("-0.005"), 8)
    futures = load("docs_v5/ws/public_ticker_linear.json", block=1)["data"]  # a dated future
    with pytest.raises(UnexpectedResponse, match="no funding rate"):
        mapper.parse_funding_rate(futures, 0)


def test_execution_and_settlement() -> None:
    execution = mapper.parse_execution(
        first_row(load("nautilus_fixtures/http_get_executions.json"))
    )
    assert (execution.price, execution.qty, execution.fee) == (
        Decimal("50000.00"),
        Decimal("0.100"),
        Decimal("0.0150"),
    )
    assert (
        execution.is_maker
        and execution.side is OrderSide.BUY
        and execution.time_ms == 1672282722429
    )
    settlement = mapper.parse_settlement(first_row(load("docs:transaction_log.json")))
    assert settlement.amount == Decimal("-0.003676") and settlement.rate == Decimal("0.0001")
    assert settlement.position_value == Decimal("36.7600") and settlement.time_ms == 1672128000000


def test_unknown_status_or_side_is_refused_not_guessed() -> None:
    raw = first_row(load("docs_v5/rest/order_history.json"))
    assert mapper.parse_order(raw).status is OrderStatus.CANCELLED
    assert mapper.parse_order(raw).reject_reason == "EC_PostOnlyWillTakeLiquidity"
    with pytest.raises(UnexpectedResponse, match="order status"):
        mapper.parse_order({**raw, "orderStatus": "Exploded"})
    with pytest.raises(UnexpectedResponse, match="side"):
        mapper.parse_order({**raw, "side": "Up"})


def test_symbols_are_checked_locally() -> None:
    assert mapper.check_symbol("BTCUSDT") == "BTCUSDT"
    for bad in ("btcusdt", "BTCUSD", "BTC-USDT", "", None):
        with pytest.raises(UnknownSymbol):
            mapper.check_symbol(bad)
