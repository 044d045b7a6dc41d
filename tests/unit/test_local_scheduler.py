"""The local scheduler fires the jobs the EventBridge schedules would, at the same times and
with the same payloads (issue 16, item 5). Expected sequences are written out by hand."""

from __future__ import annotations

import threading

from algotrading.domain.timefmt import parse_time
from algotrading.local.scheduler import ReplayClock, due_times, run_schedule

CC, WR, ES, FP = "candle_close", "weekly_rebalance", "equity_snapshot", "funding_poll"
MH, LP = "market_history", "live_parity"
QUARTER = [CC, WR, ES, FP]
HOUR = [*QUARTER, MH]
FIVE = [ES, FP]


def sequence(start: str, until: str) -> list[tuple[str, str, str]]:
    """(due time, job, payload time) for every payload fired in [start, until) on a max-speed
    replay clock."""
    stepped: list[int] = []
    clock = ReplayClock(step=stepped.append)
    fired = [
        (at, event.payload())
        for at, events in run_schedule(
            clock, parse_time(start), parse_time(until), threading.Event()
        )
        for event in events
    ]
    assert stepped == sorted({at for at, _ in fired})  # the market moved to each due time once
    return [(p["scheduled_time"], p["job"], str(at)) for at, p in fired]


def expected(rows: list[tuple[str, list[str]]]) -> list[tuple[str, str, str]]:
    return [(t, job, str(parse_time(t))) for t, jobs in rows for job in jobs]


def test_one_hour_fires_four_closes_and_twelve_snapshots() -> None:
    got = sequence("2025-10-01T10:00:00Z", "2025-10-01T11:00:00Z")
    assert got == expected(
        [
            ("2025-10-01T10:00:00Z", HOUR),
            ("2025-10-01T10:05:00Z", FIVE),
            ("2025-10-01T10:10:00Z", FIVE),
            ("2025-10-01T10:15:00Z", QUARTER),
            ("2025-10-01T10:20:00Z", FIVE),
            ("2025-10-01T10:25:00Z", FIVE),
            ("2025-10-01T10:30:00Z", QUARTER),
            ("2025-10-01T10:35:00Z", FIVE),
            ("2025-10-01T10:40:00Z", FIVE),
            ("2025-10-01T10:45:00Z", QUARTER),
            ("2025-10-01T10:50:00Z", FIVE),
            ("2025-10-01T10:55:00Z", FIVE),
        ]
    )
    jobs = [job for _, job, _ in got]
    # 60 / 15 = 4 closes and rebalance checks; 60 / 5 = 12 snapshots and funding polls; one
    # market history (on the hour); no parity check (daily at 00:30).
    assert (jobs.count(CC), jobs.count(WR), jobs.count(ES), jobs.count(FP)) == (4, 4, 12, 12)
    assert (jobs.count(MH), jobs.count(LP)) == (1, 0)


def test_a_monday_boundary_fires_the_rebalance_at_monday_midnight() -> None:
    # 2025-10-06 is a Monday; the start lies off the grid, so the first due time is 23:50.
    got = sequence("2025-10-05T23:47:30Z", "2025-10-06T00:20:00Z")
    assert got == expected(
        [
            ("2025-10-05T23:50:00Z", FIVE),
            ("2025-10-05T23:55:00Z", FIVE),
            ("2025-10-06T00:00:00Z", HOUR),
            ("2025-10-06T00:05:00Z", FIVE),
            ("2025-10-06T00:10:00Z", FIVE),
            ("2025-10-06T00:15:00Z", QUARTER),
        ]
    )
    assert parse_time("2025-10-06T00:00:00Z") == 1_759_708_800_000  # 20367 days * 86 400 000 ms


def test_the_daily_parity_check_fires_at_half_past_midnight_after_the_close() -> None:
    got = sequence("2025-10-06T00:25:00Z", "2025-10-06T00:40:00Z")
    assert got == expected(
        [
            ("2025-10-06T00:25:00Z", FIVE),
            ("2025-10-06T00:30:00Z", [*QUARTER, LP]),
            ("2025-10-06T00:35:00Z", FIVE),
        ]
    )


def test_the_until_time_itself_is_not_fired_and_no_end_runs_on() -> None:
    start = parse_time("2025-10-01T00:00:00Z")
    assert list(due_times(start, start)) == []
    endless = due_times(start, None)
    assert [next(endless) - start for _ in range(3)] == [0, 300_000, 600_000]


def test_a_stop_ends_the_schedule_before_the_next_step() -> None:
    stop = threading.Event()
    stepped: list[int] = []
    start = parse_time("2025-10-01T00:00:00Z")
    schedule = run_schedule(ReplayClock(step=stepped.append), start, None, stop)
    assert next(schedule)[0] == start
    stop.set()
    assert list(schedule) == [] and stepped == [start]


def test_a_replay_clock_at_a_speed_waits_the_scaled_gap() -> None:
    waited: list[float] = []

    class Recording(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waited.append(timeout or 0.0)
            return False

    clock = ReplayClock(step=lambda _: None, speed=600.0)
    start = parse_time("2025-10-01T00:00:00Z")
    list(run_schedule(clock, start, start + 900_000, Recording()))
    # three due times 300 s apart at 600x: no wait before the first, then 0.5 s twice.
    assert waited == [0.5, 0.5]
