"""The backtest engine against backtesting.py and vectorbt, in the same run, on the same bars.

Workload: `ema_cross` (EMA 9/21 cross on closes, long and short, stop 2 x ATR(14), reversal on
the opposite cross) over 100,000 bars of real 15m data. No single file has that many 15m bars,
so five real series are chained end to end: Bybit BTCUSDT and XRPUSDT 15m of 2024 (derivatives
set, 27,936 bars each) and Bybit BTCUSDT, ETHUSDT, SOLUSDT 15m of 2025-26 (primary set, 18,144
each), cut at 100,000. Each series is scaled by a constant so that it opens where the previous
one closed (returns, wicks and gaps stay real) and all bars are put on one contiguous 15m grid.

Timed, best of several runs:
- ours: `backtest.simulate` end to end: the strategy's signals, the walk, sizing, funding (none
  here), the equity curve and every metric;
- backtesting.py: `Backtest.run` on precomputed flags (bench/outside.py: same rules, fills at
  the next open, fixed 1-unit size, 0.055 % commission);
- vectorbt: `Portfolio.from_signals` on the same flags shifted to fill at the next open, after
  one untimed call to compile it.
Goal: at least 50x backtesting.py and at least 0.5x vectorbt, in bars per second.
"""

from __future__ import annotations

import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np

from algotrading.backtest import BacktestConfig, BacktestSizing, SizingMode, simulate
from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, get_strategy
from bench.common import SHARED_DATA
from bench.outside import cross_signals, run_backtesting_py, run_vectorbt

BARS = 100_000
FEE = 0.00055
GRID_START_MS = 1_704_067_200_000  # 2024-01-01 00:00 UTC
SERIES = (
    ("bybit_derivs_2021_2025", "BTCUSDT"), ("bybit_derivs_2021_2025", "XRPUSDT"),
    ("", "BTCUSDT"), ("", "ETHUSDT"), ("", "SOLUSDT"),
)  # fmt: skip


def chained_bars(root: Path = SHARED_DATA, bars: int = BARS) -> Candles:
    """The real 15m series above, chained and re-based (see the module docstring)."""
    columns: dict[str, list[np.ndarray]] = {k: [] for k in ("open", "high", "low", "close", "vol")}
    previous_close: float | None = None
    for folder, symbol in SERIES:
        c = DataSet([root / folder if folder else root]).candles(symbol, Interval.M15)
        scale = 1.0 if previous_close is None else previous_close / float(c.open[0])
        for name in ("open", "high", "low", "close"):
            columns[name].append(getattr(c, name) * scale)
        columns["vol"].append(c.volume)
        previous_close = float(columns["close"][-1][-1])
    cut = {k: np.concatenate(v)[:bars] for k, v in columns.items()}
    if len(cut["close"]) < bars:
        raise SystemExit(f"only {len(cut['close'])} bars of 15m data found under {root}")
    start = GRID_START_MS + np.arange(bars, dtype=np.int64) * Interval.M15.ms
    return Candles(start, cut["open"], cut["high"], cut["low"], cut["close"], cut["vol"],
                   cut["vol"] * cut["close"])  # fmt: skip


def best(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def main() -> int:
    candles = chained_bars()
    n = len(candles)
    strategy = get_strategy("ema_cross")
    histories = {"BTCUSDT": MarketHistory("BTCUSDT", {Interval.M15: candles})}
    config = BacktestConfig("ema_cross", capital=1e6, fee_rate=FEE, slippage_bps=0.0,
                            sizing=BacktestSizing(SizingMode.UNITS, units=1.0))  # fmt: skip
    ours = simulate(strategy, histories, config)
    first_bar = int(np.searchsorted(candles.start_ms, ours.start_ms)) - 1
    signals = cross_signals(candles)
    outside = {"first_bar": first_bar, "units": 1, "cash": 1e6, "commission": FEE}
    ours_s = best(lambda: simulate(strategy, histories, config), 9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stats = run_backtesting_py(candles, signals, **outside)
        bt_s = best(lambda: run_backtesting_py(candles, signals, **outside), 3)
        portfolio = run_vectorbt(candles, signals, **outside)  # compiles
        vbt_s = best(lambda: run_vectorbt(candles, signals, **outside), 9)
    rate = {"ours": n / ours_s, "backtesting.py": n / bt_s, "vectorbt": n / vbt_s}
    trades = {"ours": ours.metrics["trades"], "backtesting.py": int(stats["# Trades"]),
              "vectorbt": int(portfolio.trades.count())}  # fmt: skip
    print(f"ema_cross on {n:,} bars of real 15m data (5 series chained), best run each")
    print(f"{'engine':<16}{'seconds':>10}{'bars/s':>14}{'closed trades':>15}")
    for name, seconds in (("ours", ours_s), ("backtesting.py", bt_s), ("vectorbt", vbt_s)):
        print(f"{name:<16}{seconds:>10.4f}{rate[name]:>14,.0f}{trades[name]:>15,}")
    vs_bt, vs_vbt = rate["ours"] / rate["backtesting.py"], rate["ours"] / rate["vectorbt"]
    print(f"ours / backtesting.py: {vs_bt:.1f}x (goal >= 50x)  "
          f"ours / vectorbt: {vs_vbt:.2f}x (goal >= 0.5x)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
