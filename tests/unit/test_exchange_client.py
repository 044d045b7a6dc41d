"""BybitClient over pybit: base URLs, signing with the exchange clock, one send per write,
backoff for reads only, and keys that never leave in the clear."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
import requests
from bybit_fixtures import (
    API_KEY,
    API_SECRET,
    BASE,
    SERVER_TIME_S,
    FakeBybit,
    FakeClock,
    fake_bybit,
    load,
    make_exchange,
)

from algotrading.errors import ConfigError
from algotrading.exchange.bybit.client import BASE_URLS, BybitClient, resolve_base_url
from algotrading.exchange.errors import (
    AuthenticationError,
    ExchangeTimeout,
    ExchangeUnavailable,
    RateLimited,
)
from algotrading.exchange.factory import credentials_from_settings
from algotrading.exchange.ratelimit import RateLimiter
from algotrading.settings import load_settings

WALLET = "/v5/account/wallet-balance"


@pytest.fixture
def bybit() -> Iterator[FakeBybit]:
    with fake_bybit() as fake:
        yield fake


def _error(code: int) -> dict:
    body = load("errors/error_5004_server_timeout.json")  # adapted below where code != 5004
    body["retCode"] = code
    return body


def test_base_url_names_and_any_url() -> None:
    assert resolve_base_url(None) == BASE_URLS["mainnet"] == "https://api.bybit.com"
    assert resolve_base_url("Testnet") == "https://api-testnet.bybit.com"
    assert resolve_base_url("demo") == "https://api-demo.bybit.com"
    assert resolve_base_url("http://127.0.0.1:8765/") == "http://127.0.0.1:8765"
    for bad in ("ftp://x", "bybit.com", "http://"):
        with pytest.raises(ValueError, match="base URL"):
            resolve_base_url(bad)


def test_requests_go_to_the_configured_url_with_pybit_retries_off(bybit: FakeBybit) -> None:
    client = make_exchange(FakeClock()).client
    assert client.base_url == BASE and client._session.endpoint == BASE
    assert client._session.retry_codes == set() and client._session.max_retries == 1
    assert client._session.force_retry is False


def test_signed_with_the_exchange_clock_and_a_10s_window(bybit: FakeBybit) -> None:
    """Quirk 14: a host clock 5 s behind still signs with the exchange's time."""
    bybit.serve_recorded(WALLET, "docs_v5/rest/account_wallet_balance.json")
    clock = FakeClock(SERVER_TIME_S - 5.0)
    client = make_exchange(clock).client
    client.read("account_read", "get_wallet_balance", signed=True, accountType="UNIFIED")
    assert client.offset_ms == 5000
    sent = bybit.calls(WALLET)[0]
    assert sent.headers["X-BAPI-TIMESTAMP"] == "1688639403423"
    assert sent.headers["X-BAPI-RECV-WINDOW"] == "10000"
    payload = "1688639403423" + API_KEY + "10000" + "accountType=UNIFIED"
    expected = hmac.new(API_SECRET.encode(), payload.encode(), hashlib.sha256).hexdigest()
    assert sent.headers["X-BAPI-SIGN"] == expected
    assert API_SECRET not in str(sent.headers) + str(sent.url) + str(sent.body)


def test_clock_skew_resyncs_and_retries_a_read(bybit: FakeBybit) -> None:
    bybit.serve(WALLET, _error(10002))
    bybit.serve_recorded(WALLET, "docs_v5/rest/account_wallet_balance.json")
    client = make_exchange(FakeClock()).client
    client.read("account_read", "get_wallet_balance", signed=True, accountType="UNIFIED")
    assert len(bybit.calls("/v5/market/time")) == 2 and len(bybit.calls(WALLET)) == 2


def test_reads_back_off_on_rate_limits_timeouts_and_server_errors(bybit: FakeBybit) -> None:
    bybit.serve("/v5/market/tickers", load("errors/error_10006_rate_limit_docs_fragment.json"))
    bybit.serve("/v5/market/tickers", requests.exceptions.ReadTimeout("slow"))
    bybit.serve("/v5/market/tickers", "<html>bad gateway</html>", status=502)
    bybit.serve_recorded("/v5/market/tickers", "docs_v5/rest/market_tickers_inverse.json")
    clock = FakeClock()
    reply = make_exchange(clock).client.read("market", "get_tickers", category="linear")
    assert reply.result["list"][0]["symbol"] == "BTCUSD"
    assert clock.sleeps == [0.5, 1.0, 2.0] and len(bybit.calls("/v5/market/tickers")) == 4


