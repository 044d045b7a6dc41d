"""Shared by the benchmarks: realistic synthetic bars and a fair timer.

The bars are a random walk built from real ones: each synthetic bar copies the log return, the
high/low/open shape relative to close and the volume of a randomly drawn real bar, so the data
has real-sized moves, wicks and volumes, at any length.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.market.datafiles import DataSet

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def real_candles() -> tuple[Candles, str]:
    """BTCUSDT 5m from the team data when present, else the bundled 15m."""
    if (SHARED_DATA / "klines" / "BTCUSDT_5m.csv.gz").is_file():
        return DataSet([SHARED_DATA]).candles("BTCUSDT", Interval.M5), "BTCUSDT 5m (shared data)"
    return DataSet().candles("BTCUSDT", Interval.M15), "BTCUSDT 15m (bundled data)"


def synthetic_candles(n: int, interval: Interval = Interval.M1, seed: int = 7) -> Candles:
    """`n` bars on the `interval` grid from 2020-01-06 00:00 UTC (a Monday)."""
    real, _ = real_candles()
    rng = np.random.default_rng(seed)
    pick = rng.integers(1, len(real), size=n)
    returns = np.log(real.close[1:] / real.close[:-1])
    close = real.close[0] * np.exp(np.cumsum(returns[pick - 1]))
    shape = {c: getattr(real, c)[pick] / real.close[pick] for c in ("open", "high", "low")}
    volume = real.volume[pick].copy()
    start = 1_578_268_800_000 + np.arange(n, dtype=np.int64) * interval.ms
    return Candles(start, close * shape["open"], close * shape["high"], close * shape["low"],
                   close, volume, volume * close)  # fmt: skip


def best_of(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Best wall time (s) of each callable, interleaved and in alternating order so both see
    the same machine state (caches, allocator) as often as the other."""
    first()
    second()
    best = [float("inf"), float("inf")]
    enabled = gc.isenabled()
    gc.disable()
    try:
        for round_ in range(repeats):
            order = (0, 1) if round_ % 2 == 0 else (1, 0)
            for i in order:
                fn = (first, second)[i]
                start = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - start)
    finally:
        if enabled:
            gc.enable()
    return best[0], best[1]
