"""Which strategies run at which close (UTC grid; momentum on Monday 00:00 only)."""

from __future__ import annotations

import pytest

from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import parse_time
from algotrading.execution import BadCloseTime, closes_between, due

ALL = [
    ("trend", Interval.H4),
    ("scalper", Interval.M15),
    ("carry", Interval.H1),
    ("momentum", Interval.D1),
]


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        ("2025-10-27T00:00:00Z", ["trend", "scalper", "carry", "momentum"]),  # a Monday
        ("2025-10-28T00:00:00Z", ["trend", "scalper", "carry"]),  # Tuesday: no rebalance
        ("2025-10-26T00:00:00Z", ["trend", "scalper", "carry"]),  # Sunday
        ("2025-10-27T04:00:00Z", ["trend", "scalper", "carry"]),
        ("2025-10-27T13:00:00Z", ["scalper", "carry"]),
        ("2025-10-27T13:45:00Z", ["scalper"]),
        ("2025-10-27T02:00:00Z", ["scalper", "carry"]),  # 4h closes are 0, 4, 8 ... UTC
    ],
)
def test_strategies_due(at: str, expected: list[str]) -> None:
    assert due(ALL, parse_time(at)) == expected


@pytest.mark.parametrize("bad", [parse_time("2025-10-27T13:07:00Z"), 0, -900_000, True])
def test_a_time_that_is_not_a_close_is_refused(bad: int) -> None:
    with pytest.raises(BadCloseTime):
        due(ALL, bad)


def test_closes_between_is_the_15_minute_grid_inclusive() -> None:
    start, end = parse_time("2025-10-27T13:07:00Z"), parse_time("2025-10-27T14:00:00Z")
    closes = list(closes_between(start, end))
    assert closes[0] == parse_time("2025-10-27T13:15:00Z") and closes[-1] == end
    assert len(closes) == 4
    assert len(list(closes_between(parse_time("2025-10-25"), parse_time("2025-11-01")))) == 673
