"""Reading one gzip CSV market-data file into numpy columns, with errors that name file and line."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path
from typing import NoReturn

import numpy as np
import numpy.typing as npt

from algotrading.errors import DataFileError

KLINE_HEADER = ("start_ms", "open", "high", "low", "close", "volume", "turnover")
FUNDING_HEADER = ("funding_time_ms", "funding_rate")


def read_table(path: Path, header: tuple[str, ...]) -> tuple[npt.NDArray[np.int64], np.ndarray]:
    """Return (time column as int64, value columns as a float64 2-D array).

    The fast path is one `np.loadtxt`; only when it fails is the text scanned line by line, so
    a malformed file still gets an error naming the exact line.
    """
    text = _read_text(path)
    first, _, body = text.partition("\n")
    found = tuple(c.strip() for c in first.strip().split(","))
    if found != header:
        raise DataFileError(
            f"{path}:1: expected header {','.join(header)}, found {first.strip()!r}"
        )
    table = _parse_body(path, body, len(header))
    times = table[:, 0]
    as_int = times.astype(np.int64)
    bad = np.flatnonzero(as_int != times)
    if bad.size:
        raise DataFileError(f"{path}:{bad[0] + 2}: time is not an integer of milliseconds")
    _check_ascending(path, as_int)
    return as_int, table[:, 1:]


def _read_text(path: Path) -> str:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such file") from None
    except (OSError, EOFError, zlib.error, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: not a readable gzip CSV file ({exc})") from None


def _parse_body(path: Path, body: str, ncols: int) -> np.ndarray:
    if not body.strip():
        return np.empty((0, ncols), dtype=np.float64)
    try:
        table = np.loadtxt(io.StringIO(body), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError:
        table = None
    if table is None or table.shape[1] != ncols or not np.isfinite(table).all():
        _raise_first_bad_line(path, body, ncols)
    return table


def _raise_first_bad_line(path: Path, body: str, ncols: int) -> NoReturn:
    for offset, line in enumerate(body.split("\n")):
        lineno = offset + 2
        if not line.strip():
            continue
        cells = line.split(",")
        if len(cells) != ncols:
            raise DataFileError(f"{path}:{lineno}: expected {ncols} fields, found {len(cells)}")
        for cell in cells:
            try:
                value = float(cell)
            except ValueError:
                raise DataFileError(f"{path}:{lineno}: not a number: {cell.strip()!r}") from None
            if not np.isfinite(value):
                raise DataFileError(f"{path}:{lineno}: not a finite number: {cell.strip()!r}")
    raise DataFileError(f"{path}: could not be parsed")


def _check_ascending(path: Path, times: npt.NDArray[np.int64]) -> None:
    steps = np.diff(times)
    bad = np.flatnonzero(steps <= 0)
    if bad.size:
        kind = "duplicate" if steps[bad[0]] == 0 else "earlier"
        raise DataFileError(f"{path}:{bad[0] + 3}: {kind} timestamp {times[bad[0] + 1]}")
