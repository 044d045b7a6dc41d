"""Rebuild the history the bundled set carries before 2025-09-24 (docs/data.md, "The bundled set").

Why a script: the bundled files are the record of what was shipped; this says exactly how they
were made, so anyone with the team data folder can rebuild and compare them byte for byte.

For BTCUSDT, ETHUSDT, SOLUSDT, from `bybit_derivs_2021_2025` (MIT): the 4h rows and funding
settlements from 2025-01-01 up to the first row of the primary set's own file are put in front of
that file (source lines copied verbatim); 1d candles are resampled from those 4h rows on the UTC
grid (complete days only, `market.resample`); open interest 2025-01-01 .. the set's end goes to
`open_interest/`. The primary rows from 2025-09-24 are kept as they were.

Run from the repository root: `.venv/bin/python -m tools.bundle_history ../shared/data`.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.domain.timefmt import parse_time
from algotrading.market.csvfiles import KLINE_HEADER, read_table
from algotrading.market.resample import resample

SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT")
SOURCE_SET = "bybit_derivs_2021_2025"
HISTORY_START_MS = parse_time("2025-01-01")
PRIMARY_START_MS = parse_time("2025-09-24")


def lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return handle.read().splitlines()


def write(path: Path, rows: list[str]) -> None:
    """Gzip with a fixed mtime and no file name, so a rebuild gives the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw, gzip.GzipFile("", "wb", 9, raw, mtime=0) as handle:
        handle.write(("\n".join(rows) + "\n").encode())


def rows_between(text: list[str], lo_ms: int, hi_ms: int) -> list[str]:
    """Data lines (header dropped) whose time lies in [lo_ms, hi_ms)."""
    return [line for line in text[1:] if lo_ms <= int(line.split(",", 1)[0]) < hi_ms]


def daily_rows(source_4h: Path, hi_ms: int) -> list[str]:
    """1d candles of the 4h file's complete UTC days in [HISTORY_START_MS, hi_ms)."""
    times, values = read_table(source_4h, KLINE_HEADER)
    c4 = Candles(times, *(values[:, i].copy() for i in range(6)))
    days = resample(c4.between(HISTORY_START_MS, hi_ms), Interval.H4, Interval.D1)
    places = decimals(lines(source_4h))
    out = []
    for k in range(len(days)):
        cells = [days.open[k], days.high[k], days.low[k], days.close[k]]
        cells += [days.volume[k], days.turnover[k]]
        text = [repr(round(float(v), n)) for v, n in zip(cells, places, strict=True)]
        out.append(",".join([str(int(days.start_ms[k])), *text]))
    return out


def decimals(text: list[str]) -> list[int]:
    """The most decimal places each value column has in the source: sums are rounded to it
    (adding six 4h volumes leaves float residue such as ...0000001 that the exchange never
    printed)."""
    places = [0] * 6
    for line in text[1:]:
        for i, cell in enumerate(line.split(",")[1:]):
            places[i] = max(places[i], len(cell.partition(".")[2]))
    return places


def first_time(text: list[str]) -> int:
    return int(text[1].split(",", 1)[0])


def build_symbol(shared: Path, symbol: str) -> None:
    src = shared / SOURCE_SET
    for interval in ("4h", "1d"):
        target = BUNDLED_DATA_DIR / "klines" / f"{symbol}_{interval}.csv.gz"
        primary = lines(shared / "klines" / f"{symbol}_{interval}.csv.gz")
        hi = first_time(primary)
        source_4h = src / "klines" / f"{symbol}_4h.csv.gz"
        if interval == "4h":
            history = rows_between(lines(source_4h), HISTORY_START_MS, hi)
        else:
            history = daily_rows(source_4h, hi)
        write(target, [primary[0], *history, *primary[1:]])
    primary = lines(shared / "funding" / f"{symbol}.csv.gz")
    history = rows_between(lines(src / "funding" / f"{symbol}.csv.gz"), HISTORY_START_MS,
                           first_time(primary))  # fmt: skip
    write(BUNDLED_DATA_DIR / "funding" / f"{symbol}.csv.gz", [primary[0], *history, *primary[1:]])
    oi = lines(src / "open_interest" / f"{symbol}_4h.csv.gz")
    write(
        BUNDLED_DATA_DIR / "open_interest" / f"{symbol}_4h.csv.gz",
        [oi[0], *rows_between(oi, HISTORY_START_MS, 2**62)],
    )


def main(argv: list[str]) -> int:
    shared = Path(argv[0]) if argv else Path("../shared/data")
    for symbol in SYMBOLS:
        build_symbol(shared, symbol)
        print(f"{symbol}: done")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
