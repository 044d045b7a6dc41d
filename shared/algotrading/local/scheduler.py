"""The local scheduler: which jobs the EventBridge schedules would fire at each time, on a clock.

The schedules fire `candle_close` and `weekly_rebalance` every 15 minutes (the rebalance job
decides itself whether a Monday is due, and catches a missed one up), `equity_snapshot` and
`funding_poll` every 5 minutes, `market_history` every hour and `live_parity` daily at 00:30 UTC,
each with the payload `{"job", "scheduled_time"}`. This module builds the same payloads for every
due time of a span, in a fixed order at each time: the trading jobs first, then the snapshot that
sees their orders (the order `algo paper replay` evaluates and snapshots in), then the funding
poll, then the two jobs that only read what the others stored (history, parity).

The schedule itself is pure (`due_events`, `due_times`); a clock decides when a due time has come:
`WallClock` waits for a clock that runs by itself (UTC, or a running simulator's), `ReplayClock`
moves a stepped simulator to each due time, at a chosen speed or as fast as possible. Both stop
waiting as soon as the stop event is set (Ctrl-C).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

from algotrading.jobs.events import JobName, ScheduledEvent
from algotrading.jobs.grid import GRID_MS, GRID_OFFSET_MS, MINUTE_MS

TICK_MS = 5 * MINUTE_MS
"""The finest grid of any schedule: every due time is a multiple of it."""
JOB_ORDER: tuple[JobName, ...] = (
    "candle_close", "weekly_rebalance", "equity_snapshot", "funding_poll", "market_history",
    "live_parity",
)  # fmt: skip
"""The order of the jobs due at one time: trade, snapshot what was traded, funding, then the
readers: the market history and the daily parity check."""


def due_events(time_ms: int) -> list[ScheduledEvent]:
    """The payloads the schedules deliver at `time_ms`, in `JOB_ORDER` (none off the 5-min grid)."""
    moment = datetime.fromtimestamp(time_ms / 1000, tz=UTC)
    return [ScheduledEvent.at(job, moment) for job in JOB_ORDER if _on_grid(job, time_ms)]


def _on_grid(job: JobName, time_ms: int) -> bool:
    """Whether `job`'s schedule fires at `time_ms` (the parity check's grid starts at 00:30)."""
    return (time_ms - GRID_OFFSET_MS.get(job, 0)) % GRID_MS[job] == 0


def first_due(start_ms: int) -> int:
    """The first due time at or after `start_ms`."""
    return -(-start_ms // TICK_MS) * TICK_MS


def due_times(start_ms: int, until_ms: int | None) -> Iterator[int]:
    """Every due time in [start_ms, until_ms) (without end when `until_ms` is None)."""
    at = first_due(start_ms)
    while until_ms is None or at < until_ms:
        yield at
        at += TICK_MS


class Clock(Protocol):
    """When a due time has come. `wait_until` returns False when stopped before it came."""

    def wait_until(self, time_ms: int, stop: threading.Event) -> bool: ...


@dataclass
class WallClock:
    """A clock that runs by itself: UTC by default, or a running simulator's `now_ms`."""

    now_ms: Callable[[], int] = field(default=lambda: int(time.time() * 1000))
    poll_s: float = 0.5

    def wait_until(self, time_ms: int, stop: threading.Event) -> bool:
        while self.now_ms() < time_ms:
            if stop.wait(self.poll_s):
                return False
        return not stop.is_set()


@dataclass
class ReplayClock:
    """A stepped clock: `step(time_ms)` moves the market there; `speed` replayed seconds pass per
    wall second between two due times (None: as fast as possible)."""

    step: Callable[[int], None]
    speed: float | None = None
    _last_ms: int | None = None

    def wait_until(self, time_ms: int, stop: threading.Event) -> bool:
        if self.speed is not None and self._last_ms is not None:
            stop.wait(max(0.0, (time_ms - self._last_ms) / 1000 / self.speed))
        if stop.is_set():
            return False
        self.step(time_ms)
        self._last_ms = time_ms
        return True


def run_schedule(
    clock: Clock, start_ms: int, until_ms: int | None, stop: threading.Event
) -> Iterator[tuple[int, list[ScheduledEvent]]]:
    """(time, payloads) for each due time as the clock reaches it, until `until_ms` or a stop."""
    for at in due_times(start_ms, until_ms):
        if not clock.wait_until(at, stop):
            return
        yield at, due_events(at)
