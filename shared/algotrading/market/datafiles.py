"""Market-data directories: `klines/{SYMBOL}_{interval}.csv.gz` and `funding/{SYMBOL}.csv.gz`
(and `open_interest/`, read by `market.open_interest`).

Several directories form one data set: a later directory continues an earlier one. Files of the
same name are merged in time order by `market.merge`: where they share times the earlier-listed
directory wins, prices (and funding rates) must agree or the set is refused, and every overlap is
kept for `algo data info` so the user sees which source a series was taken from.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.errors import DataFileError
from algotrading.market.merge import FUNDING_RULE, KLINE_RULE, Merged, MergeRule, Overlap, merge
from algotrading.market.open_interest import OpenInterestFiles

_KLINE_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)_(?P<interval>[0-9]+[a-zA-Z])\.csv\.gz$")
_FUNDING_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)\.csv\.gz$")


@dataclass(frozen=True, slots=True)
class SeriesInfo:
    """What one merged series holds; `gaps` counts missing candles or open-interest snapshots
    (None for funding, whose interval may change)."""

    kind: str
    symbol: str
    interval: str | None
    first_ms: int
    last_ms: int
    rows: int
    gaps: int | None


class DataSet:
    """One or more data directories read as a single, continuous data set."""

    def __init__(self, dirs: Sequence[Path | str] | None = None) -> None:
        chosen = [Path(d) for d in dirs] if dirs else [_bundled_dir()]
        for directory in chosen:
            if not directory.is_dir():
                raise DataFileError(f"data directory not found: {directory}")
            if not (directory / "klines").is_dir() and not (directory / "funding").is_dir():
                raise DataFileError(f"{directory}: has neither a klines/ nor a funding/ folder")
        self.dirs: tuple[Path, ...] = tuple(chosen)
        self._klines = self._index("klines", _KLINE_NAME)
        self._funding = self._index("funding", _FUNDING_NAME)
        self._candle_cache: dict[tuple[str, Interval], Candles] = {}
        self._overlaps: dict[tuple[str, str, str], tuple[Overlap, ...]] = {}
        self.open_interest = OpenInterestFiles(self.dirs)

    def _index(self, folder: str, pattern: re.Pattern[str]) -> dict[tuple[str, str], list[Path]]:
        found: dict[tuple[str, str], list[Path]] = {}
        for directory in self.dirs:
            sub = directory / folder
            if not sub.is_dir():
                continue
            for path in sorted(sub.glob("*.csv.gz")):
                match = pattern.match(path.name)
                if match is None:
                    raise DataFileError(f"{path}: file name does not follow {folder}/ naming")
                key = (match["symbol"], match.groupdict().get("interval") or "")
                found.setdefault(key, []).append(path)
        return found

    def symbols(self) -> list[str]:
        """Every symbol with klines or funding, sorted."""
        return sorted({s for s, _ in self._klines} | {s for s, _ in self._funding})

    def intervals(self, symbol: str) -> list[Interval]:
        """Intervals with a kline file for `symbol`, shortest first."""
        found = [Interval.parse(i) for s, i in self._klines if s == symbol]
        return sorted(found, key=lambda interval: interval.ms)

    def has_candles(self, symbol: str, interval: Interval) -> bool:
        return (symbol, interval.value) in self._klines

    def kline_dirs(self, symbol: str, interval: Interval) -> list[Path]:
        """The directories holding a kline file of `symbol` at `interval`, in priority order."""
        return [path.parent.parent for path in self._klines.get((symbol, interval.value), [])]

    def candles(self, symbol: str, interval: Interval | str) -> Candles:
        """All candles of `symbol` at `interval`, merged across directories (cached)."""
        iv = interval if isinstance(interval, Interval) else Interval.parse(interval)
        key = (symbol, iv)
        if key not in self._candle_cache:
            paths = self._klines.get((symbol, iv.value))
            if not paths:
                raise DataFileError(f"no {iv.value} klines for {symbol} in {self._where()}")
            got = self._merge(("klines", symbol, iv.value), paths, KLINE_RULE)
            values = got.values
            self._candle_cache[key] = Candles(got.times, *(values[:, i].copy() for i in range(6)))
        return self._candle_cache[key]

    def funding(self, symbol: str) -> FundingHistory:
        """All funding settlements of `symbol`, merged across directories."""
        paths = self._funding.get((symbol, ""))
        if not paths:
            raise DataFileError(f"no funding history for {symbol} in {self._where()}")
        got = self._merge(("funding", symbol, ""), paths, FUNDING_RULE)
        return FundingHistory(got.times, got.values[:, 0].copy())

    def inventory(self) -> list[SeriesInfo]:
        """One entry per merged series: klines by symbol and interval, funding, open interest."""
        rows: list[SeriesInfo] = []
        for symbol, interval in sorted(self._klines, key=lambda k: (k[0], Interval.parse(k[1]).ms)):
            iv = Interval.parse(interval)
            c = self.candles(symbol, iv)
            rows.append(_info("klines", symbol, iv, c.start_ms))
        for symbol, _ in sorted(self._funding):
            rows.append(_info("funding", symbol, None, self.funding(symbol).time_ms))
        for symbol in self.open_interest.symbols():
            oi = self.open_interest.series(symbol)
            oi_interval = self.open_interest.interval(symbol)
            if oi is not None and oi_interval is not None:
                rows.append(_info("open_interest", symbol, oi_interval, oi.time_ms))
        return rows

    def overlaps(self) -> list[tuple[str, str, str, Overlap]]:
        """(kind, symbol, interval, overlap) for every series that two directories share, after
        reading every series: which file won each overlap, and how far the losing rows differ."""
        self.inventory()
        found = [(*key, o) for key, group in self._overlaps.items() for o in group]
        found += [("open_interest", *key, o) for key, o in self.open_interest.overlaps()]
        return sorted(found, key=lambda row: row[:3])

    def _merge(self, key: tuple[str, str, str], paths: list[Path], rule: MergeRule) -> Merged:
        got = merge(paths, rule)
        self._overlaps[key] = got.overlaps
        return got

    def _where(self) -> str:
        return ", ".join(str(d) for d in self.dirs)


def _info(kind: str, symbol: str, interval: Interval | None, times: np.ndarray) -> SeriesInfo:
    gaps = None
    if interval is not None:
        gaps = int((np.diff(times) // interval.ms - 1).sum()) if len(times) > 1 else 0
    first = int(times[0]) if len(times) else 0
    last = int(times[-1]) if len(times) else 0
    value = interval.value if interval else None
    return SeriesInfo(kind, symbol, value, first, last, len(times), gaps)


def _bundled_dir() -> Path:
    """The shipped data set's folder, imported only when no folder is given: the Lambda
    package leaves the bundled data out, and its jobs never read it."""
    from algotrading.bundled import BUNDLED_DATA_DIR

    return BUNDLED_DATA_DIR
