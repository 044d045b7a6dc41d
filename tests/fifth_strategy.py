"""A fifth strategy that exists only in the tests, to prove that adding a strategy touches
`strategies/` and nothing else: it declares its profile and default share on its class and is
registered by a fixture; the portfolio backtest, the schedule and the order ids find it through
the registry alone.

Its rule is deliberately trivial so that it certainly trades on any BTCUSDT 4h history: enter
long at the next open after a 4h bar that closed above the one before (an up close), exit at the
next open after a bar that closed below the one before, a stop 5 % of the close away.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.strategies.base import (
    MarketHistory,
    PerSymbolStrategy,
    PositionPolicy,
    SignalFrame,
)
from algotrading.strategies.build import FrameBuilder
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.profile import StrategyProfile
from algotrading.strategies.registry import register, unregister

H4 = Interval.H4
STOP_FRACTION = 0.05


class UpCloseStrategy(PerSymbolStrategy[StrategyParams]):
    id = "upclose"
    title = "Up-close follower (test only)"
    timeframes = (H4,)
    default_symbols = ("BTCUSDT",)
    default_allocation_pct = Decimal(0)
    params_type = StrategyParams
    profile = StrategyProfile(order_code="U")

    @property
    def warmup_bars(self) -> Mapping[Interval, int]:
        return {H4: 2}

    @property
    def policy(self) -> PositionPolicy:
        return PositionPolicy(initial_stop=True, exit_on_signal=True)

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        candles = history.require(H4, self.id)
        close = candles.close
        up = np.zeros(len(close), dtype=bool)
        down = np.zeros(len(close), dtype=bool)
        up[1:], down[1:] = close[1:] > close[:-1], close[1:] < close[:-1]
        b = FrameBuilder(history.symbol, H4, candles.start_ms + H4.ms)
        b.condition("close>previous", up, b.long_entry)
        b.condition("close<previous", down, b.long_exit)
        b.condition("long only", np.zeros(len(close), dtype=bool), b.short_entry)
        b.value("close", close)
        settled = np.arange(1, len(close) + 1) >= 2
        return b.build(stop_distance=STOP_FRACTION * close, settled=settled)


@contextmanager
def registered() -> Iterator[type[UpCloseStrategy]]:
    """`UpCloseStrategy` registered inside the block, gone again after it (a test's fixture)."""
    register(UpCloseStrategy)
    try:
        yield UpCloseStrategy
    finally:
        unregister(UpCloseStrategy.id)
