"""The `ema_cross` rules written for two outside engines, backtesting.py and vectorbt: the parity
test checks our backtest trade by trade against the first, the benchmark times all three.

The indicators are TA-Lib's (EMA 9 and 21 of the closes, ATR 14), computed here, not by our
strategy code, so the outside run is an independent reading of the same rules. What each engine
needs to behave like ours (docs/BACKTESTING.md, "Parity"):

backtesting.py
- `trade_on_close=False`: a market order placed at a bar's close fills at the next bar's open.
- `exclusive_orders=True`, `hedging=False`: a new order first closes the open trade, so the
  opposite cross exits and reverses at the same open, as our "exits before entries" does.
- `commission` = our fee rate: it charges it on the entry and on the exit value, as we do.
- `spread` stays 0 and our slippage is 0: backtesting.py applies its spread to entries only,
  we slip entries and market exits alike.
- Our stop is measured from the actual fill (next open); backtesting.py wants the stop with
  the order, at the signal bar's close. The strategy below therefore reads the next bar's open
  to place it (a look-ahead that only reproduces our stop level, it decides nothing).
  backtesting.py then checks that stop in the entry bar too, as we do.
- Fixed whole units (`size=units`): its fractional sizing floors to whole units of equity net
  of commission, a rule of its own.
- `finalize_trades=False`: a trade still open at the end is left open and its equity is marked
  at the last close without an exit fee, as ours is.
- Signals before our warm-up (`first_bar`, the first settled row) are ignored.
- Its progress bar is switched off while it runs (output, and time in the benchmark).

vectorbt (`Portfolio.from_signals`, benchmark only): the same entry and exit flags, shifted one
bar so that its same-bar fill at `price=open` is our next-open fill, the stop as a fraction of
the entry, open/high/low for intrabar stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import talib

from algotrading.domain.series import Candles
from algotrading.strategies.build import CROSS_TOLERANCE

F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class CrossSignals:
    """ema_cross's flags and stop distances, one per bar."""

    up: Bools
    down: Bools
    stop_distance: F64


def cross_signals(
    candles: Candles,
    fast: int = 9,
    slow: int = 21,
    atr_period: int = 14,
    stop_mult: float = 2.0,
) -> CrossSignals:
    """Crosses with the rule's relative margin (docs/STRATEGIES.md), plain TA-Lib indicators."""
    f = talib.EMA(candles.close, fast)
    s = talib.EMA(candles.close, slow)
    width = talib.ATR(candles.high, candles.low, candles.close, atr_period)
    with np.errstate(invalid="ignore"):
        margin = CROSS_TOLERANCE * np.maximum(np.abs(s), 1.0)
        above, below, known = f - s > margin, f - s < -margin, np.isfinite(f - s)
    up = np.zeros(len(f), dtype=bool)
    down = np.zeros(len(f), dtype=bool)
    up[1:] = above[1:] & ~above[:-1] & known[:-1]
    down[1:] = below[1:] & ~below[:-1] & known[:-1]
    return CrossSignals(up, down, stop_mult * width)


def frame_of(candles: Candles) -> Any:
    """The OHLCV DataFrame backtesting.py and vectorbt take (UTC times, naive)."""
    import pandas as pd

    index = pd.to_datetime(candles.start_ms, unit="ms")
    return pd.DataFrame(
        {
            "Open": candles.open,
            "High": candles.high,
            "Low": candles.low,
            "Close": candles.close,
            "Volume": candles.volume,
        },
        index=index,
    )


def run_backtesting_py(
    candles: Candles,
    signals: CrossSignals,
    *,
    first_bar: int,
    units: float,
    cash: float,
    commission: float,
) -> Any:
    """backtesting.py's stats Series of ema_cross (`stats._trades` holds the trades)."""
    from backtesting import Backtest, Strategy

    opens = np.asarray(candles.open, dtype=np.float64)
    n = len(opens)
    up, down, dist = signals.up, signals.down, signals.stop_distance

    class EmaCross(Strategy):  # type: ignore[misc]
        def init(self) -> None:
            pass

        def next(self) -> None:
            i = len(self.data) - 1
            if i < first_bar or i + 1 >= n:
                return
            if up[i]:
                self.buy(size=units, sl=opens[i + 1] - dist[i])
            elif down[i]:
                self.sell(size=units, sl=opens[i + 1] + dist[i])

    backtest = Backtest(
        frame_of(candles),
        EmaCross,
        cash=cash,
        commission=commission,
        spread=0.0,
        trade_on_close=False,
        exclusive_orders=True,
        hedging=False,
        finalize_trades=False,
    )
    import backtesting.backtesting as engine

    shown = engine._tqdm
    engine._tqdm = lambda seq, **_: seq  # its progress bar: output, and time in the benchmark
    try:
        return backtest.run()
    finally:
        engine._tqdm = shown


def run_vectorbt(
    candles: Candles, signals: CrossSignals, *, first_bar: int, units: float, cash: float,
    commission: float, freq: str = "15min",
) -> Any:  # fmt: skip
    """vectorbt's Portfolio for the same flags (filled at the next open) and stops."""
    import vectorbt as vbt

    n = len(candles)
    live = np.arange(n) >= first_bar
    up = np.zeros(n, dtype=bool)
    down = np.zeros(n, dtype=bool)
    up[1:] = (signals.up & live)[:-1]
    down[1:] = (signals.down & live)[:-1]
    stop = np.full(n, np.nan)
    stop[1:] = signals.stop_distance[:-1] / candles.open[1:]
    return vbt.Portfolio.from_signals(
        candles.close,
        entries=up,
        exits=down,
        short_entries=down,
        short_exits=up,
        price=candles.open,
        open=candles.open,
        high=candles.high,
        low=candles.low,
        sl_stop=stop,
        size=units,
        fees=commission,
        init_cash=cash,
        freq=freq,
    )
