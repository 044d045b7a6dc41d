"""Token buckets and the read-retry schedule on a fake clock: no real waiting, no timing asserts."""

from __future__ import annotations

import threading

import pytest
from bybit_fixtures import FakeClock

from algotrading.exchange.errors import ExchangeUnavailable, InvalidRequest, RateLimited
from algotrading.exchange.ratelimit import (
    DEFAULT_LIMITS,
    RateLimiter,
    configure_shared_limiter,
    shared_limiter,
)
from algotrading.exchange.retry import RetryPolicy


class StillClock(FakeClock):
    """Time that does not move while sleeping: every wait is then a pure reservation."""

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))


def test_defaults_follow_bybit_published_limits() -> None:
    assert DEFAULT_LIMITS["order_create"] == 10 and DEFAULT_LIMITS["overall"] == 120
    assert DEFAULT_LIMITS["order_read"] == 50 and DEFAULT_LIMITS["transaction_log"] == 25


def test_a_burst_passes_then_calls_are_spaced_at_the_rate() -> None:
    clock = StillClock()
    limiter = RateLimiter(clock=clock.time, sleep=clock.sleep)
    waits = [limiter.acquire("order_create") for _ in range(12)]
    assert waits[:10] == [0.0] * 10
    assert waits[10:] == pytest.approx([0.1, 0.2])


def test_tokens_come_back_with_time() -> None:
    clock = FakeClock()
    limiter = RateLimiter({"order_create": 2}, clock=clock.time, sleep=clock.sleep)
    assert [limiter.acquire("order_create") for _ in range(3)] == pytest.approx([0, 0, 0.5])
    clock.now += 1.0  # a quiet second refills the bucket
    assert limiter.acquire("order_create") == 0.0


def test_families_do_not_slow_each_other_but_share_the_overall_bucket() -> None:
    clock = StillClock()
    limiter = RateLimiter({"overall": 12}, clock=clock.time, sleep=clock.sleep)
    for _ in range(10):
        limiter.acquire("order_create")
    assert limiter.acquire("order_read") == 0.0  # its own bucket is full
    assert limiter.acquire("order_read") == 0.0
    assert limiter.acquire("order_read") == pytest.approx(1 / 12)  # the overall one is not


def test_threads_draw_from_one_bucket_without_losing_a_token() -> None:
    clock = StillClock()
    limiter = RateLimiter({"order_create": 10}, clock=clock.time, sleep=clock.sleep)
    threads = [threading.Thread(target=limiter.acquire, args=("order_create",)) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(clock.sleeps) == pytest.approx([round(0.1 * i, 6) for i in range(1, 21)])


def test_limits_are_configurable_and_checked() -> None:
    limiter = RateLimiter({"order_create": 5})
    assert limiter.limits["order_create"] == 5 and limiter.limits["order_read"] == 50
    with pytest.raises(ValueError, match="positive"):
        RateLimiter({"order_create": 0})
    with pytest.raises(KeyError):
        limiter.acquire("no_such_family")


def test_one_limiter_per_process_unless_reconfigured() -> None:
    assert shared_limiter() is shared_limiter()
    before = shared_limiter()
    try:
        replaced = configure_shared_limiter({"order_create": 20})
        assert shared_limiter() is replaced and replaced.limits["order_create"] == 20
    finally:
        configure_shared_limiter(before.limits)


def test_backoff_schedule_and_its_limits() -> None:
    policy = RetryPolicy(attempts=4, base_s=0.5, factor=2, max_delay_s=8)
    error = ExchangeUnavailable("5004")
    assert [policy.delay(a, error) for a in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, None]
    assert policy.delay(1, InvalidRequest("bad")) is None  # never retried
    assert policy.delay(1, RateLimited("10006", retry_after_s=1.25)) == 1.25
    assert policy.delay(1, RateLimited("403", retry_after_s=600)) is None  # too long: give up
    assert policy.delay(1, RateLimited("10006")) == 0.5
