"""The report model: a titled list of sections, each a table, a chart or a note.

Every section has either content or `empty`, a sentence saying why there is nothing to show
(an idle strategy, a breaker that never fired), so a reader never meets a silent blank. Tables
carry display text (numbers already formatted as docs/output.md says); charts carry numbers
(times in UTC milliseconds), already thinned for drawing. The whole model is plain JSON.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class SectionKind(StrEnum):
    """What a section holds, which tells a renderer how to draw it."""

    METRICS = "metrics"
    """A table whose first column names a metric and each further column is a scope."""
    TABLE = "table"
    CHART = "chart"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Section:
    """One block of the report: content, or `empty` saying why it has none."""

    title: str
    kind: SectionKind
    content: dict[str, Any] | None = None
    empty: str | None = None
    note: str | None = None
    """A sentence read before the content: what the figures mean or where they come from."""

    def __post_init__(self) -> None:
        if (self.content is None) == (self.empty is None):
            raise ValueError(f"section {self.title!r} needs content or an empty reason, not both")


@dataclass(frozen=True, slots=True)
class Report:
    """A run's report: a heading, a one-line summary and the sections in reading order."""

    kind: str
    """`strategy` or `portfolio`, as the result's own `kind`."""
    title: str
    summary: str
    run_id: str
    sections: list[Section] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": REPORT_SCHEMA,
            **asdict(self),
            "sections": [{**asdict(s), "kind": str(s.kind)} for s in self.sections],
        }


REPORT_SCHEMA = "algotrading.report/1"


def table(
    title: str, columns: list[str], rows: list[list[str]], empty: str, note: str | None = None
) -> Section:
    """A table section; no rows: the `empty` sentence instead."""
    if not rows:
        return Section(title, SectionKind.TABLE, empty=empty, note=note)
    return Section(title, SectionKind.TABLE, {"columns": columns, "rows": rows}, note=note)


def metrics(
    title: str, columns: list[str], rows: list[list[str]], note: str | None = None
) -> Section:
    return Section(title, SectionKind.METRICS, {"columns": columns, "rows": rows}, note=note)


def chart(title: str, content: dict[str, Any], note: str | None = None) -> Section:
    return Section(title, SectionKind.CHART, content, note=note)
