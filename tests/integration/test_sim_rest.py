"""The simulator's REST surface: Bybit's auth refusals, bad input, and the market endpoints.

Bad requests must get Bybit's error envelope (never a trace) and leave the server serving.
"""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests
from pybit.exceptions import InvalidRequestError
from sim_support import (
    BUNDLED,
    HOUR,
    KEY,
    MINUTE,
    csv_rows,
    funding_rate,
    kline,
    pybit_session,
    running_sim,
    signed,
)

T0 = 1_761_264_000_000


def test_auth_refusals_use_bybits_codes_and_the_server_keeps_serving() -> None:
    with running_sim() as sim:
        wrong_secret = pybit_session(sim, KEY, "not-the-secret")
        with pytest.raises(InvalidRequestError) as err:
            wrong_secret.get_wallet_balance(accountType="UNIFIED")
        assert err.value.status_code == 10004
        unknown_key = pybit_session(sim, "NOSUCHKEY000000000", "whatever")
        with pytest.raises(InvalidRequestError) as err:
            unknown_key.get_wallet_balance(accountType="UNIFIED")
        assert err.value.status_code == 10003

        path, params = "/v5/account/wallet-balance", {"accountType": "UNIFIED"}
        stale = signed(sim, "GET", path, params, timestamp=int(time.time() * 1000) - 20_000)
        assert stale.status_code == 200 and stale.json()["retCode"] == 10002
        assert "recv_window" in stale.json()["retMsg"]
        future = signed(sim, "GET", path, params, timestamp=int(time.time() * 1000) + 5_000)
        assert future.json()["retCode"] == 10002
        wide = signed(sim, "GET", path, params, timestamp=int(time.time() * 1000) - 20_000,
                      recv_window=60_000)  # fmt: skip
        assert wide.json()["retCode"] == 0, "a wider recv_window accepts the same timestamp"

        unsigned = requests.get(f"{sim.rest_url}{path}?accountType=UNIFIED", timeout=5)
        assert unsigned.status_code == 200 and unsigned.json()["retCode"] == 10003
        tampered = signed(sim, "POST", "/v5/order/cancel", body='{"category":"linear"}')
        assert tampered.json()["retCode"] == 10001  # signed, but orderId/symbol are missing
        garbage = signed(sim, "POST", "/v5/order/create", body="{not json")
        assert garbage.json()["retCode"] == 10001 and garbage.json()["result"] == {}
        listish = signed(sim, "POST", "/v5/order/create", body="[1, 2]")
        assert listish.json()["retCode"] == 10001
        nowhere = requests.get(f"{sim.rest_url}/v5/no/such/path", timeout=5)
        assert nowhere.status_code == 404 and nowhere.json()["retCode"] == 10017
        for answer in (stale, unsigned, garbage, nowhere):
            assert "Traceback" not in answer.text

        ok = pybit_session(sim).get_wallet_balance(accountType="UNIFIED")
        assert ok["retCode"] == 0


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
          "qty": "0.00001"}, 10001),  # below the minimum quantity
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
          "qty": "0.01234567"}, 10001),  # not on the quantity step
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
          "qty": "0.01", "price": "90000.05"}, 10001),  # not on the tick
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
          "qty": "50"}, 110007),  # 5.5 M USDT on 100 k at 10x
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Limit",
          "qty": "0.0001", "price": "40000"}, 110094),  # 4 USDT, below the 5 USDT minimum
        ({"category": "linear", "symbol": "NOPEUSDT", "side": "Buy", "orderType": "Market",
          "qty": "1"}, 10001),
        ({"category": "spot", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
          "qty": "1"}, 10001),
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Up", "orderType": "Market",
          "qty": "1"}, 10001),
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
          "qty": "-1"}, 10001),
        ({"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market",
          "qty": "0.01", "positionIdx": 1}, 10001),  # hedge mode is not simulated
    ],
)  # fmt: skip
def test_bad_orders_are_refused_with_bybits_codes(body: dict, code: int) -> None:
    with running_sim() as sim:
        answer = signed(sim, "POST", "/v5/order/create", body)
        assert answer.json()["retCode"] == code, answer.json()
        assert (
            pybit_session(sim).get_open_orders(category="linear", symbol="BTCUSDT")["result"][
                "list"
            ]
            == []
        )


