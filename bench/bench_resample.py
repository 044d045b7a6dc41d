"""The resampler's throughput: source rows per second into each longer interval."""

from __future__ import annotations

import sys

from algotrading.domain.intervals import Interval
from algotrading.market.resample import resample
from bench.common import best_of, synthetic_candles

BARS = 1_000_000
REPEATS = 7


def main() -> int:
    print(f"resampler on {BARS:,} source rows, best of {REPEATS}")
    print(f"{'from':<6}{'to':<6}{'ms':>9}{'rows/s':>16}{'out rows':>10}")
    for source, targets in ((Interval.M1, (Interval.M5, Interval.H1, Interval.D1)),
                            (Interval.M5, (Interval.H4, Interval.W1))):  # fmt: skip
        bars = synthetic_candles(BARS, source)
        for target in targets:
            elapsed, _ = best_of(
                lambda t=target, s=source, b=bars: resample(b, s, t), lambda: None, REPEATS
            )
            rows = len(resample(bars, source, target))
            print(f"{source.value:<6}{target.value:<6}{elapsed * 1e3:>9.2f}"
                  f"{BARS / elapsed:>16,.0f}{rows:>10,}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
