"""Appending rows to one market-data file of the data layout (`market.datafiles`), as bytes.

The store holds whole gzip CSV files, so an append is: read the file, keep only the new rows
whose time is after its last stored row, write the whole file again. Filtering by the last
stored time is what makes a repeated or overlapping fetch append nothing twice. The gzip
header carries no name and a fixed mtime, so the same rows always give the same bytes: a
repeat leaves a file byte-identical, and a test can compare bytes.
"""

from __future__ import annotations

import gzip
from collections.abc import Sequence

from algotrading.market.csvfiles import FUNDING_HEADER, KLINE_HEADER
from algotrading.market.open_interest import OPEN_INTEREST_HEADER

Row = tuple[int, *tuple[float, ...]]
"""A time in UTC ms and the value columns of one line."""

HEADERS = {"klines": KLINE_HEADER, "funding": FUNDING_HEADER, "open_interest": OPEN_INTEREST_HEADER}


def encode(header: Sequence[str], lines: Sequence[str]) -> bytes:
    """The gzip bytes of a CSV with `header` and data `lines` (deterministic: see module)."""
    text = "\n".join([",".join(header), *lines]) + "\n"
    return gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0)


def row_line(row: Row) -> str:
    """One CSV line: the time as an integer, values as Python's shortest round-trip text
    (`7.085e-05`, `111937.5`), the way the exchange's numbers read back unchanged."""
    time_ms, *values = row
    return ",".join([str(int(time_ms)), *(repr(float(v)) for v in values)])


def data_lines(existing: bytes | None) -> list[str]:
    """The data lines of a stored file (header dropped); none for a missing file."""
    if existing is None:
        return []
    text = gzip.decompress(existing).decode("utf-8")
    return [line for line in text.splitlines()[1:] if line.strip()]


def last_time(lines: Sequence[str]) -> int | None:
    """The time of the last data line (the files are ascending), None when there is none."""
    return int(lines[-1].split(",", 1)[0]) if lines else None


def appended(
    existing: bytes | None, header: Sequence[str], rows: Sequence[Row]
) -> tuple[bytes | None, int]:
    """(the file with the rows after its last stored time appended, rows appended); (None, 0)
    when nothing is new, so the caller writes nothing."""
    lines = data_lines(existing)
    last = last_time(lines)
    fresh = sorted((r for r in rows if last is None or r[0] > last), key=lambda r: r[0])
    if not fresh:
        return None, 0
    return encode(header, lines + [row_line(r) for r in fresh]), len(fresh)
