"""The market stream against the loopback simulator: no candle lost or doubled across dropped
connections, private events after a real order, and the SIGTERM sequence of the Fargate task."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal

import pytest

from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import parse_time
from algotrading.exchange.bybit.stream import MarketStream, StreamConfig
from algotrading.exchange.events import (
    CandleClosed,
    ExecutionEvent,
    ListSink,
    OrderUpdate,
    PositionUpdate,
    TickerUpdate,
    WalletUpdate,
)
from algotrading.exchange.factory import open_bybit
from algotrading.exchange.types import OrderRequest, OrderSide
from algotrading.local.bybit_sim.config import DEFAULT_API_KEY, DEFAULT_API_SECRET, SimConfig
from algotrading.local.bybit_sim.faults import parse_faults
from algotrading.local.bybit_sim.server import BybitSimulator
from tests.conftest import REPO_ROOT

START = parse_time("2025-11-03T00:00:00Z")
SYMBOLS = ("BTCUSDT", "ETHUSDT")
INTERVALS = (Interval.M15, Interval.H1)
STEPS = 12  # three hours of 15-minute bars
CREDS = ApiCredentials(DEFAULT_API_KEY, DEFAULT_API_SECRET)


@contextmanager
def simulator(faults: str | None = None) -> Iterator[BybitSimulator]:
    config = SimConfig(stepped=True, symbols=SYMBOLS, start_ms=START, faults=parse_faults(faults))
    sim = BybitSimulator(config).start()
    try:
        yield sim
    finally:
        sim.stop()


@contextmanager
def stream_on(sim: BybitSimulator, sink: ListSink) -> Iterator[MarketStream]:
    config = StreamConfig(
        public_url=sim.ws_public_url,
        private_url=sim.ws_private_url,
        kline_symbols=SYMBOLS,
        intervals=INTERVALS,
        ticker_symbols=SYMBOLS[:1],
        accounts={"1": CREDS},
        watchdog_every_s=0.1,
        backoff_initial_s=0.1,
    )
    stream = MarketStream(config, open_bybit(sim.rest_url, None), sink)
    stream.start()
    try:
        yield stream
    finally:
        stream.stop()


def wait_for(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        assert time.monotonic() < deadline, "the stream did not catch up within 5 s"
        time.sleep(0.02)


def replay(faults: str | None) -> tuple[dict[tuple[str, Interval], list[int]], int]:
    """Step the clock bar by bar; after each step the stream must have every closed candle."""
    sink = ListSink()
    with simulator(faults) as sim, stream_on(sim, sink) as stream:
        for step in range(1, STEPS + 1):
            sim.advance(Interval.M15.ms)
            expected = {
                (s, i): _closed(step, i)
                for s in SYMBOLS
                for i in INTERVALS
                if _closed(step, i) >= START
            }
            wait_for(lambda e=expected: _last_starts(sink) == e)
        reconnects = stream.reconnects()
    return _series(sink), reconnects


def _closed(step: int, interval: Interval) -> int:
    now = START + step * Interval.M15.ms
    return now - now % interval.ms - interval.ms


def _series(sink: ListSink) -> dict[tuple[str, Interval], list[int]]:
    series: dict[tuple[str, Interval], list[int]] = {}
    for event in sink.of_type(CandleClosed):
        series.setdefault((event.symbol, event.interval), []).append(event.start_ms)
    return series


def _last_starts(sink: ListSink) -> dict[tuple[str, Interval], int]:
    return {key: starts[-1] for key, starts in _series(sink).items()}


def test_dropped_connections_lose_and_double_no_candle() -> None:
    clean, clean_reconnects = replay(None)
    faulty, faulty_reconnects = replay("ws_drop_every=1800s")
    assert clean_reconnects == 0
    assert faulty_reconnects >= 5  # a drop every 30 minutes of market time over 3 hours
    assert faulty == clean
    m15 = [START + k * Interval.M15.ms for k in range(STEPS)]
    assert clean[("BTCUSDT", Interval.M15)] == m15  # every bar once, in order
    assert clean[("ETHUSDT", Interval.H1)] == [START + k * Interval.H1.ms for k in range(3)]


def test_private_events_follow_an_order() -> None:
    sink = ListSink()
    with simulator() as sim, stream_on(sim, sink):
        exchange = open_bybit(sim.rest_url, CREDS)
        request = OrderRequest(
            "BTCUSDT", OrderSide.BUY, Decimal("0.01"), order_link_id="stream-t-1"
        )
        order = exchange.place_order(request)
        wait_for(lambda: sink.of_type(ExecutionEvent) and sink.of_type(WalletUpdate))
        sim.advance(Interval.M15.ms)
        wait_for(lambda: sink.of_type(TickerUpdate))
    updates = [e for e in sink.of_type(OrderUpdate) if e.order.order_link_id == "stream-t-1"]
    assert updates and updates[-1].order.order_id == order.order_id
    (fill,) = sink.of_type(ExecutionEvent)
    assert fill.account_id == "1" and fill.execution.qty == Decimal("0.01")
    assert fill.execution.fee == (fill.execution.value * Decimal("0.00055")).quantize(
        fill.execution.fee
    )
    position = sink.of_type(PositionUpdate)[-1]
    assert position.position is not None and position.position.size == Decimal("0.01")


@pytest.mark.slow
def test_sigterm_unsubscribes_flushes_and_exits_zero(worker_db_url: str) -> None:
    with simulator() as sim:
        env = {**os.environ, "DATABASE_URL": worker_db_url, "BYBIT_BASE_URL": sim.rest_url,
               "ALGO_STREAM_SYMBOLS": "BTCUSDT", "ALGO_STREAM_INTERVALS": "15m,1h",
               "ALGO_LOG_LEVEL": "INFO"}  # fmt: skip
        main = REPO_ROOT / "functions" / "market_stream" / "main.py"
        proc = subprocess.Popen(
            [sys.executable, str(main)], env=env, stderr=subprocess.PIPE, text=True
        )
        try:
            lines: list[str] = []
            while not any("stream running" in line for line in lines):
                line = proc.stderr.readline()
                assert line, f"the stream ended early: {''.join(lines)}"
                lines.append(line)
            began = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, rest = proc.communicate(timeout=10)
        finally:
            proc.kill()
    assert proc.returncode == 0
    assert time.monotonic() - began < 10
    for step in (
        "received SIGTERM",
        "unsubscribing and closing",
        "flushing the sink",
        "shutdown complete",
    ):
        assert step in rest, rest
