"""A thin client over pybit's HTTP session: our base URL, our clock, our limits, our errors.

What we take from pybit: request building and HMAC signing. What we take away from it:

* its base-URL logic (mainnet/testnet/demo flags): any URL works, e.g. a loopback simulator;
* its retries: pybit resends on 10002/10006 (and, with `force_retry`, on timeouts) by itself,
  which for `/v5/order/create` could place a second order. Here pybit sends each request exactly
  once; reads are retried by `BybitClient.read` under `RetryPolicy`, writes never;
* its clock: requests are signed with the exchange's time (local clock + measured offset) and a
  10 s receive window, so a drifting host clock does not get requests refused (quirk 14).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pybit.unified_trading import HTTP

from algotrading.exchange.bybit.errors import translate
from algotrading.exchange.bybit.types import Raw
from algotrading.exchange.errors import (
    AuthenticationError,
    ClockSkew,
    ExchangeUnavailable,
    RateLimited,
    UnexpectedResponse,
)
from algotrading.exchange.ratelimit import RateLimiter, shared_limiter
from algotrading.exchange.retry import RetryPolicy
from algotrading.logs import RedactingFilter, get_logger, redact, register_secret

BASE_URLS = {
    "mainnet": "https://api.bybit.com",
    "testnet": "https://api-testnet.bybit.com",
    "demo": "https://api-demo.bybit.com",
}
RECV_WINDOW_MS = 10_000
MAX_PAGES = 200

log = get_logger(__name__)
logging.getLogger("pybit._http_manager").addFilter(RedactingFilter())  # belt and braces


def resolve_base_url(value: str | None) -> str:
    """`mainnet` (the default), `testnet`, `demo`, or any http(s) URL without a trailing slash."""
    text = (value or "mainnet").strip()
    if text.lower() in BASE_URLS:
        return BASE_URLS[text.lower()]
    scheme, sep, rest = text.partition("://")
    if scheme not in ("http", "https") or not sep or not rest.strip("/"):
        names = ", ".join(BASE_URLS)
        raise ValueError(f"base URL must be {names} or an http(s):// URL, got {text!r}")
    return text.rstrip("/")


@dataclass(frozen=True, slots=True)
class Reply:
    """The `result` of a successful answer and the server time it carries."""

    result: Raw
    time_ms: int | None


class _Session(HTTP):  # type: ignore[misc]  # pybit ships no types: HTTP is Any
    """pybit's session, signing with the exchange's clock instead of the host's (quirk 14)."""

    def __init__(self, *, now_ms: Callable[[], int], **kwargs: Any) -> None:
        if not callable(getattr(HTTP, "_prepare_headers", None)):  # pybit < 5.17 signs inline
            raise RuntimeError("this pybit signs requests inline; install pybit>=5.17,<6")
        super().__init__(**kwargs)
        self._now_ms = now_ms

    def _prepare_headers(
        self, payload: Any, recv_window: int, content_type: str = "application/json"
    ) -> dict[str, str]:
        timestamp = self._now_ms()
        signature = self._auth(payload=payload, recv_window=recv_window, timestamp=timestamp)
        return {
            "Content-Type": content_type,
            "X-BAPI-API-KEY": self.api_key,
            "X-BAPI-SIGN": signature,
            "X-BAPI-SIGN-TYPE": "2",
            "X-BAPI-TIMESTAMP": str(timestamp),
            "X-BAPI-RECV-WINDOW": str(recv_window),
        }


