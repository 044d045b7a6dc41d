"""Each job's grid: the scheduled times it accepts, and the weekly rebalance's catch-up window.

A time off the grid is refused before anything is written (`BadScheduledTime`): a candle
close every 15 minutes (one schedule whose run evaluates every timeframe closing then), the
equity snapshot and the funding poll every 5 minutes, the market history every hour (on the
hour), the weekly rebalance at any 15-minute close, which rebalances the week of the last
Monday 00:00 UTC if that Monday is less than the catch-up window (default 24 h) ago: the Monday
schedule runs it, a later delivery within the window catches a missed Monday up, once.
`live_parity` runs daily at 00:30 UTC: half an hour after the day's last close, so the 00:00
close and its snapshot have run and the day's trades are all stored.
"""

from __future__ import annotations

from algotrading.domain.timefmt import ms_to_iso
from algotrading.jobs.events import JobName, RefusedJob

MINUTE_MS = 60_000
DAY_MS = 24 * 60 * MINUTE_MS
WEEK_MS = 7 * DAY_MS
MONDAY_OFFSET_MS = 4 * DAY_MS
"""The Unix epoch was a Thursday: Mondays 00:00 UTC are 4 days past a multiple of a week."""
DEFAULT_CATCH_UP_MS = DAY_MS

GRID_MS: dict[JobName, int] = {
    "candle_close": 15 * MINUTE_MS,
    "equity_snapshot": 5 * MINUTE_MS,
    "funding_poll": 5 * MINUTE_MS,
    "weekly_rebalance": 15 * MINUTE_MS,
    "live_parity": DAY_MS,
    "market_history": 60 * MINUTE_MS,
}
GRID_OFFSET_MS: dict[JobName, int] = {"live_parity": 30 * MINUTE_MS}
"""A grid that does not start at 00:00 UTC: the daily parity check runs at 00:30."""


class BadScheduledTime(RefusedJob):
    """The scheduled time is not on the job's grid."""


def check_time(job: JobName, time_ms: int) -> int:
    """`time_ms` when it is on `job`'s grid; `BadScheduledTime` otherwise."""
    if isinstance(time_ms, bool) or not isinstance(time_ms, int) or time_ms <= 0:
        raise BadScheduledTime(f"{job}: scheduled time must be positive UTC ms, got {time_ms!r}")
    step, offset = GRID_MS[job], GRID_OFFSET_MS.get(job, 0)
    if (time_ms - offset) % step:
        start = f" from {ms_to_iso(offset)[11:16]} UTC" if offset else ""
        raise BadScheduledTime(
            f"{job}: {ms_to_iso(time_ms)} is not on its grid"
            f" (every {step // MINUTE_MS} minutes{start})"
        )
    return time_ms


def last_monday(time_ms: int) -> int:
    """The latest Monday 00:00 UTC at or before `time_ms`."""
    return (time_ms - MONDAY_OFFSET_MS) // WEEK_MS * WEEK_MS + MONDAY_OFFSET_MS


def rebalance_due(time_ms: int, window_ms: int = DEFAULT_CATCH_UP_MS) -> int | None:
    """The Monday whose rebalance a delivery at `time_ms` owns, or None when outside the window."""
    monday = last_monday(time_ms)
    return monday if time_ms - monday < window_ms else None
