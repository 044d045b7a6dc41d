"""Open-interest files: `open_interest/{SYMBOL}_{interval}.csv.gz` (timestamp_ms,open_interest).

Snapshots of open interest in base-coin units, as Bybit reports them; the carry strategy's "OI
rising" rule reads them. They live beside `klines/` and `funding/` in a data directory; several
directories form one series as `DataSet` merges candles (`market.merge`: the earlier-listed
directory wins where they share times, and the values there must agree). A symbol may have files
at several intervals: the finest is used (more snapshots, the same quantity).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from algotrading.domain.intervals import Interval
from algotrading.domain.series import OpenInterestSeries
from algotrading.errors import DataFileError
from algotrading.market.merge import PRICE_RTOL, MergeRule, Overlap, merge

OPEN_INTEREST_HEADER = ("timestamp_ms", "open_interest")
OPEN_INTEREST_RULE = MergeRule(OPEN_INTEREST_HEADER, agree=(0,), rtol=PRICE_RTOL)
"""Two copies of Bybit's snapshot at the same time must show the same open interest."""
_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)_(?P<interval>[0-9]+[a-zA-Z])\.csv\.gz$")


class OpenInterestFiles:
    """The open-interest files of one or more data directories."""

    def __init__(self, dirs: Sequence[Path | str]) -> None:
        self.dirs = tuple(Path(d) for d in dirs)
        self._paths: dict[tuple[str, Interval], list[Path]] = {}
        self._overlaps: dict[tuple[str, str], tuple[Overlap, ...]] = {}
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

    def interval(self, symbol: str) -> Interval | None:
        """The finest interval with open-interest files for `symbol` (None: none)."""
        found = sorted((iv.ms, iv) for s, iv in self._paths if s == symbol)
        return found[0][1] if found else None

    def series(self, symbol: str) -> OpenInterestSeries | None:
        """The symbol's snapshots at its finest interval, merged across directories; None when
        the data has none (the carry strategy then treats open interest as unknown)."""
        iv = self.interval(symbol)
        if iv is None:
            return None
        got = merge(self._paths[(symbol, iv)], OPEN_INTEREST_RULE)
        self._overlaps[(symbol, iv.value)] = got.overlaps
        return OpenInterestSeries(got.times, got.values[:, 0].copy())

    def overlaps(self) -> list[tuple[tuple[str, str], Overlap]]:
        """((symbol, interval), overlap) of every series read so far."""
        return [(key, o) for key, group in self._overlaps.items() for o in group]
