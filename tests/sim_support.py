"""Helpers for the simulator tests: a started simulator, signed raw requests, WebSocket reading,
and the data files read independently of the simulator (to hand-check its numbers).

The simulator replays the compact test set `tests/data` by default (BTCUSDT/ETHUSDT 5m..1d and
funding, 2025-09-24 .. 2025-10-31, the team folder's primary set rows verbatim), so these tests
run in a clone that has no ../shared/data.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import hmac
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import requests
import websocket
from candles import Bar, from_bars, write_funding, write_klines
from candles import funding as synthetic_funding
from pybit.unified_trading import HTTP
from team_data import BUNDLED, SHARED_DATA, TEST_DATA

from algotrading.local.bybit_sim import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    AccountConfig,
    BybitSimulator,
    MarketReplay,
    SimConfig,
    trading,
)
from algotrading.local.bybit_sim.engine import Engine
from algotrading.local.bybit_sim.params import Params
from algotrading.market.datafiles import DataSet

__all__ = ["BUNDLED", "SHARED_DATA", "TEST_DATA"]  # re-exported for the tests
KEY, SECRET = DEFAULT_API_KEY, DEFAULT_API_SECRET
OTHER_KEY, OTHER_SECRET = "SIMULATORKEY000002", "SIMULATORSECRET0000000000000000000002"
MINUTE = 60_000
HOUR = 60 * MINUTE


@lru_cache(maxsize=8)
def market(dirs: tuple[Path, ...], symbols: tuple[str, ...]) -> MarketReplay:
    """One replay per data set and process: servers only read it."""
    return MarketReplay(DataSet(list(dirs)), symbols)


@contextmanager
def running_sim(
    dirs: tuple[Path, ...] = (TEST_DATA,),
    symbols: tuple[str, ...] = ("BTCUSDT", "ETHUSDT"),
    **overrides: Any,
) -> Iterator[BybitSimulator]:
    """A started simulator on a stepped clock with two accounts; stopped afterwards."""
    settings: dict[str, Any] = {
        "data_dirs": dirs,
        "symbols": symbols,
        "stepped": True,
        "accounts": (AccountConfig(KEY, SECRET), AccountConfig(OTHER_KEY, OTHER_SECRET)),
    }
    settings.update(overrides)
    sim = BybitSimulator(SimConfig(**settings), market=market(dirs, symbols))
    sim.start()
    try:
        yield sim
    finally:
        sim.stop()


def pybit_session(sim: BybitSimulator, key: str = KEY, secret: str = SECRET, **kw: Any) -> HTTP:
    """pybit itself, unmodified, pointed at the simulator (only the endpoint differs)."""
    session = HTTP(api_key=key, api_secret=secret, **kw)
    session.endpoint = sim.rest_url
    return session


def signed(
    sim: BybitSimulator,
    method: str,
    path: str,
    params: dict[str, Any] | None = None,
    *,
    key: str = KEY,
    secret: str = SECRET,
    timestamp: int | None = None,
    recv_window: int = 5000,
    body: str | None = None,
    timeout: float = 10,
) -> requests.Response:
    """A request signed by hand as Bybit specifies (timestamp can be forced, body can be raw)."""
    ts = str(timestamp if timestamp is not None else int(time.time() * 1000))
    if method == "GET":
        payload = "&".join(f"{k}={v}" for k, v in sorted((params or {}).items()))
    else:
        payload = body if body is not None else json.dumps(params or {})
    sign = hmac.new(
        secret.encode(), f"{ts}{key}{recv_window}{payload}".encode(), hashlib.sha256
    ).hexdigest()
    headers = {
        "X-BAPI-API-KEY": key,
        "X-BAPI-TIMESTAMP": ts,
        "X-BAPI-RECV-WINDOW": str(recv_window),
        "X-BAPI-SIGN": sign,
        "Content-Type": "application/json",
    }
    url = f"{sim.rest_url}{path}"
    if method == "GET":
        return requests.get(f"{url}?{payload}", headers=headers, timeout=timeout)
    return requests.post(url, data=payload, headers=headers, timeout=timeout)


# --- WebSocket ------------------------------------------------------------------------------


def ws_open(url: str) -> websocket.WebSocket:
    return websocket.create_connection(url, timeout=5)


def ws_send(ws: websocket.WebSocket, payload: dict[str, Any]) -> None:
    ws.send(json.dumps(payload))


def ws_recv(ws: websocket.WebSocket) -> dict[str, Any]:
    return json.loads(ws.recv())


def ws_until(
    ws: websocket.WebSocket, wanted: Callable[[dict[str, Any]], bool], limit: int = 50
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The first message matching `wanted`, and every message read before it."""
    seen: list[dict[str, Any]] = []
    for _ in range(limit):
        message = ws_recv(ws)
        if wanted(message):
            return message, seen
        seen.append(message)
    raise AssertionError(f"no wanted message among {len(seen)}: {seen[-3:]}")


