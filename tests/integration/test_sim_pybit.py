"""pybit itself, unmodified and pointed at the simulator, trades on replayed Bybit data.

Every price, fee and funding amount below is computed here from the team's data files (read with
the standard library, not through the simulator) and compared with what the simulator answers.
The clock is stepped: T0 is the default start, 2025-10-24 00:00 UTC (30 days into the data).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pybit.exceptions import InvalidRequestError
from sim_support import (
    HOUR,
    MINUTE,
    OTHER_KEY,
    OTHER_SECRET,
    TEST_DATA,
    csv_rows,
    funding_rate,
    kline,
    pybit_session,
    running_sim,
    to_tick,
    usdt,
)

T0 = 1_761_264_000_000
BTC_TICK = Decimal("0.1")
TAKER, MAKER = Decimal("0.00055"), Decimal("0.0002")
START_BALANCE = Decimal(100_000)


def _wallet(session) -> Decimal:  # type: ignore[no-untyped-def]
    answer = session.get_wallet_balance(accountType="UNIFIED")
    return Decimal(answer["result"]["list"][0]["coin"][0]["walletBalance"])


def _position(session, symbol: str = "BTCUSDT") -> dict:  # type: ignore[no-untyped-def]
    return session.get_positions(category="linear", symbol=symbol)["result"]["list"][0]


def _executions(session, **kw: str) -> list[dict]:  # type: ignore[no-untyped-def]
    return session.get_executions(category="linear", **kw)["result"]["list"]


def _bars_from(start_ms: int, symbol: str = "BTCUSDT") -> Iterator[tuple[int, dict[str, Decimal]]]:
    """The 5m bars from `start_ms` on, read lazily from the data file."""
    rows = csv_rows(TEST_DATA / "klines" / f"{symbol}_5m.csv.gz")
    t = start_ms
    while t in rows:
        yield t, kline(symbol, "5m", t)
        t += 5 * MINUTE


def test_market_order_fills_at_last_close_plus_slippage_with_taker_fee() -> None:
    with running_sim(slippage_bps=2.0) as sim:
        assert sim.now_ms == T0
        session = pybit_session(sim)
        answer = session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.01",
            orderLinkId="mkt-1",
        )  # fmt: skip
        assert answer["retCode"] == 0 and answer["result"]["orderLinkId"] == "mkt-1"

        close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]  # the bar that closed at T0
        price = to_tick(close * Decimal("1.0002"), BTC_TICK, up=True)
        fee = usdt(Decimal("0.01") * price * TAKER)
        [execution] = _executions(session, orderLinkId="mkt-1")
        assert Decimal(execution["execPrice"]) == price
        assert Decimal(execution["execFee"]) == fee
        assert execution["feeRate"] == "0.00055" and execution["isMaker"] is False
        assert execution["execType"] == "Trade" and execution["execTime"] == str(T0)
        assert _wallet(session) == START_BALANCE - fee
        position = _position(session)
        assert position["side"] == "Buy" and Decimal(position["size"]) == Decimal("0.01")
        assert Decimal(position["avgPrice"]) == price
        assert Decimal(position["positionIM"]) == usdt(price * Decimal("0.01") / 10)
        [order] = session.get_order_history(category="linear", orderLinkId="mkt-1")["result"][
            "list"
        ]
        assert order["orderStatus"] == "Filled" and Decimal(order["cumExecFee"]) == fee
        other = pybit_session(sim, OTHER_KEY, OTHER_SECRET)
        assert _wallet(other) == START_BALANCE, "accounts are separate"


def test_limit_order_rests_and_is_cancelled() -> None:
    with running_sim() as sim:
        session = pybit_session(sim)
        close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
        low = to_tick(close * Decimal("0.8"), BTC_TICK, up=False)
        placed = session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Limit", qty="0.01",
            price=str(low), orderLinkId="rest-1",
        )["result"]  # fmt: skip
        [open_order] = session.get_open_orders(category="linear", symbol="BTCUSDT")["result"][
            "list"
        ]
        assert open_order["orderStatus"] == "New" and open_order["orderId"] == placed["orderId"]
        wallet = session.get_wallet_balance(accountType="UNIFIED")["result"]["list"][0]
        held = Decimal(wallet["coin"][0]["totalOrderIM"])
        assert held == usdt(low * Decimal("0.01") / 10)

        session.cancel_order(category="linear", symbol="BTCUSDT", orderLinkId="rest-1")
        assert session.get_open_orders(category="linear", symbol="BTCUSDT")["result"]["list"] == []
        [closed] = session.get_order_history(category="linear", orderId=placed["orderId"])[
            "result"
        ]["list"]
        assert closed["orderStatus"] == "Cancelled" and closed["cancelType"] == "CancelByUser"
        with pytest.raises(InvalidRequestError) as err:
            session.cancel_order(category="linear", symbol="BTCUSDT", orderLinkId="rest-1")
        assert err.value.status_code == 110001


def test_limit_order_fills_as_maker_at_its_price_when_a_later_bar_touches_it() -> None:
    close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
    bars = list(itertools.islice(_bars_from(T0), 24))
    price = to_tick(min(b["low"] for _, b in bars), BTC_TICK, up=True)  # reached within 2 h
    assert price < close, "must rest, not cross"
    touch_start = next(t for t, b in bars if b["low"] <= price)
    with running_sim() as sim:
        session = pybit_session(sim)
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Limit", qty="0.01",
            price=str(price), orderLinkId="maker-1",
        )  # fmt: skip
        sim.step_to(touch_start + 5 * MINUTE - 1)  # the touching bar has not closed yet
        assert _executions(session, orderLinkId="maker-1") == []
        sim.step_to(touch_start + 5 * MINUTE)
        [execution] = _executions(session, orderLinkId="maker-1")
        fee = usdt(Decimal("0.01") * price * MAKER)
        assert execution["isMaker"] is True and execution["feeRate"] == "0.0002"
        assert Decimal(execution["execPrice"]) == price and Decimal(execution["execFee"]) == fee
        assert execution["execTime"] == str(touch_start + 5 * MINUTE)
        assert _wallet(session) == START_BALANCE - fee


def test_reduce_only_only_reduces() -> None:
    with running_sim() as sim:
        session = pybit_session(sim)
        with pytest.raises(InvalidRequestError) as err:
            session.place_order(
                category="linear", symbol="BTCUSDT", side="Sell", orderType="Market",
                qty="0.01", reduceOnly=True,
            )  # fmt: skip
        assert err.value.status_code == 110017
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.01"
        )
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Sell", orderType="Market", qty="0.05",
            reduceOnly=True, orderLinkId="ro-1",
        )  # fmt: skip
        [execution] = _executions(session, orderLinkId="ro-1")
        assert Decimal(execution["execQty"]) == Decimal("0.01"), "truncated to the position"
        assert Decimal(execution["closedSize"]) == Decimal("0.01")
        position = _position(session)
        assert position["side"] == "" and Decimal(position["size"]) == 0


def test_trading_stop_loss_triggers_intrabar_at_its_level() -> None:
    close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
    stop = to_tick(close * Decimal("0.998"), BTC_TICK, up=False)
    hit_start, hit = next((t, b) for t, b in _bars_from(T0) if b["low"] <= stop)
    expected = hit["open"] if hit["open"] <= stop else stop  # a gap fills at the open
    with running_sim() as sim:
        session = pybit_session(sim)
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Market", qty="0.01"
        )
        session.set_trading_stop(
            category="linear", symbol="BTCUSDT", stopLoss=str(stop), tpslMode="Full",
            positionIdx=0,
        )  # fmt: skip
        assert Decimal(_position(session)["stopLoss"]) == stop
        sim.step_to(hit_start + 5 * MINUTE)
        assert Decimal(_position(session)["size"]) == 0
        [exit_fill] = [e for e in _executions(session) if e["stopOrderType"] == "StopLoss"]
        assert Decimal(exit_fill["execPrice"]) == expected
        assert exit_fill["createType"] == "CreateByStopLoss" and exit_fill["isMaker"] is False
        assert exit_fill["execTime"] == str(hit_start + 5 * MINUTE)


def test_isolated_short_at_100x_is_liquidated_and_loses_its_margin() -> None:
    close = kline("BTCUSDT", "5m", T0 - 5 * MINUTE)["close"]
    entry = to_tick(close * Decimal("0.9998"), BTC_TICK, up=False)
    liq = to_tick(entry * Decimal("1.005"), BTC_TICK, up=False)  # 1 + 1/100 - 0.5 %
    bust = to_tick(entry * Decimal("1.01"), BTC_TICK, up=False)
    margin = usdt(entry * Decimal("0.01") / 100)
    hit_start = next(t for t, b in _bars_from(T0) if b["high"] >= liq)
    assert hit_start < T0 + 8 * HOUR, "no funding settlement in between"
    with running_sim() as sim:
        session = pybit_session(sim)
        session.set_leverage(
            category="linear", symbol="BTCUSDT", buyLeverage="100", sellLeverage="100"
        )
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Sell", orderType="Market", qty="0.01"
        )
        position = _position(session)
        assert Decimal(position["liqPrice"]) == liq and Decimal(position["bustPrice"]) == bust
        assert Decimal(position["positionIM"]) == margin
        after_open = _wallet(session)
        sim.step_to(hit_start + 5 * MINUTE)
        assert Decimal(_position(session)["size"]) == 0
        assert _wallet(session) == after_open - margin, "isolated: exactly the margin is lost"
        [bust_fill] = _executions(session, execType="BustTrade")
        assert Decimal(bust_fill["execPrice"]) == bust and Decimal(bust_fill["execFee"]) == 0
        assert bust_fill["createType"] == "CreateByLiquidate"
        log = session.get_transaction_log(accountType="UNIFIED", type="LIQUIDATION")["result"]
        assert Decimal(log["list"][0]["cashFlow"]) == -margin


def test_funding_is_settled_at_the_data_settlement_time_into_wallet_and_log() -> None:
    settlement = T0 + 8 * HOUR
    rate = funding_rate("ETHUSDT", settlement)
    mark = kline("ETHUSDT", "5m", settlement - 5 * MINUTE)["close"]
    with running_sim() as sim:
        session = pybit_session(sim)
        session.place_order(
            category="linear", symbol="ETHUSDT", side="Sell", orderType="Market", qty="0.5"
        )
        sim.step_to(settlement - 1)
        before = _wallet(session)
        sim.step_to(settlement)
        received = usdt(Decimal("0.5") * mark * rate)  # a short receives a positive rate
        assert rate > 0 and _wallet(session) == before + received
        answer = session.get_transaction_log(accountType="UNIFIED", type="SETTLEMENT")
        [row] = answer["result"]["list"]
        assert row["symbol"] == "ETHUSDT" and row["transactionTime"] == str(settlement)
        assert Decimal(row["funding"]) == received and Decimal(row["change"]) == received
        assert Decimal(row["cashBalance"]) == before + received
        assert Decimal(row["tradePrice"]) == mark and Decimal(row["feeRate"]) == rate
        [funding] = _executions(session, execType="Funding")
        assert Decimal(funding["execFee"]) == -received


def test_order_link_id_is_unique_per_account() -> None:
    with running_sim() as sim:
        session = pybit_session(sim)
        order = {"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit"}
        session.place_order(**order, qty="0.01", price="90000", orderLinkId="dup-1")
        with pytest.raises(InvalidRequestError) as err:
            session.place_order(**order, qty="0.01", price="90000", orderLinkId="dup-1")
        assert err.value.status_code == 110072
        session.cancel_order(category="linear", symbol="BTCUSDT", orderLinkId="dup-1")
        with pytest.raises(InvalidRequestError):
            session.place_order(**order, qty="0.01", price="90000", orderLinkId="dup-1")
        other = pybit_session(sim, OTHER_KEY, OTHER_SECRET)
        other.place_order(**order, qty="0.01", price="90000", orderLinkId="dup-1")
        assert (
            len(session.get_open_orders(category="linear", symbol="BTCUSDT")["result"]["list"]) == 0
        )


def test_amend_moves_a_resting_order() -> None:
    with running_sim() as sim:
        session = pybit_session(sim)
        session.place_order(
            category="linear", symbol="BTCUSDT", side="Buy", orderType="Limit", qty="0.01",
            price="90000", orderLinkId="amend-1",
        )  # fmt: skip
        session.amend_order(
            category="linear", symbol="BTCUSDT", orderLinkId="amend-1", price="90000.5", qty="0.02"
        )
        [order] = session.get_open_orders(category="linear", orderLinkId="amend-1")["result"][
            "list"
        ]
        assert order["price"] == "90000.5" and Decimal(order["qty"]) == Decimal("0.02")