def test_kline_shows_the_open_candle_built_from_finer_data_and_nothing_later() -> None:
    with running_sim() as sim:
        sim.step_to(T0 + 25 * MINUTE + 30_000)  # 00:25:30: five 5m bars have closed this hour
        session = pybit_session(sim)
        rows = session.get_kline(category="linear", symbol="BTCUSDT", interval="60")["result"]
        assert len(rows["list"]) == 200, "Bybit's default limit"
        current, previous = rows["list"][0], rows["list"][1]
        bars = [kline("BTCUSDT", "5m", T0 + i * 5 * MINUTE) for i in range(5)]
        assert int(current[0]) == T0
        assert Decimal(current[1]) == bars[0]["open"]
        assert Decimal(current[2]) == max(b["high"] for b in bars)
        assert Decimal(current[3]) == min(b["low"] for b in bars)
        assert Decimal(current[4]) == bars[-1]["close"]
        assert Decimal(current[5]) == sum(b["volume"] for b in bars)
        hour = kline("BTCUSDT", "1h", T0 - HOUR)
        assert int(previous[0]) == T0 - HOUR
        assert [Decimal(x) for x in previous[1:]] == [hour[k] for k in hour], "the 1h file row"

        five = session.get_kline(category="linear", symbol="BTCUSDT", interval="5", limit=2)
        newest = five["result"]["list"][0]
        assert int(newest[0]) == T0 + 25 * MINUTE, "the open 5m candle"
        assert newest[1] == newest[2] == newest[3] == newest[4], "flat at the last close"
        assert Decimal(newest[4]) == bars[-1]["close"] and Decimal(newest[5]) == 0

        window = session.get_kline(
            category="linear", symbol="BTCUSDT", interval="D", start=T0 - 3 * 24 * HOUR,
            end=T0 + 10 * 24 * HOUR,
        )["result"]["list"]  # fmt: skip
        assert [int(r[0]) for r in window] == [T0 - d * 24 * HOUR for d in range(4)]
        forward = session.get_kline(
            category="linear", symbol="BTCUSDT", interval="15", start=T0 - 24 * HOUR, limit=3
        )["result"]["list"]
        assert [int(r[0]) for r in forward] == [T0 - 24 * HOUR + i * 15 * MINUTE for i in (2, 1, 0)]
        with pytest.raises(InvalidRequestError) as err:
            session.get_kline(category="linear", symbol="BTCUSDT", interval="60", limit=1001)
        assert err.value.status_code == 10001
        with pytest.raises(InvalidRequestError):
            session.get_kline(category="linear", symbol="BTCUSDT", interval="1")  # finer than 5m


def test_market_endpoints_answer_at_sim_time() -> None:
    with running_sim() as sim:
        sim.step_to(T0 + 8 * HOUR + 7 * MINUTE)
        session = pybit_session(sim)
        server = session.get_server_time()["result"]
        assert abs(int(server["timeNano"]) // 1_000_000 - time.time() * 1000) < 5_000

        [btc] = session.get_instruments_info(category="linear", symbol="BTCUSDT")["result"]["list"]
        assert btc["fundingInterval"] == 480 and btc["priceFilter"]["tickSize"] == "0.1"
        assert btc["lotSizeFilter"]["qtyStep"] == "0.0001"
        assert btc["leverageFilter"]["maxLeverage"] == "100.00"
        assert btc["contractType"] == "LinearPerpetual" and btc["settleCoin"] == "USDT"

        [ticker] = session.get_tickers(category="linear", symbol="ETHUSDT")["result"]["list"]
        last_bar = kline("ETHUSDT", "5m", T0 + 8 * HOUR)  # closed at 08:05, the last by 08:07
        assert Decimal(ticker["lastPrice"]) == last_bar["close"]
        assert ticker["nextFundingTime"] == str(T0 + 16 * HOUR)
        assert Decimal(ticker["fundingRate"]) == funding_rate("ETHUSDT", T0 + 16 * HOUR)
        assert (
            Decimal(ticker["bid1Price"])
            < Decimal(ticker["lastPrice"])
            < Decimal(ticker["ask1Price"])
        )

        history = session.get_funding_rate_history(category="linear", symbol="ETHUSDT", limit=3)
        times = [int(r["fundingRateTimestamp"]) for r in history["result"]["list"]]
        assert times == [T0 + 8 * HOUR, T0, T0 - 8 * HOUR], "settled ones only, newest first"
        rates = [Decimal(r["fundingRate"]) for r in history["result"]["list"]]
        assert rates == [funding_rate("ETHUSDT", t) for t in times]


def test_open_interest_comes_from_the_data_set_that_has_it() -> None:
    root = BUNDLED  # open interest 2025-01-01 .. 2025-11-04 (bybit_derivs_2021_2025's rows)
    with running_sim(dirs=(root,), symbols=("BTCUSDT",)) as sim:
        session = pybit_session(sim)
        answer = session.get_open_interest(
            category="linear", symbol="BTCUSDT", intervalTime="4h", limit=3
        )["result"]
        recorded = csv_rows(root / "open_interest" / "BTCUSDT_4h.csv.gz")
        newest = sim.now_ms - sim.now_ms % (4 * HOUR)
        expected = [newest - i * 4 * HOUR for i in range(3)]
        assert [int(r["timestamp"]) for r in answer["list"]] == expected
        assert [Decimal(r["openInterest"]) for r in answer["list"]] == [
            Decimal(recorded[t][0]) for t in expected
        ]
        assert answer["nextPageCursor"] == "3"
