"""Portfolio backtest wall time on the bundled data, and on 2x and 4x the data.

The larger sets add symbols made from real ones: every bundled series (klines of each interval,
funding) is shifted in time by whole days, rotating the rows so the span stays the same, under a
new name (`BTCUSDT` -> `BTCS1USDT`); open interest likewise. Every strategy trades every symbol
of the set (trend, scalper and carry would otherwise ignore names outside their default lists;
momentum ranks all), so the work grows with the data; the trades of each of the four sleeves
are printed beside the time. Timed end to end: plan, units in a 2-process pool, combine,
figures (best of 3); the default run (each strategy's own symbols) is timed too.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from algotrading.backtest.portfolio import PortfolioBacktestConfig, run_portfolio
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.market.csvfiles import FUNDING_HEADER, KLINE_HEADER
from algotrading.market.datafiles import DataSet
from algotrading.market.open_interest import OPEN_INTEREST_HEADER, OpenInterestFiles

WORKERS = 2
REPEATS = 3


def _write(path: Path, header: tuple[str, ...], times: np.ndarray, values: np.ndarray) -> None:
    rows = np.column_stack([times.astype(np.int64).astype(object), values.astype(object)])
    text = "\n".join(",".join(repr(v) if isinstance(v, float) else str(v) for v in r) for r in rows)
    path.write_bytes(gzip.compress((",".join(header) + "\n" + text + "\n").encode(), 1))


def build(root: Path, copies: int) -> Path:
    """The bundled set plus `copies` time-shifted copies of each symbol."""
    data = DataSet()
    interest = OpenInterestFiles([BUNDLED_DATA_DIR])
    for sub in ("klines", "funding", "open_interest"):
        (root / sub).mkdir(parents=True, exist_ok=True)
        for f in (BUNDLED_DATA_DIR / sub).glob("*.csv.gz"):
            (root / sub / f.name).write_bytes(f.read_bytes())
    for k in range(1, copies + 1):
        shift_ms = 7 * k * DAY_MS
        for symbol in data.symbols():
            name = symbol.replace("USDT", f"S{k}USDT")
            for iv in data.intervals(symbol):
                c = data.candles(symbol, iv)
                roll = shift_ms // Interval(iv).ms
                cols = np.column_stack([c.open, c.high, c.low, c.close, c.volume, c.turnover])
                _write(root / "klines" / f"{name}_{iv.value}.csv.gz", KLINE_HEADER, c.start_ms,
                       np.roll(cols, roll, axis=0))  # fmt: skip
            f = data.funding(symbol)
            _write(root / "funding" / f"{name}.csv.gz", FUNDING_HEADER, f.time_ms,
                   np.roll(f.rate, int(shift_ms // (8 * 3_600_000)))[:, None])  # fmt: skip
            oi = interest.series(symbol)
            if oi is not None:
                rolled = np.roll(oi.value, int(shift_ms // Interval.H4.ms))[:, None]
                path = root / "open_interest" / f"{name}_4h.csv.gz"
                _write(path, OPEN_INTEREST_HEADER, oi.time_ms, rolled)
    return root


STRATEGIES = ("trend", "scalper", "carry", "momentum")


def timed(config: PortfolioBacktestConfig) -> tuple[float, str]:
    """Best wall time of `REPEATS` runs, and the trades per sleeve (trend/scalper/carry/mom.)."""
    best, trades = float("inf"), ""
    for _ in range(REPEATS):
        began = time.perf_counter()
        result = run_portfolio(config, WORKERS)
        best = min(best, time.perf_counter() - began)
        counts = [sum(t["strategy"] == s for t in result.trades) for s in STRATEGIES]
        trades = "/".join(str(n) for n in counts)
    return best, trades


def every_symbol(root: Path) -> PortfolioBacktestConfig:
    symbols = DataSet([root]).symbols()
    spec = {"symbols": symbols}
    return PortfolioBacktestConfig(data_dirs=(str(root),),
                                   strategies={"trend": spec, "scalper": spec, "carry": spec,
                                               "momentum": {}})  # fmt: skip


def main() -> int:
    seconds, trades = timed(PortfolioBacktestConfig())
    print(f"portfolio backtest, {WORKERS} workers, best of {REPEATS}")
    print(f"bundled, default symbols: {seconds:.2f} s, trades t/s/c/m {trades}")
    print(f"{'data':<8}{'symbols':>8}{'seconds':>9}{'trades t/s/c/m':>18}{'growth':>8}")
    base = None
    with tempfile.TemporaryDirectory(prefix="bench-portfolio-") as tmp:
        for factor in (1, 2, 4):
            root = build(Path(tmp) / f"x{factor}", factor - 1)
            config = every_symbol(root)
            seconds, trades = timed(config)
            base = base or seconds
            print(f"{f'{factor}x':<8}{len(DataSet([root]).symbols()):>8}{seconds:>9.2f}"
                  f"{trades:>18}{seconds / base:>8.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
