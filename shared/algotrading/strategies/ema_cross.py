"""Reference strategy `ema_cross`: EMA 9 crossing EMA 21 on closes, long and short, a stop at
2 x ATR(14) from the entry, no take-profit, out on the opposite cross (which also reverses).

It is not one of the portfolio's strategies (it has no profile, so no sleeve: the registry's
`sleeve_ids()` leaves it out) and never trades live. It exists to be compared: its rules are
simple enough to be written in an outside backtesting engine, so the backtest's fills and
bookkeeping can be checked trade by trade against that engine
(tests/integration/test_backtest_parity.py), and it is the benchmark's workload. Like the others
it is defined once, here, and the backtest runs this code.

The entry timeframe is a parameter (`interval`, 15m by default), unlike the four strategies'
fixed timeframes, so the same rule can be compared on any timeframe the data has.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal, Self

import numpy as np
from pydantic import Field, model_validator

from algotrading.domain.intervals import Interval
from algotrading.domain.trades import StrategyId
from algotrading.indicators import atr, ema, get_indicator
from algotrading.strategies.align import close_times
from algotrading.strategies.base import (
    MarketHistory,
    PerSymbolStrategy,
    PositionPolicy,
    SignalFrame,
)
from algotrading.strategies.build import FrameBuilder, crossed_above, crossed_below
from algotrading.strategies.params import StrategyParams


class EmaCrossParams(StrategyParams):
    strategy_id = "ema_cross"

    interval: Literal["1m", "5m", "15m", "30m", "1h", "4h", "1d"] = "15m"
    ema_fast: int = Field(9, ge=1, le=200)
    ema_slow: int = Field(21, ge=2, le=400)
    atr_period: int = Field(14, ge=1, le=100)
    stop_atr_mult: float = Field(2.0, gt=0, le=20)
    leverage: float = Field(1.0, ge=1, le=3)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ema_fast >= self.ema_slow:
            raise ValueError(
                f"parameter 'ema_fast' ({self.ema_fast}) must be below 'ema_slow' ({self.ema_slow})"
            )
        return self


class EmaCrossStrategy(PerSymbolStrategy[EmaCrossParams]):
    id = StrategyId("ema_cross")
    title = "EMA cross (reference, not traded)"
    windowed = False  # compared with backtesting.py and vectorbt over whole histories
    timeframes = (Interval.M15,)
    """The default; each instance uses its `interval` parameter (set in __init__)."""
    default_symbols = ("BTCUSDT",)
    default_allocation_pct = Decimal(0)
    params_type = EmaCrossParams

    def __init__(self, params: EmaCrossParams | None = None) -> None:
        super().__init__(params)
        self.timeframes = (Interval.parse(self.params.interval),)

    @property
    def warmup_bars(self) -> Mapping[Interval, int]:
        p = self.params
        bars = max(
            get_indicator("ema").min_history(period=p.ema_slow) + 1,  # +1: a cross needs i-1
            get_indicator("ema").min_history(period=p.ema_fast) + 1,
            get_indicator("atr").min_history(period=p.atr_period),
        )
        return {self.entry_interval: bars}

    @property
    def policy(self) -> PositionPolicy:
        return PositionPolicy(initial_stop=True, exit_on_signal=True, leverage=self.params.leverage)

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        p, iv = self.params, self.entry_interval
        candles = history.require(iv, self.id)
        at = close_times(candles, iv)
        fast, slow = ema(candles.close, p.ema_fast), ema(candles.close, p.ema_slow)
        width = atr(candles.high, candles.low, candles.close, p.atr_period)
        b = FrameBuilder(history.symbol, iv, at)
        up, down = crossed_above(fast, slow), crossed_below(fast, slow)
        lines = f"ema{p.ema_fast} crossed {{}} ema{p.ema_slow}"
        b.condition(lines.format("above"), up, b.long_entry, b.short_exit)
        b.condition(lines.format("below"), down, b.short_entry, b.long_exit)
        for name, values in (
            ("close", candles.close), (f"ema{p.ema_fast}", fast), (f"ema{p.ema_slow}", slow),
            ("atr", width),
        ):  # fmt: skip
            b.value(name, values)
        settled = np.arange(1, len(candles) + 1) >= self.warmup_bars[iv]
        return b.build(stop_distance=p.stop_atr_mult * width, settled=settled)
