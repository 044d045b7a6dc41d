"""When and how long to wait before repeating a *read*.

Only reads come through here. Writes are sent once: repeating a write whose first attempt may have
reached the exchange is how accounts end up with two orders (see docs/exchange.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from algotrading.exchange.errors import ExchangeError, RateLimited


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff: `base_s`, `base_s * factor`, ... capped at `max_delay_s`.

    No jitter: our own token buckets already spread the calls of a process, and a deterministic
    schedule keeps tests exact. A rate-limit answer that names its reset time is honoured instead,
    unless that is further away than `max_delay_s` (then we give up rather than stall a Lambda).
    """

    attempts: int = 4
    base_s: float = 0.5
    factor: float = 2.0
    max_delay_s: float = 8.0

    def delay(self, attempt: int, error: ExchangeError) -> float | None:
        """Seconds to wait before attempt `attempt + 1`, or None to stop and raise `error`."""
        if not error.retryable or attempt >= self.attempts:
            return None
        if isinstance(error, RateLimited) and error.retry_after_s is not None:
            if error.retry_after_s > self.max_delay_s:
                return None
            return max(error.retry_after_s, 0.0)
        return min(self.base_s * self.factor ** (attempt - 1), self.max_delay_s)


NO_RETRY = RetryPolicy(attempts=1)