def ws_auth_args(key: str = KEY, secret: str = SECRET, ttl_ms: int = 10_000) -> list[Any]:
    expires = int(time.time() * 1000) + ttl_ms
    sign = hmac.new(secret.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256)
    return [key, expires, sign.hexdigest()]


# --- the data files, read without the simulator ----------------------------------------------


@lru_cache(maxsize=32)
def csv_rows(path: Path) -> dict[int, tuple[str, ...]]:
    """A gzip CSV data file as {time: the other columns as written}."""
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return {int(row[0]): tuple(row[1:]) for row in reader}


def kline(symbol: str, interval: str, start_ms: int, root: Path = TEST_DATA) -> dict[str, Decimal]:
    row = csv_rows(root / "klines" / f"{symbol}_{interval}.csv.gz")[start_ms]
    names = ("open", "high", "low", "close", "volume", "turnover")
    return {name: Decimal(value) for name, value in zip(names, row, strict=True)}


def funding_rate(symbol: str, time_ms: int, root: Path = TEST_DATA) -> Decimal:
    return Decimal(csv_rows(root / "funding" / f"{symbol}.csv.gz")[time_ms][0])


def to_tick(price: Decimal, tick: Decimal, up: bool) -> Decimal:
    rounding = ROUND_CEILING if up else ROUND_FLOOR
    return (price / tick).to_integral_value(rounding=rounding) * tick


def usdt(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.00000001"), rounding=ROUND_HALF_UP)


# --- small synthetic markets for unit tests -------------------------------------------------


def write_market(
    root: Path,
    symbol: str,
    start_ms: int,
    bars: list[Bar],
    interval: str = "5m",
    funding: list[tuple[int, float]] | None = None,
) -> Path:
    """`klines/{symbol}_{interval}.csv.gz` (volume 1 per bar) and optionally its funding file."""
    step = {"5m": 5 * MINUTE, "15m": 15 * MINUTE, "1h": HOUR}[interval]
    write_klines(root, symbol, interval, from_bars(bars, start_ms=start_ms, step=step))
    if funding is not None:
        times, rates = [t for t, _ in funding], [r for _, r in funding]
        write_funding(root, symbol, synthetic_funding(rates, times=times))
    return root


HAND_START = 1_736_121_600_000  # Monday 2025-01-06 00:00 UTC
"""Where the hand-made markets of the engine tests begin (5-minute bars near 100)."""


def engine_for(tmp_path: Path, bars: list, funding: list | None = None, **config: object) -> Engine:
    """An engine over a hand-made TESTUSDT market, started when bar 2 opens, no slippage."""
    root = write_market(tmp_path, "TESTUSDT", HAND_START, bars, funding=funding)
    market = MarketReplay(DataSet([root]))
    settings = {"data_dirs": (root,), "stepped": True, "slippage_bps": 0.0, **config}
    return Engine(market, SimConfig(**settings), HAND_START + 10 * MINUTE)  # type: ignore[arg-type]


def order(engine: Engine, **fields: object) -> dict:
    """POST /v5/order/create on TESTUSDT for the default account, straight into the engine."""
    body = {"category": "linear", "symbol": "TESTUSDT", **fields}
    return trading.create_order(engine, engine.accounts[KEY], Params(body))