class BybitClient:
    """One account's connection to one Bybit V5 base URL."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        *,
        timeout_s: float = 10.0,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        time_sync: bool = True,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        market_clock: Callable[[], int] | None = None,
    ) -> None:
        register_secret(api_key)
        register_secret(api_secret)
        self.base_url = resolve_base_url(base_url)
        self.offset_ms = 0
        self._synced = not time_sync
        self.clock, self.sleep = clock, sleep
        self._market_clock = market_clock
        self._limiter = limiter or shared_limiter()
        self._retry = retry or RetryPolicy()
        self._has_keys = bool(api_key and api_secret)
        self._session = _Session(
            now_ms=self.now_ms,
            api_key=api_key,
            api_secret=api_secret,
            timeout=timeout_s,
            recv_window=RECV_WINDOW_MS,
            max_retries=1,
            force_retry=False,
            logging_level=logging.WARNING,
        )
        self._session.endpoint = self.base_url
        self._session.retry_codes = set()  # pybit swaps an empty set given at init for its own

    @property
    def has_keys(self) -> bool:
        return self._has_keys

    def local_ms(self) -> int:
        return int(self.clock() * 1000)

    def now_ms(self) -> int:
        """The exchange's time as best we know it (host clock + measured offset)."""
        return self.local_ms() + self.offset_ms

    def market_now_ms(self) -> int:
        """The market's time, which bounds time-window queries (executions, the transaction
        log). On Bybit it is the exchange's clock. A replay's simulator keeps its transport clock
        (signatures, server time) on the wall while its market runs years earlier (docs/
        simulator.md, "Clocks"): its caller passes `market_clock`, or every window would end at
        today and a fill of 2024 would be refused as older than Bybit's two years of history."""
        if self._market_clock is not None:
            return self._market_clock()
        return self.now_ms()

    def sync_clock(self) -> int:
        """Measure the offset to the exchange's clock (ms, positive = exchange ahead); keep it."""
        before = self.local_ms()
        reply = self.read("market", "get_server_time")
        after = self.local_ms()
        server = server_ms(reply)
        self.offset_ms = server - (before + after) // 2
        self._synced = True
        log.debug("exchange clock offset %d ms", self.offset_ms)
        return self.offset_ms

    def ensure_synced(self) -> None:
        """Measure the clock offset once, before the first signed call or time-window query."""
        if not self._synced:
            self.sync_clock()

    def read(self, family: str, method: str, *, signed: bool = False, **params: Any) -> Reply:
        """A read: retried with backoff on rate limits, timeouts and server errors."""
        attempt = 1
        while True:
            try:
                return self._send(family, method, params, signed)
            except (ClockSkew, RateLimited, ExchangeUnavailable) as err:
                if isinstance(err, ClockSkew) and signed:
                    self._synced = False
                delay = self._retry.delay(attempt, err)
                if delay is None:
                    raise
                log.info("%s failed (%s); retry %d in %.2fs", method, err, attempt, delay)
                self.sleep(delay)
                attempt += 1

    def write(self, family: str, method: str, **params: Any) -> Reply:
        """A write: sent exactly once. A timeout surfaces as `ExchangeTimeout` (outcome unknown)."""
        try:
            return self._send(family, method, params, signed=True)
        except ClockSkew:
            self._synced = False  # the next call resynchronises; this one was refused, not done
            raise

    def pages(
        self, family: str, method: str, *, signed: bool = False, **params: Any
    ) -> Iterator[Raw]:
        """Each page's `result`, following `nextPageCursor` until it is empty."""
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            result = self.read(family, method, signed=signed, **params).result
            yield result
            cursor = result.get("nextPageCursor") or ""
            if not cursor or cursor in seen:
                return
            seen.add(cursor)
            params = {**params, "cursor": cursor}
        raise UnexpectedResponse(f"{method}: more than {MAX_PAGES} pages; narrow the query")

    def _send(self, family: str, method: str, params: dict[str, Any], signed: bool) -> Reply:
        if signed:
            if not self._has_keys:
                raise AuthenticationError("no API key: this request needs an API key and secret")
            self.ensure_synced()
        self._limiter.acquire(family)
        call = getattr(self._session, method)
        try:
            answer = call(**params)
        except Exception as exc:  # pybit and requests errors, translated; bugs re-raised
            raise translate(exc, self.now_ms(), redact(self.base_url)) from exc
        if not isinstance(answer, dict):
            raise UnexpectedResponse(f"{method}: answer is not a JSON object")
        result = answer.get("result")
        stamp = answer.get("time")
        return Reply(result if isinstance(result, dict) else {}, int(stamp) if stamp else None)


def server_ms(reply: Reply) -> int:
    """The /v5/market/time answer in ms: `timeNano` is the precise one, then the envelope's
    `time`, then `timeSecond`."""
    nano, second = reply.result.get("timeNano"), reply.result.get("timeSecond")
    if nano:
        return int(nano) // 1_000_000
    if reply.time_ms:
        return reply.time_ms
    if second:
        return int(second) * 1000
    raise UnexpectedResponse("server time answer holds no time")
