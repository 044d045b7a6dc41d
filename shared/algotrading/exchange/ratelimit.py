"""Token buckets per endpoint family, shared by every call of a process.

Bybit counts per UID per endpoint family (order create 10/s, order reads 50/s, ...) and, on top,
per IP (600 per 5 s, about 120/s). A 10006 answer costs a round trip and, for an order, time the
market does not give back, so we pace ourselves below those limits instead of finding them.

Waiting is done by *reservation*: a caller takes a token even if the bucket is empty (the count
goes negative) and then sleeps until its token would have arrived, outside the lock. Callers are
served in arrival order and one family's wait never blocks another family.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Clock = Callable[[], float]
Sleep = Callable[[float], None]

OVERALL = "overall"

DEFAULT_LIMITS: dict[str, float] = {
    OVERALL: 120.0,
    "order_create": 10.0,
    "order_amend": 10.0,
    "order_cancel": 10.0,
    "order_read": 50.0,
    "position_read": 50.0,
    "position_write": 10.0,
    "account_read": 50.0,
    "transaction_log": 25.0,
    "user_read": 10.0,
    "market": 120.0,
}
"""Requests per second by family; Bybit's published defaults (see docs/exchange.md)."""


@dataclass(slots=True)
class TokenBucket:
    """`rate` tokens per second, at most `capacity` saved up (a one-second burst by default)."""

    rate: float
    capacity: float
    tokens: float
    stamp: float

    def reserve(self, now: float) -> float:
        """Take one token; return how long the caller must wait before using it."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate


class RateLimiter:
    """Paces calls per family and overall; thread-safe, clock and sleep injectable for tests."""

    def __init__(
        self,
        limits: Mapping[str, float] | None = None,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        merged = {**DEFAULT_LIMITS, **(limits or {})}
        for name, rate in merged.items():
            if rate <= 0:
                raise ValueError(f"rate limit {name} must be positive, got {rate}")
        self._clock, self._sleep = clock, sleep
        now = clock()
        self._buckets = {name: TokenBucket(r, r, r, now) for name, r in merged.items()}
        self._lock = threading.Lock()

    @property
    def limits(self) -> dict[str, float]:
        return {name: b.rate for name, b in self._buckets.items()}

    def acquire(self, family: str) -> float:
        """Wait until both the overall and the family bucket allow one call; return the wait."""
        if family not in self._buckets:
            raise KeyError(f"unknown rate-limit family {family!r}")
        with self._lock:
            now = self._clock()
            wait = self._buckets[OVERALL].reserve(now)
            if family != OVERALL:
                wait = max(wait, self._buckets[family].reserve(now))
        if wait > 0:
            self._sleep(wait)
        return wait


_shared: RateLimiter | None = None
_shared_lock = threading.Lock()


def shared_limiter() -> RateLimiter:
    """The process-wide limiter: every client of this process draws from the same buckets."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RateLimiter()
        return _shared


def configure_shared_limiter(
    limits: Mapping[str, float] | None = None,
    *,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
) -> RateLimiter:
    """Replace the process-wide limiter (other rates, e.g. an upgraded VIP tier, or a simulator)."""
    global _shared
    with _shared_lock:
        _shared = RateLimiter(limits, clock=clock, sleep=sleep)
        return _shared
