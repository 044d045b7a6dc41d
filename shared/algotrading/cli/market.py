"""`algo market`: closed candles from the data files, as a strategy would get them."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click

from algotrading.cli.data import data_dir_option, open_dataset
from algotrading.cli.output import print_json, print_table
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import ms_to_iso, parse_time
from algotrading.errors import AppError
from algotrading.market.candles import CandleService, DataFileCandleSource

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")


@contextmanager
def user_errors() -> Iterator[None]:
    """A ValueError from the library here means the input was wrong: one line, exit 2."""
    try:
        yield
    except AppError:
        raise
    except ValueError as exc:
        raise AppError(str(exc)) from None


def parse_as_of(text: str | None) -> int | None:
    """ISO 8601 date or time (UTC when no offset) to UTC ms; None stays None."""
    if text is None:
        return None
    with user_errors():
        return parse_time(text)


def number_columns(
    headers: Sequence[str], rows: Sequence[Sequence[object]], first: int
) -> list[list[object]]:
    """Columns from `first` on as right-aligned text, floats to 12 significant digits:
    `print_table` would round floats to 6 (a BTC price of 111937.5 would show as 111938)
    and left-align text."""
    text = [[*row[:first], *(_number(v) for v in row[first:])] for row in rows]
    for col in range(first, len(headers)):
        width = max([len(headers[col])] + [len(str(row[col])) for row in text])
        for row in text:
            row[col] = str(row[col]).rjust(width)
    return text


def _number(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.12g}"
    return str(value)


@click.group()
def market() -> None:
    """Market data: candles."""


@market.command()
@click.argument("symbol")
@click.argument("interval")
@click.option(
    "--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Candles to show."
)
@data_dir_option
@json_option
def candles(
    symbol: str, interval: str, limit: int, data_dirs: tuple[Path, ...], as_json: bool
) -> None:
    """The last closed candles of SYMBOL at INTERVAL (1m 5m 15m 30m 1h 4h 1d 1w).

    Intervals without a file are built from a shorter one (1w from 1d, 30m from 15m).
    """
    with user_errors():
        iv = Interval.parse(interval)
        service = CandleService(DataFileCandleSource(open_dataset(data_dirs)))
        result = service.get_candles(symbol.strip().upper(), iv, limit=limit)
    columns = ("open", "high", "low", "close", "volume", "turnover")
    if as_json:
        print_json(
            {
                "symbol": symbol.strip().upper(),
                "interval": iv.value,
                "candles": [
                    {
                        "start": ms_to_iso(int(result.start_ms[i])),
                        "start_ms": int(result.start_ms[i]),
                        **{c: float(getattr(result, c)[i]) for c in columns},
                    }
                    for i in range(len(result))
                ],
            }
        )
        return
    rows = [
        (ms_to_iso(int(result.start_ms[i])), *(float(getattr(result, c)[i]) for c in columns))
        for i in range(len(result))
    ]
    headers = ("start", *columns)
    print_table(headers, number_columns(headers, rows, 1))
