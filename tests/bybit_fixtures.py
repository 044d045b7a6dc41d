"""Recorded Bybit V5 answers served through a fake HTTP transport (`responses`), for exchange tests.

The answers are the team's recorded set (`../shared/data/bybit_api`, see its PROVENANCE.md) plus
four documentation examples kept in `tests/bybit_docs/`. The Bybit documentation examples and the
ccxt (MIT) error bodies the tests use are copied verbatim into `tests/bybit_api/` (its
PROVENANCE.md), so they need nothing beside the repository; the nautilus_trader fixtures
(LGPL-3.0) and the error body taken from them are read from the team folder only, and the tests
that use them are skipped without it (tests/team_data.py). Some documentation examples are not
strict JSON (a stray first line such as `LinearPerpetual` or a `// comment`, or two blocks in one
file): `load` skips anything before each JSON object and can pick the n-th block.

Nothing here reaches a network: `responses` replaces the transport under `requests`, which is the
one pybit uses, so the adapter, client and pybit all run for real down to the socket.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import responses
from team_data import SHARED_DATA, shared_data

from algotrading.exchange.bybit.adapter import BybitExchange
from algotrading.exchange.bybit.client import BybitClient
from algotrading.exchange.ratelimit import RateLimiter
from algotrading.exchange.retry import RetryPolicy

TESTS = Path(__file__).resolve().parent
RECORDED = TESTS / "bybit_api"
"""The recorded answers shipped with the tests (a verbatim subset of the team folder's set)."""
TEAM_RECORDED = SHARED_DATA / "bybit_api"
DOCS = TESTS / "bybit_docs"
BASE = "http://bybit.test"
API_KEY = "test-api-key-0001"
API_SECRET = "test-api-secret-never-shown"
SERVER_TIME_S = 1688639403.423
"""The server time of the recorded /v5/market/time answer; the fake clock starts there."""

_cache: dict[str, list[dict[str, Any]]] = {}


def _blocks(text: str) -> list[dict[str, Any]]:
    decoder, found, at = json.JSONDecoder(), [], 0
    while (start := text.find("{", at)) >= 0:
        value, at = decoder.raw_decode(text, start)
        found.append(value)
    return found


def load(name: str, block: int = 0) -> dict[str, Any]:
    """A recorded answer by path below bybit_api/ (or `docs:<file>` for tests/bybit_docs)."""
    if name not in _cache:
        if name.startswith("docs:"):
            path = DOCS / name[5:]
        elif (RECORDED / name).is_file():
            path = RECORDED / name
        else:
            path = shared_data() / "bybit_api" / name
        _cache[name] = _blocks(path.read_text(encoding="utf-8"))
    return copy.deepcopy(_cache[name][block])


def first_row(payload: dict[str, Any]) -> dict[str, Any]:
    return payload["result"]["list"][0]


class FakeClock:
    """Wall clock and sleep in one: sleeping advances time, and every sleep is recorded."""

    def __init__(self, start_s: float = SERVER_TIME_S) -> None:
        self.now = start_s
        self.sleeps: list[float] = []

    def time(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class FakeBybit:
    """Registers answers per path on `BASE` and shows what the adapter sent."""

    def __init__(self, mock: responses.RequestsMock) -> None:
        self.mock = mock

    def serve(
        self,
        path: str,
        payload: dict[str, Any] | BaseException | str,
        *,
        method: str = "GET",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer `path` with `payload` (JSON), raise it (an exception) or send it raw (str)."""
        if isinstance(payload, BaseException):
            self.mock.add(method, BASE + path, body=payload)
        elif isinstance(payload, str):
            self.mock.add(method, BASE + path, body=payload, status=status, headers=headers)
        else:
            self.mock.add(method, BASE + path, json=payload, status=status, headers=headers)

    def replace(self, path: str, payload: dict[str, Any], *, method: str = "GET") -> None:
        """Answer `path` with `payload` from now on, instead of what was registered before."""
        self.mock.upsert(method, BASE + path, json=payload)

    def serve_recorded(self, path: str, name: str, *, method: str = "GET", block: int = 0) -> None:
        self.serve(path, load(name, block), method=method)

    def calls(self, path: str) -> list[Any]:
        return [c.request for c in self.mock.calls if urlsplit(c.request.url).path == path]

    def query(self, path: str, index: int = -1) -> dict[str, str]:
        return dict(parse_qsl(urlsplit(self.calls(path)[index].url).query))

    def body(self, path: str, index: int = -1) -> dict[str, Any]:
        return json.loads(self.calls(path)[index].body)


@contextmanager
def fake_bybit() -> Iterator[FakeBybit]:
    """A fake Bybit on BASE that also answers /v5/market/time (used to sync the clock)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        fake = FakeBybit(mock)
        fake.serve_recorded("/v5/market/time", "docs_v5/rest/market_time.json")
        yield fake


def make_exchange(
    clock: FakeClock,
    *,
    keys: bool = True,
    retry: RetryPolicy | None = None,
    limiter: RateLimiter | None = None,
) -> BybitExchange:
    """The real adapter and client, on BASE, with a fake clock and generous rate limits."""
    client = BybitClient(
        BASE,
        API_KEY if keys else None,
        API_SECRET if keys else None,
        limiter=limiter or RateLimiter({"overall": 10_000}, clock=clock.time, sleep=clock.sleep),
        retry=retry,
        clock=clock.time,
        sleep=clock.sleep,
    )
    return BybitExchange(client)


def instrument(symbol: str = "BTCUSDT") -> dict[str, Any]:
    """The recorded linear instrument (BTCUSDT: tick 0.10, step 0.001, min 0.001, notional 5)."""
    payload = load("docs_v5/rest/market_instruments_info_linear.json")
    first_row(payload)["symbol"] = symbol
    return payload
