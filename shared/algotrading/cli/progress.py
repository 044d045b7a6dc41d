"""Progress of a long run, always on stderr (stdout may carry `--json`), in one of two forms
(docs/output.md, "Progress"):

* on a terminal, click's bar with the position, the rate and the time left;
* otherwise (a pipe, a file, CI), quiet lines: none for the first `GRACE_S` seconds, so a short
  run's stderr stays empty or its one error line, then one at each further tenth of the work and
  at least every `EVERY_S` seconds.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import TextIO

import click

from algotrading.cli.numbers import count, plural

GRACE_S = 60.0
"""Quiet lines begin after this long: a run of a minute or less prints none."""
EVERY_S = 30.0

Advance = Callable[[int], None]
"""Called with how many steps were just done."""


def duration_text(seconds: float) -> str:
    """`42 s`, `3 min 15 s`, `1 h 05 min`: the time left, as a person reads it."""
    whole = max(0, round(seconds))
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"


def rate_text(done: int, elapsed: float, unit: str) -> str:
    """Steps per second so far (`5.4 closes/s`, `unit` singular); `-` before any time has
    passed."""
    per = f"{plural(unit)}/s"
    if elapsed <= 0 or done <= 0:
        return f"- {per}"
    return f"{done / elapsed:.1f} {per}"


@dataclass
class Lines:
    """The quiet form: a line per tenth (or per `EVERY_S`) once `GRACE_S` has passed."""

    label: str
    total: int
    unit: str
    stream: TextIO
    clock: Callable[[], float] = time.monotonic
    since: float | None = None
    """When the run began (a later stage's lines keep the first stage's grace); None: now."""
    done: int = 0
    started: float = field(default=0.0)
    last_line: float = field(default=0.0)
    last_tenth: int = 0

    def __post_init__(self) -> None:
        self.last_line = self.clock()
        self.started = self.last_line if self.since is None else self.since

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.total, self.done + steps)
        now = self.clock()
        tenth = self.done * 10 // self.total if self.total else 10
        if now - self.started < GRACE_S:
            self.last_tenth = tenth
            return
        if tenth > self.last_tenth or now - self.last_line >= EVERY_S:
            self.last_tenth, self.last_line = tenth, now
            click.echo(self.line(now - self.started), file=self.stream)

    def line(self, elapsed: float) -> str:
        """`replaying: 40% (1,160/2,929 closes), 5.4 closes/s, 3 min 15 s left`."""
        pct = 100 * self.done // self.total if self.total else 100
        text = (
            f"{self.label}: {pct}% ({self.done:,}/{count(self.total, self.unit)}),"
            f" {rate_text(self.done, elapsed, self.unit)}"
        )
        if 0 < self.done < self.total:
            text += f", {duration_text(elapsed * (self.total - self.done) / self.done)} left"
        return text


@contextmanager
def progress(
    label: str, total: int, unit: str, show_pos: bool = True, since: float | None = None
) -> Iterator[Advance]:
    """Yields `advance(steps)`; the bar (terminal) or the quiet lines (anything else);
    `since`: when the run began, for the lines' grace (`time.monotonic`)."""
    out = sys.stderr
    if not out.isatty():
        yield Lines(label, total, unit, out, since=since).advance
        return
    started = time.monotonic()
    done = 0
    with click.progressbar(
        length=total, label=label, file=out, show_pos=show_pos, show_percent=True,
        show_eta=True, item_show_func=lambda text: text,
    ) as bar:  # fmt: skip

        def advance(steps: int = 1) -> None:
            nonlocal done
            done += steps
            bar.update(steps, rate_text(done, time.monotonic() - started, unit))

        yield advance


class Stages:
    """Progress stages one after another (`backtest.progress.Stage`): each starts its own bar or
    lines and ends the one before; the lines' grace runs from the first stage."""

    def __init__(self) -> None:
        self._stack = ExitStack()
        self._since = time.monotonic()

    def __call__(self, label: str, total: int, unit: str) -> Advance:
        self._stack.close()
        return self._stack.enter_context(progress(label, total, unit, since=self._since))

    def __enter__(self) -> Stages:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stack.close()