def test_reads_give_up_after_the_last_attempt(bybit: FakeBybit) -> None:
    bybit.serve("/v5/market/tickers", load("errors/error_5004_server_timeout.json"))
    clock = FakeClock()
    with pytest.raises(ExchangeUnavailable):
        make_exchange(clock).client.read("market", "get_tickers", category="linear")
    assert clock.sleeps == [0.5, 1.0, 2.0] and len(bybit.calls("/v5/market/tickers")) == 4


def test_writes_are_sent_exactly_once(bybit: FakeBybit) -> None:
    bybit.serve("/v5/order/cancel", requests.exceptions.ReadTimeout("slow"), method="POST")
    bybit.serve("/v5/position/set-leverage", _error(10006), method="POST")
    clock = FakeClock()
    client = make_exchange(clock).client
    with pytest.raises(ExchangeTimeout):
        client.write(
            "order_cancel", "cancel_order", category="linear", symbol="BTCUSDT", orderId="x"
        )
    with pytest.raises(RateLimited):
        client.write("position_write", "set_leverage", category="linear", symbol="BTCUSDT")
    assert (
        len(bybit.calls("/v5/order/cancel")) == 1
        and len(bybit.calls("/v5/position/set-leverage")) == 1
    )
    assert clock.sleeps == []


def test_a_signed_call_without_keys_sends_nothing(bybit: FakeBybit) -> None:
    client = make_exchange(FakeClock(), keys=False).client
    with pytest.raises(AuthenticationError, match="no API key"):
        client.read("account_read", "get_wallet_balance", signed=True, accountType="UNIFIED")
    assert len(bybit.mock.calls) == 0


def test_pages_follow_the_cursor(bybit: FakeBybit) -> None:
    first = load("docs_v5/rest/order_realtime.json")  # its nextPageCursor is set
    last = load("docs_v5/rest/order_realtime.json")
    last["result"]["nextPageCursor"] = ""  # adapted: the last page
    bybit.serve("/v5/order/realtime", first)
    bybit.serve("/v5/order/realtime", last)
    client = make_exchange(FakeClock()).client
    pages = list(client.pages("order_read", "get_open_orders", signed=True, category="linear"))
    assert len(pages) == 2
    assert bybit.query("/v5/order/realtime")["cursor"] == unquote(first["result"]["nextPageCursor"])


def test_every_call_is_paced_by_the_limiter(bybit: FakeBybit) -> None:
    bybit.serve_recorded("/v5/market/tickers", "docs_v5/rest/market_tickers_inverse.json")
    clock = FakeClock()
    limiter = RateLimiter({"market": 2}, clock=clock.time, sleep=clock.sleep)
    client = BybitClient(BASE, limiter=limiter, clock=clock.time, sleep=clock.sleep)
    for _ in range(3):
        client.read("market", "get_tickers", category="linear")
    assert clock.sleeps == [0.5]


def test_exchange_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BYBIT_API_KEY", "")
    monkeypatch.setenv("BYBIT_API_SECRET", API_SECRET)
    monkeypatch.setenv("BYBIT_BASE_URL", "testnet")
    settings = load_settings()
    assert settings.bybit_api_key is None and settings.bybit_base_url == "testnet"
    assert API_SECRET not in repr(settings)
    with pytest.raises(ConfigError, match="BYBIT_API_KEY is not set"):
        credentials_from_settings(settings)
    monkeypatch.setenv("BYBIT_BASE_URL", "bybit.com")
    with pytest.raises(ConfigError, match=r"^invalid BYBIT_BASE_URL"):
        load_settings()


def test_a_pybit_that_signs_inline_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    """Our clock correction overrides pybit's `_prepare_headers`; without it, refuse to start."""
    from pybit._http_manager import _V5HTTPManager

    monkeypatch.delattr(_V5HTTPManager, "_prepare_headers")
    with pytest.raises(RuntimeError, match=r"pybit>=5\.17"):
        BybitClient(BASE)
