"""One series from the files of several data directories: the earlier-listed directory wins.

Why a priority rule and not "overlapping rows must be identical": two real copies of the same
Bybit market can differ in a column that one of them only estimates (the freqtrade sets estimate
turnover as volume x mean price; `bybit_derivs_2021_2025` has the exchange's own), so asking for
identical rows refuses sets that belong together. And a trader must be able to say which source a
backtest traded on, bar by bar, without a per-row heuristic. So:

* For each time, the row of the earliest-listed directory that has that time is used; a later
  directory only adds the times the earlier ones lack (history before them, after them, gaps).
* Where files share times, the *identity* columns (open/high/low/close; the funding rate; the
  open interest) must agree within a tenth of any tick. If they do not, the files do not
  describe the same market (another exchange, another contract size, a corrupt copy) and the
  set is refused, naming both files, rather than silently trading on the wrong one.
* The other columns (volume, turnover) may differ; each overlap is kept as an `Overlap`
  (which file won, which lost, how many rows, how far they differ) for `algo data info`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import DataFileError
from algotrading.market.csvfiles import FUNDING_HEADER, KLINE_HEADER, read_table


@dataclass(frozen=True, slots=True)
class MergeRule:
    """A file format and which of its value columns must agree where two files overlap.

    Agreement is `|a - b| <= atol + rtol * max(|a|, |b|)`: only re-encoding noise passes."""

    header: tuple[str, ...]
    agree: tuple[int, ...]
    rtol: float = 0.0
    atol: float = 0.0


PRICE_RTOL = 1e-7
"""A tenth of BTCUSDT's 0.1 tick at 100,000 USDT; every other symbol's tick is coarser."""


@dataclass(frozen=True, slots=True)
class ColumnDiff:
    """How a column differs over an overlap: rows not exactly equal, largest relative gap."""

    column: str
    rows: int
    max_rel: float


@dataclass(frozen=True, slots=True)
class Overlap:
    """Times two files share: `kept` (listed earlier) supplied them, `dropped` did not."""

    kept: Path
    dropped: Path
    rows: int
    first_ms: int
    last_ms: int
    differs: tuple[ColumnDiff, ...]


@dataclass(frozen=True, slots=True)
class Merged:
    """The merged table (time column, value columns) and every overlap found."""

    times: npt.NDArray[np.int64]
    values: np.ndarray
    overlaps: tuple[Overlap, ...]


def merge(paths: Sequence[Path], rule: MergeRule) -> Merged:
    """The files of one series, in priority order (earliest-listed first), as one table."""
    times, values = read_table(paths[0], rule.header)
    owner = np.zeros(len(times), dtype=np.intp)
    overlaps: list[Overlap] = []
    for j in range(1, len(paths)):
        t, v = read_table(paths[j], rule.header)
        _, ia, ib = np.intersect1d(times, t, assume_unique=True, return_indices=True)
        for i in np.unique(owner[ia]):
            mine = owner[ia] == i
            overlaps.append(
                _compare(
                    paths[int(i)], paths[j], times[ia[mine]], values[ia[mine]], v[ib[mine]], rule
                )
            )
        new = np.ones(len(t), dtype=bool)
        new[ib] = False
        times = np.concatenate([times, t[new]])
        values = np.concatenate([values, v[new]])
        owner = np.concatenate([owner, np.full(int(new.sum()), j, dtype=np.intp)])
    order = np.argsort(times, kind="stable")
    return Merged(times[order], values[order], tuple(overlaps))


def _compare(
    kept: Path,
    dropped: Path,
    times: npt.NDArray[np.int64],
    a: np.ndarray,
    b: np.ndarray,
    rule: MergeRule,
) -> Overlap:
    """The overlap of two files; refused when an identity column disagrees."""
    gap = np.abs(a - b)
    scale = np.maximum(np.abs(a), np.abs(b))
    for col in rule.agree:
        bad = np.flatnonzero(gap[:, col] > rule.atol + rule.rtol * scale[:, col])
        if bad.size:
            k = int(bad[0])
            name, theirs, ours = rule.header[col + 1], float(b[k, col]), float(a[k, col])
            raise DataFileError(
                f"{dropped} disagrees with {kept} at time {times[k]} ({ms_to_iso(int(times[k]))}):"
                f" {name} {theirs!r} vs {ours!r}; overlapping rows must show the same market"
                f" ({_agreed(rule)} equal), so these are not two copies of one series"
            )
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, gap / scale, 0.0)
    differs = tuple(
        ColumnDiff(rule.header[col + 1], int((gap[:, col] > 0).sum()), float(rel[:, col].max()))
        for col in range(a.shape[1])
        if (gap[:, col] > 0).any()
    )
    return Overlap(kept, dropped, len(times), int(times[0]), int(times[-1]), differs)


def _agreed(rule: MergeRule) -> str:
    return "/".join(rule.header[c + 1] for c in rule.agree)


KLINE_RULE = MergeRule(KLINE_HEADER, agree=(0, 1, 2, 3), rtol=PRICE_RTOL)
"""Candles: prices must agree; volume and turnover may differ (estimated vs exchange turnover)."""

FUNDING_RULE = MergeRule(FUNDING_HEADER, agree=(0,), atol=1e-9)
"""Funding: the settled rate must agree (Bybit prints 8 decimals; 1e-9 is below the last one)."""
