"""Open-interest files: `open_interest/{SYMBOL}_{interval}.csv.gz` (timestamp_ms,open_interest).

Snapshots of open interest in base-coin units, as Bybit reports them; the carry strategy's "OI
rising" rule reads them. They live beside `klines/` and `funding/` in a data directory; several
directories form one series as `DataSet` merges candles (overlapping rows must agree). A symbol
may have files at several intervals: the finest is used (more snapshots, the same quantity).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from algotrading.domain.intervals import Interval
from algotrading.domain.series import OpenInterestSeries
from algotrading.errors import DataFileError
from algotrading.market.datafiles import merge_tables

OPEN_INTEREST_HEADER = ("timestamp_ms", "open_interest")
_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)_(?P<interval>[0-9]+[a-zA-Z])\.csv\.gz$")


class OpenInterestFiles:
    """The open-interest files of one or more data directories."""

    def __init__(self, dirs: Sequence[Path | str]) -> None:
        self.dirs = tuple(Path(d) for d in dirs)
        self._paths: dict[tuple[str, Interval], list[Path]] = {}
        for directory in self.dirs:
            folder = directory / "open_interest"
            for path in sorted(folder.glob("*.csv.gz")) if folder.is_dir() else ():
                match = _NAME.match(path.name)
                if match is None:
                    raise DataFileError(f"{path}: file name does not follow open_interest/ naming")
                key = (match["symbol"], Interval.parse(match["interval"]))
                self._paths.setdefault(key, []).append(path)

    def symbols(self) -> list[str]:
        return sorted({symbol for symbol, _ in self._paths})

    def series(self, symbol: str) -> OpenInterestSeries | None:
        """The symbol's snapshots at its finest interval, merged across directories; None when
        the data has none (the carry strategy then treats open interest as unknown)."""
        found = sorted((iv.ms, iv) for s, iv in self._paths if s == symbol)
        if not found:
            return None
        times, values = merge_tables(self._paths[(symbol, found[0][1])], OPEN_INTEREST_HEADER)
        return OpenInterestSeries(times, values[:, 0].copy())
