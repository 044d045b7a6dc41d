"""pybit's WebSocket on any URL, with the liveness facts the stream's watchdog needs.

pybit builds its URL from Bybit's host names; only the base URL may differ between Bybit and the
loopback simulator, so `_connect` is pointed at ours. pybit reconnects by itself only after some
errors and not after a clean close, and its socket thread can end silently; we therefore turn its
own restart off and let the stream's watchdog decide, from `alive()` and `last_message_age_s()`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pybit.unified_trading import WebSocket

from algotrading.exchange.bybit.client import resolve_base_url

_STREAM_HOSTS = {
    "api.bybit.com": ("stream.bybit.com", "stream.bybit.com"),
    "api-testnet.bybit.com": ("stream-testnet.bybit.com", "stream-testnet.bybit.com"),
    "api-demo.bybit.com": ("stream.bybit.com", "stream-demo.bybit.com"),
}


def ws_urls(base_url: str | None) -> tuple[str, str]:
    """(public linear, private) WebSocket URLs for a REST base URL.

    Bybit's hosts map to their stream hosts (demo trading has no public stream of its own: it uses
    mainnet's); any other URL (the simulator) serves both paths on the same host and port.
    """
    rest = urlsplit(resolve_base_url(base_url))
    if rest.hostname in _STREAM_HOSTS:
        public_host, private_host = _STREAM_HOSTS[rest.hostname]
        return f"wss://{public_host}/v5/public/linear", f"wss://{private_host}/v5/private"
    scheme = "wss" if rest.scheme == "https" else "ws"
    public = urlunsplit((scheme, rest.netloc, "/v5/public/linear", "", ""))
    private = urlunsplit((scheme, rest.netloc, "/v5/private", "", ""))
    return public, private


class StreamSocket(WebSocket):  # type: ignore[misc]  # pybit ships no types: WebSocket is Any
    """One pybit WebSocket connection to `url`; every message goes to `on_message`."""

    def __init__(
        self,
        url: str,
        on_message: Callable[[dict[str, Any]], None],
        *,
        private: bool = False,
        api_key: str | None = None,
        api_secret: str | None = None,
        ping_interval_s: int = 20,
        connect_attempts: int = 2,
    ) -> None:
        self._url = url
        self._last_message = time.monotonic()
        self._sink = on_message
        self.connected_event = threading.Event()
        super().__init__(
            channel_type="private" if private else "linear",
            testnet=False,
            api_key=api_key,
            api_secret=api_secret,
            ping_interval=ping_interval_s,
            ping_timeout=max(1, ping_interval_s // 2),
            # pybit raises after its last attempt even when that attempt connected, so it must be
            # given at least two; our watchdog does the real retrying with backoff.
            retries=max(2, connect_attempts),
            restart_on_error=False,
            callback_function=self._receive,
        )

    def _connect(self, url: str) -> None:  # pybit passes its own host template; we use ours
        super()._connect(self._url)

    def _on_message(self, message: Any) -> None:
        self._last_message = time.monotonic()  # pongs count as life, too
        super()._on_message(message)

    def _receive(self, message: dict[str, Any]) -> None:
        self._sink(message)

    def alive(self) -> bool:
        """The socket thread runs and the connection is open."""
        thread = getattr(self, "wst", None)
        return bool(thread and thread.is_alive() and self.is_connected() and not self.exited)

    def last_message_age_s(self) -> float:
        return time.monotonic() - self._last_message

    def topics(self) -> list[str]:
        return list(self.callback_directory)

    def close(self, timeout_s: float = 2.0) -> None:
        """Unsubscribe and close, never blocking longer than `timeout_s` (pybit's exit can spin)."""
        closer = threading.Thread(target=self._close_now, daemon=True)
        closer.start()
        closer.join(timeout_s)

    def _close_now(self) -> None:
        try:
            for topic in self.topics():
                if self.alive():
                    self.unsubscribe(topic)
        except Exception:  # the socket may already be gone; closing must still happen
            pass
        self.exit()
