"""Progress on stderr (`cli.progress`): a bar with rate and time left on a terminal, quiet lines
(none in the first 60 s, then each tenth or every 30 s) anywhere else."""

from __future__ import annotations

import io
import re
import sys

import pytest

from algotrading.cli.progress import Lines, Stages, duration_text, progress, rate_text


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (42.4, "42 s"), (59.6, "1 min 0 s"), (195, "3 min 15 s"), (3900, "1 h 05 min")],
)
def test_time_left_as_a_person_reads_it(seconds: float, text: str) -> None:
    assert duration_text(seconds) == text


def test_rate_per_second_with_the_plural_unit() -> None:
    assert rate_text(27, 5.0, "close") == "5.4 closes/s"  # 27 / 5 = 5.4
    assert rate_text(0, 0.0, "unit") == "- units/s"


def test_quiet_lines_wait_60_s_then_each_tenth_or_every_30_s() -> None:
    clock, stream = Clock(), io.StringIO()
    lines = Lines("replaying", 2929, "close", stream, clock=clock)
    for _ in range(1160):  # 40 % within the first 60 s: nothing yet
        lines.advance(1)
    clock.now += 60.0  # 1,160 closes in 60 s
    lines.advance(1)
    # 1,161 / 2,929 = 39.6 %; 1,161 / 60 = 19.35/s; (2,929 - 1,161) * 60 / 1,161 = 91.4 s
    assert (
        stream.getvalue() == "replaying: 39% (1,161/2,929 closes), 19.4 closes/s, 1 min 31 s left\n"
    )
    lines.advance(10)  # 1,171: 39.98 %, still the fourth tenth, same moment: no line
    assert stream.getvalue().count("\n") == 1
    lines.advance(1)  # 1,172: 40.01 %: the fifth tenth begins
    assert stream.getvalue().count("\n") == 2 and "40% (1,172/2,929" in stream.getvalue()
    clock.now += 30.0  # no new tenth, but 30 s since the last line
    lines.advance(1)
    assert stream.getvalue().count("\n") == 3


def test_a_run_shorter_than_a_minute_prints_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stream)
    with progress("replaying", 10, "close") as advance:
        for _ in range(10):
            advance(1)
    assert stream.getvalue() == ""


def test_a_bar_with_position_percent_and_rate_on_a_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with Stages() as stage:
        advance = stage("units", 4, "unit")
        for _ in range(4):
            advance(1)
        stage("combining", 2, "close")(2)
    drawn = terminal.getvalue()
    assert re.findall(r"units +\[[#-]+\] +(\d)/4 +(\d+)%", drawn) == [
        ("0", "0"), ("1", "25"), ("2", "50"), ("3", "75"), ("4", "100"),
    ]  # fmt: skip
    assert re.search(r"units/s", drawn) and re.search(r"combining +\[#+\] +2/2 +100%", drawn)
