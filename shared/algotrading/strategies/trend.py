"""Strategy 1, multi-timeframe trend following (reference Step 4.2): a daily trend filter, a 4H
EMA cross for timing, RSI and volume for confirmation; the stop is 2x ATR, and once price has
moved 3x ATR in our favour the position trails 1.5x ATR behind the best price, letting a trend
run instead of capping it. Rules and the reasons for each reading: docs/STRATEGIES.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal, Self

import numpy as np
from pydantic import Field, model_validator

from algotrading.domain.intervals import Interval
from algotrading.domain.trades import StrategyId
from algotrading.indicators import adx, atr, ema, get_indicator, rsi, volume_sma
from algotrading.strategies.align import align_candles, close_times, closed_count
from algotrading.strategies.base import (
    MarketHistory,
    PerSymbolStrategy,
    PositionPolicy,
    SignalFrame,
    TakeProfitMode,
    TrailStart,
)
from algotrading.strategies.build import FrameBuilder, between, crossed_above, crossed_below
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.profile import StrategyProfile
from algotrading.strategies.window import WINDOW_TOLERANCE, warmup

H4, D1 = Interval.H4, Interval.D1


class TrendParams(StrategyParams):
    """Defaults are the reference's numbers; ranges refuse values that break the rule's sense."""

    strategy_id = "trend"

    daily_ema_period: int = Field(50, ge=2, le=400)
    adx_period: int = Field(14, ge=2, le=100)
    adx_entry_above: float = Field(25.0, ge=0, le=100)
    adx_exit_below: float = Field(20.0, ge=0, le=100)
    ema_fast: int = Field(9, ge=1, le=200)
    ema_slow: int = Field(21, ge=2, le=400)
    rsi_period: int = Field(14, ge=2, le=100)
    rsi_long_min: float = Field(40.0, ge=0, le=100)
    rsi_long_max: float = Field(70.0, ge=0, le=100)
    rsi_short_min: float = Field(30.0, ge=0, le=100)
    rsi_short_max: float = Field(60.0, ge=0, le=100)
    volume_period: int = Field(20, ge=1, le=500)
    volume_mult: float = Field(1.2, gt=0, le=20)
    atr_period: int = Field(14, ge=1, le=100)
    stop_atr_mult: float = Field(2.0, gt=0, le=20)
    take_profit_atr_mult: float = Field(3.0, gt=0, le=50)
    trail_atr_mult: float = Field(1.5, gt=0, le=20)
    take_profit_style: Literal["trail", "fixed"] = "trail"
    leverage: float = Field(2.0, ge=1, le=3)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.ema_fast >= self.ema_slow:
            raise ValueError(
                f"parameter 'ema_fast' ({self.ema_fast}) must be below 'ema_slow' ({self.ema_slow})"
            )
        if self.adx_exit_below > self.adx_entry_above:
            raise ValueError("parameter 'adx_exit_below' must not exceed 'adx_entry_above'")
        if self.rsi_long_min > self.rsi_long_max or self.rsi_short_min > self.rsi_short_max:
            raise ValueError("parameters 'rsi_*_min' must not exceed 'rsi_*_max'")
        return self


class TrendStrategy(PerSymbolStrategy[TrendParams]):
    id = StrategyId("trend")
    title = "Multi-timeframe trend following"
    timeframes = (H4, D1)
    default_symbols = (
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "AVAXUSDT", "LINKUSDT", "DOTUSDT",
        "ADAUSDT", "POLUSDT", "NEARUSDT", "INJUSDT", "SUIUSDT", "RENDERUSDT",
    )  # fmt: skip
    default_allocation_pct = Decimal(30)
    profile = StrategyProfile(order_code="T")
    params_type = TrendParams

    @property
    def warmup_bars(self) -> Mapping[Interval, int]:
        p = self.params
        h4 = warmup(
            get_indicator("ema").min_history(WINDOW_TOLERANCE, period=p.ema_slow)
            + 1,  # +1: a cross needs i-1
            get_indicator("ema").min_history(WINDOW_TOLERANCE, period=p.ema_fast) + 1,
            get_indicator("atr").min_history(WINDOW_TOLERANCE, period=p.atr_period),
            get_indicator("rsi").min_history(WINDOW_TOLERANCE, period=p.rsi_period),
            get_indicator("volume_sma").min_history(WINDOW_TOLERANCE, period=p.volume_period),
        )
        d1 = warmup(
            get_indicator("ema").min_history(WINDOW_TOLERANCE, period=p.daily_ema_period),
            get_indicator("adx").min_history(WINDOW_TOLERANCE, period=p.adx_period),
        )
        return {H4: h4, D1: d1}

    @property
    def policy(self) -> PositionPolicy:
        trail = self.params.take_profit_style == "trail"
        return PositionPolicy(
            initial_stop=True,
            take_profit=TakeProfitMode.DISTANCE,
            trail_start=TrailStart.TAKE_PROFIT if trail else None,
            exit_on_signal=True,
            leverage=self.params.leverage,
        )

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        p = self.params
        c4, cd = history.require(H4, self.id), history.require(D1, self.id)
        at = close_times(c4, H4)
        trend_ema = align_candles(cd, D1, ema(cd.close, p.daily_ema_period), at)
        strength = align_candles(cd, D1, adx(cd.high, cd.low, cd.close, p.adx_period), at)
        fast, slow = ema(c4.close, p.ema_fast), ema(c4.close, p.ema_slow)
        momentum = rsi(c4.close, p.rsi_period)
        avg_volume = volume_sma(c4.volume, p.volume_period)
        width = atr(c4.high, c4.low, c4.close, p.atr_period)

        b = FrameBuilder(history.symbol, H4, at)
        d, fa, sl = p.daily_ema_period, p.ema_fast, p.ema_slow
        up, down = crossed_above(fast, slow), crossed_below(fast, slow)
        b.condition(f"close>ema{d}_1d", c4.close > trend_ema, b.long_entry)
        b.condition(f"close<ema{d}_1d", c4.close < trend_ema, b.short_entry)
        adx_ok = strength > p.adx_entry_above
        b.condition(f"adx_1d>{p.adx_entry_above:g}", adx_ok, b.long_entry, b.short_entry)
        b.condition(f"ema{fa} crossed above ema{sl}", up, b.long_entry, b.short_exit)
        b.condition(f"ema{fa} crossed below ema{sl}", down, b.short_entry, b.long_exit)
        rsi_long = between(momentum, p.rsi_long_min, p.rsi_long_max)
        rsi_short = between(momentum, p.rsi_short_min, p.rsi_short_max)
        b.condition(f"{p.rsi_long_min:g}<=rsi<={p.rsi_long_max:g}", rsi_long, b.long_entry)
        b.condition(f"{p.rsi_short_min:g}<=rsi<={p.rsi_short_max:g}", rsi_short, b.short_entry)
        loud = c4.volume > p.volume_mult * avg_volume
        b.condition(f"volume>{p.volume_mult:g}x_avg", loud, b.long_entry, b.short_entry)
        weak = strength < p.adx_exit_below
        b.condition(f"adx_1d<{p.adx_exit_below:g}", weak, b.long_exit, b.short_exit)
        for name, values in (
            ("close", c4.close), (f"ema{d}_1d", trend_ema), ("adx_1d", strength),
            (f"ema{fa}", fast), (f"ema{sl}", slow), ("rsi", momentum),
            ("volume", c4.volume), ("volume_avg", avg_volume), ("atr", width),
        ):  # fmt: skip
            b.value(name, values)
        warm = self.warmup_bars
        settled = (np.arange(1, len(c4) + 1) >= warm[H4]) & (closed_count(cd, D1, at) >= warm[D1])
        trail = p.take_profit_style == "trail"
        return b.build(
            stop_distance=p.stop_atr_mult * width,
            take_profit_distance=p.take_profit_atr_mult * width,
            trail_distance=p.trail_atr_mult * width if trail else None,
            settled=settled,
        )
