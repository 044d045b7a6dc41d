"""Printing for the CLI: JSON for machines, aligned tables for people.

One convention for machine output (docs/output.md): `--json` prints JSON to stdout and nothing
else goes there (human lines move to stderr); `--out FILE` writes the result file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

json_flag = click.option(
    "--json", "as_json", is_flag=True, help="Print the result as JSON on stdout (and nothing else)."
)


def out_option(what: str) -> Callable[[F], F]:
    """`--out FILE`: where a command writes its result file; `what` says what goes in it."""
    return click.option(
        "--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help=what
    )


def print_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, default=str))


def say(text: str, as_json: bool) -> None:
    """A line for people: on stdout, or on stderr when stdout carries `--json` output."""
    click.echo(text, err=as_json)


def deliver(text: str, as_json: bool, out_path: Path | None) -> None:
    """The result as JSON text: written to `--out` (a line says where), printed for `--json`."""
    if out_path is not None:
        out_path.write_text(text, encoding="utf-8")
        say(f"result written to {out_path}", as_json)
    if as_json:
        click.echo(text)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Left-aligned text, right-aligned numbers; empty tables print the header only."""
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in cells:
        widths = [max(w, len(c)) for w, c in zip(widths, row, strict=True)]
    numeric = [all(_is_number(row[i]) for row in rows) and bool(rows) for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        parts = [
            v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric, strict=True)
        ]
        return "  ".join(parts).rstrip()

    click.echo(line(headers))
    click.echo("  ".join("-" * w for w in widths))
    for row in cells:
        click.echo(line(row))


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
