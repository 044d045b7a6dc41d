"""Which strategies run at a candle close.

Every evaluation happens at a 15-minute close (the finest entry timeframe). A strategy runs when
its entry timeframe closes then: scalper at every 15m close, carry at every 1h close, trend at
every 4h close, all on the UTC grid. A strategy whose profile's cadence is weekly (momentum)
rebalances weekly: it runs only at the daily close of Monday 00:00 UTC (its frame only has
entries and exits on those rows anyway, and between rebalances its positions are protected by
their exchange-side stops). A strategy that runs also
steps its open positions through every entry bar closed since their last step, so a missed
evaluation is caught up at the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from algotrading.domain.intervals import Interval
from algotrading.errors import AppError
from algotrading.strategies.profile import Cadence
from algotrading.strategies.registry import profile_of

EVALUATION_INTERVAL = Interval.M15


class BadCloseTime(AppError, ValueError):
    """A time that is not a 15-minute candle close."""


def check_close(close_ms: int) -> int:
    if isinstance(close_ms, bool) or not isinstance(close_ms, int) or close_ms <= 0:
        raise BadCloseTime(f"close time must be positive UTC milliseconds, got {close_ms!r}")
    if close_ms % EVALUATION_INTERVAL.ms:
        raise BadCloseTime(
            f"{close_ms} is not a {EVALUATION_INTERVAL} candle close (a multiple of 15 minutes)"
        )
    return close_ms


def is_monday_midnight(close_ms: int) -> bool:
    moment = datetime.fromtimestamp(close_ms / 1000, tz=UTC)
    return moment.weekday() == 0 and close_ms % Interval.D1.ms == 0


def is_due(strategy: str, entry_interval: Interval, close_ms: int) -> bool:
    """Whether `strategy` (entry timeframe `entry_interval`) runs at `close_ms`."""
    if close_ms % entry_interval.ms:
        return False
    if profile_of(strategy).cadence is Cadence.WEEKLY:
        return is_monday_midnight(close_ms)
    return True


def due(strategies: Iterable[tuple[str, Interval]], close_ms: int) -> list[str]:
    """The ids among (id, entry interval) pairs that run at `close_ms`, in the given order."""
    check_close(close_ms)
    return [s for s, interval in strategies if is_due(s, interval, close_ms)]


def closes_between(start_ms: int, end_ms: int) -> Iterator[int]:
    """Every 15-minute close in [start_ms, end_ms]: the times a scheduler calls evaluate."""
    step = EVALUATION_INTERVAL.ms
    first = -(-start_ms // step) * step
    yield from range(first, end_ms + 1, step)
