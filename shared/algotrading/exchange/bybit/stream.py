"""The market stream: Bybit's WebSocket turned into standardized events, with no candle lost.

One dispatcher thread does all the work in order: it takes messages the socket threads queue,
turns them into events, and between messages runs the watchdog. Because one thread owns the
candle bookkeeping, a confirmed candle is emitted exactly once, whether it arrives live, through
a gap fill, or through the REST backfill after a reconnect.

Why a watchdog of our own: pybit reconnects after some errors only, not after a clean close,
and its socket thread can end silently. The watchdog sees a dead thread, a closed socket, or
silence longer than `stale_after_s`, closes what is left, reconnects with exponential backoff,
resubscribes, and backfills the confirmed candles it missed through REST.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.exchange.bybit.candle_tracker import CandleTracker
from algotrading.exchange.bybit.ws_messages import (
    TickerBook,
    kline_topic,
    parse_klines,
    parse_private,
    ticker_topic,
)
from algotrading.exchange.bybit.ws_socket import StreamSocket
from algotrading.exchange.events import EventSink
from algotrading.exchange.port import ExchangeService, without_open_candle
from algotrading.logs import get_logger, register_secret

log = get_logger(__name__)
PRIVATE_TOPICS = ("order", "position", "execution", "wallet")
BACKFILL_LIMIT = 100_000
"""More than any outage: the adapter pages back only as far as the range holds candles."""


@dataclass(frozen=True, slots=True)
class StreamConfig:
    """What to subscribe to, and how patient to be."""

    public_url: str
    private_url: str
    kline_symbols: Sequence[str]
    intervals: Sequence[Interval]
    ticker_symbols: Sequence[str] = ()
    accounts: dict[str, ApiCredentials] = field(default_factory=dict)
    ping_interval_s: int = 20
    stale_after_s: float = 60.0
    watchdog_every_s: float = 0.5
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0


@dataclass
class _Link:
    """One connection the stream keeps up: its socket (None while down) and its backoff."""

    name: str
    opener: Callable[[], StreamSocket]
    socket: StreamSocket | None = None
    failures: int = 0
    retry_at: float = 0.0
    connects: int = 0


class MarketStream:
    """Subscribes, watches, reconnects, backfills, and emits events to a sink."""

    def __init__(self, config: StreamConfig, rest: ExchangeService, sink: EventSink) -> None:
        self.config = config
        self._rest = rest
        self._sink = sink
        self._inbox: queue.Queue[tuple[str, dict[str, Any]]] = queue.Queue()
        self._tickers = TickerBook()
        self._tracker = CandleTracker(sink.emit, self._fetch_closed)
        self._stopping = threading.Event()
        self._dispatcher: threading.Thread | None = None
        self._links = [self._public_link()] + [
            self._private_link(account, creds) for account, creds in config.accounts.items()
        ]

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> None:
        """Seed candle positions from REST, connect everything, start dispatching."""
        for symbol in self.config.kline_symbols:
            for interval in self.config.intervals:
                self._tracker.seed(symbol, interval, self._fetch_closed(symbol, interval, None))
        for link in self._links:
            self._connect(link, backfill=False)
        self._dispatcher = threading.Thread(target=self._run, name="market-stream", daemon=True)
        self._dispatcher.start()

    def stop(self, timeout_s: float = 8.0) -> None:
        """Unsubscribe, close sockets, drain what was received, flush the sink (SIGTERM path)."""
        deadline = time.monotonic() + timeout_s
        log.info("stream stopping: unsubscribing and closing %d socket(s)", len(self._links))
        self._stopping.set()
        for link in self._links:
            if link.socket is not None:
                link.socket.close(timeout_s=max(0.1, min(2.0, deadline - time.monotonic())))
                link.socket = None
        if self._dispatcher is not None:
            self._dispatcher.join(max(0.1, deadline - time.monotonic()))
        self._drain()
        log.info("stream stopping: flushing the sink")
        self._sink.flush()
        log.info("stream stopped")

    def reconnects(self) -> int:
        """Connections made after the first one, over all links."""
        return sum(max(0, link.connects - 1) for link in self._links)

    # --- links -----------------------------------------------------------------------------------

    def _public_link(self) -> _Link:
        def open_public() -> StreamSocket:
            sock = StreamSocket(
                self.config.public_url,
                lambda m: self._inbox.put(("public", m)),
                ping_interval_s=self.config.ping_interval_s,
            )
            templates = [kline_topic(i, "{symbol}") for i in self.config.intervals]
            subscriptions = [(t, list(self.config.kline_symbols)) for t in templates]
            if self.config.ticker_symbols:
                subscriptions.append((ticker_topic("{symbol}"), list(self.config.ticker_symbols)))
            return _subscribed(sock, subscriptions)

        return _Link("public", open_public)

    def _private_link(self, account: str, creds: ApiCredentials) -> _Link:
        register_secret(creds.api_secret)

        def open_private() -> StreamSocket:
            sock = StreamSocket(
                self.config.private_url,
                lambda m: self._inbox.put((account, m)),
                private=True,
                api_key=creds.api_key,
                api_secret=creds.api_secret,
                ping_interval_s=self.config.ping_interval_s,
            )
            return _subscribed(sock, [(topic, None) for topic in PRIVATE_TOPICS])

        return _Link(f"private:{account}", open_private)

    def _connect(self, link: _Link, backfill: bool) -> None:
        try:
            link.socket = link.opener()
        except Exception as exc:  # pybit raises its own and websocket-client's errors
            link.failures += 1
            delay = min(
                self.config.backoff_max_s, self.config.backoff_initial_s * 2 ** (link.failures - 1)
            )
            link.retry_at = time.monotonic() + delay
            log.warning("%s: connect failed (%s); retrying in %.1fs", link.name, exc, delay)
            return
        link.failures, link.connects = 0, link.connects + 1
        log.info("%s: connected (connection %d)", link.name, link.connects)
        if backfill and link.name == "public":
            self._tracker.backfill_all()

    # --- dispatching -----------------------------------------------------------------------------

    def _run(self) -> None:
        next_check = 0.0
        while not self._stopping.is_set():
            try:
                source, message = self._inbox.get(timeout=self.config.watchdog_every_s)
                self._handle(source, message)
            except queue.Empty:
                pass
            if time.monotonic() >= next_check:
                self._watchdog()
                next_check = time.monotonic() + self.config.watchdog_every_s

    def _drain(self) -> None:
        while True:
            try:
                source, message = self._inbox.get_nowait()
            except queue.Empty:
                return
            self._handle(source, message)

    def _handle(self, source: str, message: dict[str, Any]) -> None:
        try:
            if source != "public":
                for event in parse_private(source, message):
                    self._sink.emit(event)
                return
            for row in parse_klines(message):
                if row.confirmed:
                    self._tracker.confirmed(row.candle)
            ticker = self._tickers.apply(message)
            if ticker is not None:
                self._sink.emit(ticker)
        except Exception:  # one bad message must not stop the stream
            log.exception("could not handle a %s message: %.300s", source, message)

    def _watchdog(self) -> None:
        for link in self._links:
            sock = link.socket
            if sock is not None and sock.alive():
                if sock.last_message_age_s() <= self.config.stale_after_s:
                    continue
                log.warning(
                    "%s: silent for %.0fs; reconnecting", link.name, sock.last_message_age_s()
                )
            elif sock is not None:
                log.warning("%s: socket is down; reconnecting", link.name)
            if sock is not None:
                sock.close(timeout_s=1.0)
                link.socket = None
            if time.monotonic() >= link.retry_at and not self._stopping.is_set():
                self._connect(link, backfill=True)

    def _fetch_closed(self, symbol: str, interval: Interval, after_ms: int | None) -> Candles:
        """Closed candles of `symbol` opening after `after_ms` (only the newest one when None)."""
        if after_ms is None:
            candles = self._rest.get_candles(symbol, interval, limit=2)
            return without_open_candle(candles).slice(-1)
        start = after_ms + interval.ms
        candles = self._rest.get_candles(symbol, interval, start_ms=start, limit=BACKFILL_LIMIT)
        return without_open_candle(candles)


def _subscribed(
    sock: StreamSocket, subscriptions: Sequence[tuple[str, list[str] | None]]
) -> StreamSocket:
    """Subscribe every (topic template, symbols) pair; close the socket if any of it fails."""
    try:
        for template, symbols in subscriptions:
            if symbols is None:
                sock.subscribe(template, _ignore)
            else:
                sock.subscribe(template, _ignore, symbol=symbols)
    except Exception:
        sock.close(timeout_s=1.0)
        raise
    return sock


def _ignore(_: dict[str, Any]) -> None:
    """pybit wants a callback per topic; ours receives every message already."""
