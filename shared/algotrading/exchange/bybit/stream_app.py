"""Running the market stream as a service: configuration from settings and accounts, and the
SIGTERM sequence. The Fargate entry point and `algo stream run` both call `serve`; reading the
accounts from the database is `algotrading.jobs.market_stream` (an adapter never imports another).
"""

from __future__ import annotations

import signal
import threading
import time
from types import FrameType

from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.intervals import Interval
from algotrading.exchange.bybit.stream import MarketStream, StreamConfig
from algotrading.exchange.bybit.ws_socket import ws_urls
from algotrading.logs import get_logger
from algotrading.settings import Settings

log = get_logger(__name__)
SHUTDOWN_BUDGET_S = 8.0
"""ECS waits 30 s after SIGTERM by default; we promise 10 and keep 2 in hand."""


def stream_config(settings: Settings, accounts: dict[str, ApiCredentials]) -> StreamConfig:
    public, private = ws_urls(settings.bybit_base_url)
    symbols = settings.stream_symbols.split(",")
    return StreamConfig(
        public_url=public,
        private_url=private,
        kline_symbols=symbols,
        intervals=[Interval.parse(i) for i in settings.stream_intervals.split(",")],
        ticker_symbols=symbols,
        accounts=accounts,
    )


def serve(stream: MarketStream, stop: threading.Event | None = None) -> int:
    """Run until SIGTERM/SIGINT (or `stop` is set), then shut down in order; returns 0."""
    stop = stop or threading.Event()

    def on_signal(signum: int, _: FrameType | None) -> None:
        log.info("received %s: shutting down", signal.Signals(signum).name)
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
    stream.start()
    log.info("stream running")
    stop.wait()
    began = time.monotonic()
    stream.stop(timeout_s=SHUTDOWN_BUDGET_S)
    log.info("shutdown complete in %.1fs", time.monotonic() - began)
    return 0
