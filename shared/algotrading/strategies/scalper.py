"""Strategy 2, mean-reversion scalper (reference Step 4.3): on 15m bars, buy a washed-out dip
(close below the lower Bollinger band, RSI(7) oversold, Stochastic RSI turning up from below 20,
volume spike) only while the 1H trend is up, and the mirror for shorts. Half the position is taken
at the middle band, the rest trails 0.5x ATR; RSI back to neutral or 12 bars end the trade.
Rules and the reasons for each reading: docs/STRATEGIES.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Self

import numpy as np
from pydantic import Field, model_validator

from algotrading.domain.intervals import Interval
from algotrading.domain.trades import StrategyId
from algotrading.indicators import (
    atr,
    bb_width,
    bollinger,
    ema,
    get_indicator,
    rsi,
    stoch_rsi,
    volume_sma,
)
from algotrading.strategies.align import align_candles, close_times, closed_count
from algotrading.strategies.base import (
    Bools,
    MarketHistory,
    PerSymbolStrategy,
    PositionPolicy,
    SignalFrame,
    TakeProfitMode,
    TrailStart,
)
from algotrading.strategies.build import (
    F64,
    FrameBuilder,
    crossed_above,
    crossed_below,
    previous,
    within_bars,
)
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.profile import StrategyProfile
from algotrading.strategies.window import WINDOW_TOLERANCE, warmup

M15, H1 = Interval.M15, Interval.H1


class ScalperParams(StrategyParams):
    strategy_id = "scalper"

    bb_period: int = Field(20, ge=2, le=500)
    bb_mult: float = Field(2.0, gt=0, le=10)
    rsi_period: int = Field(7, ge=2, le=100)
    rsi_long_below: float = Field(25.0, ge=0, le=100)
    rsi_short_above: float = Field(75.0, ge=0, le=100)
    stoch_rsi_period: int = Field(14, ge=2, le=100)
    stoch_period: int = Field(14, ge=1, le=100)
    stoch_k: int = Field(3, ge=1, le=50)
    stoch_d: int = Field(3, ge=1, le=50)
    stoch_oversold: float = Field(20.0, ge=0, le=100)
    stoch_overbought: float = Field(80.0, ge=0, le=100)
    volume_period: int = Field(20, ge=1, le=500)
    volume_mult: float = Field(2.0, gt=0, le=50)
    atr_period: int = Field(14, ge=1, le=100)
    stop_atr_mult: float = Field(1.5, gt=0, le=20)
    trail_atr_mult: float = Field(0.5, gt=0, le=20)
    partial_fraction: float = Field(0.5, gt=0, lt=1)
    time_stop_bars: int = Field(12, ge=1, le=1000)
    rsi_exit_low: float = Field(40.0, ge=0, le=100)
    rsi_exit_high: float = Field(60.0, ge=0, le=100)
    trend_ema_period: int = Field(50, ge=2, le=400)
    max_bb_width: float | None = Field(None, gt=0, le=10)
    setup_window_bars: int = Field(4, ge=1, le=10)
    """Bars the oversold (overbought) setup may precede the Stochastic RSI turn by, plus one; 1 is
    the reference read literally (all on one bar), which trades about twice a month over 8
    symbols. 4 was chosen on trade counts alone (`python -m bench.scalper_window`,
    docs/STRATEGIES.md section 7)."""
    leverage: float = Field(2.0, ge=1, le=2)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if not self.rsi_long_below < self.rsi_exit_low <= self.rsi_exit_high < self.rsi_short_above:
            raise ValueError(
                "parameters must satisfy rsi_long_below < rsi_exit_low <= rsi_exit_high "
                "< rsi_short_above"
            )
        if self.stoch_oversold >= self.stoch_overbought:
            raise ValueError("parameter 'stoch_oversold' must be below 'stoch_overbought'")
        return self


class ScalperStrategy(PerSymbolStrategy[ScalperParams]):
    id = StrategyId("scalper")
    title = "Mean-reversion scalper"
    timeframes = (M15, H1)
    default_symbols = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "AVAXUSDT", "BNBUSDT")
    default_allocation_pct = Decimal(20)
    profile = StrategyProfile(order_code="S")
    params_type = ScalperParams

    @property
    def warmup_bars(self) -> Mapping[Interval, int]:
        p = self.params
        stoch = get_indicator("stoch_rsi").min_history(
            WINDOW_TOLERANCE,
            rsi_period=p.stoch_rsi_period,
            stoch_period=p.stoch_period,
            k=p.stoch_k,
            d=p.stoch_d,
        )
        m15 = warmup(
            stoch + 1,  # +1: a cross needs the previous bar's K and D
            get_indicator("bollinger").min_history(WINDOW_TOLERANCE, period=p.bb_period),
            get_indicator("rsi").min_history(WINDOW_TOLERANCE, period=p.rsi_period),
            get_indicator("atr").min_history(WINDOW_TOLERANCE, period=p.atr_period),
            get_indicator("volume_sma").min_history(WINDOW_TOLERANCE, period=p.volume_period),
        )
        return {
            M15: m15,
            H1: warmup(
                get_indicator("ema").min_history(WINDOW_TOLERANCE, period=p.trend_ema_period)
            ),
        }

    @property
    def policy(self) -> PositionPolicy:
        p = self.params
        return PositionPolicy(
            initial_stop=True,
            take_profit=TakeProfitMode.TARGET,
            target_follows=True,
            partial_fraction=p.partial_fraction,
            trail_start=TrailStart.PARTIAL,
            time_stop_bars=p.time_stop_bars,
            exit_on_signal=True,
            leverage=p.leverage,
        )

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        p = self.params
        c15, c1h = history.require(M15, self.id), history.require(H1, self.id)
        at = close_times(c15, M15)
        close = c15.close
        upper, middle, lower = bollinger(close, p.bb_period, p.bb_mult)
        k, d = stoch_rsi(close, p.stoch_rsi_period, p.stoch_period, p.stoch_k, p.stoch_d)
        v = {
            "close": close, "bb_upper": upper, "bb_middle": middle, "bb_lower": lower,
            "bb_width": bb_width(close, p.bb_period, p.bb_mult),
            "rsi": rsi(close, p.rsi_period), "stoch_k": k, "stoch_d": d,
            "volume": c15.volume, "volume_avg": volume_sma(c15.volume, p.volume_period),
            f"ema{p.trend_ema_period}_1h": align_candles(
                c1h, H1, ema(c1h.close, p.trend_ema_period), at
            ),
            "atr": atr(c15.high, c15.low, close, p.atr_period),
        }  # fmt: skip
        b = FrameBuilder(history.symbol, M15, at)
        self._entries(b, v)
        rsi_name = f"rsi{p.rsi_period}"
        b.condition(f"{rsi_name}>={p.rsi_exit_low:g}", v["rsi"] >= p.rsi_exit_low, b.long_exit)
        b.condition(f"{rsi_name}<={p.rsi_exit_high:g}", v["rsi"] <= p.rsi_exit_high, b.short_exit)
        for name, values in v.items():
            b.value(name, values)
        warm = self.warmup_bars
        settled = (np.arange(1, len(c15) + 1) >= warm[M15]) & (
            closed_count(c1h, H1, at) >= warm[H1]
        )
        return b.build(
            stop_distance=p.stop_atr_mult * v["atr"],
            target_price=middle,
            trail_distance=p.trail_atr_mult * v["atr"],
            settled=settled,
        )

    def _entries(self, b: FrameBuilder, v: dict[str, F64]) -> None:
        """The oversold (overbought) bar, the Stochastic RSI turn and the 1H trend filter."""
        p = self.params
        r, trend = f"rsi{p.rsi_period}", f"ema{p.trend_ema_period}_1h"
        loud = (f"volume>{p.volume_mult:g}x_avg", v["volume"] > p.volume_mult * v["volume_avg"])
        k, d, k_before = v["stoch_k"], v["stoch_d"], previous(v["stoch_k"])
        long_setup = [
            ("close<bb_lower", v["close"] < v["bb_lower"]),
            (f"{r}<{p.rsi_long_below:g}", v["rsi"] < p.rsi_long_below),
            loud,
        ]
        short_setup = [
            ("close>bb_upper", v["close"] > v["bb_upper"]),
            (f"{r}>{p.rsi_short_above:g}", v["rsi"] > p.rsi_short_above),
            loud,
        ]
        self._setup(b, long_setup, b.long_entry)
        self._setup(b, short_setup, b.short_entry)
        turn_up = crossed_above(k, d) & (k_before < p.stoch_oversold)
        turn_down = crossed_below(k, d) & (k_before > p.stoch_overbought)
        up_name = f"stoch_k crossed above d from below {p.stoch_oversold:g}"
        down_name = f"stoch_k crossed below d from above {p.stoch_overbought:g}"
        b.condition(up_name, turn_up, b.long_entry)
        b.condition(down_name, turn_down, b.short_entry)
        b.condition(f"close>{trend}", v["close"] > v[trend], b.long_entry)
        b.condition(f"close<{trend}", v["close"] < v[trend], b.short_entry)
        if p.max_bb_width is not None:
            calm = v["bb_width"] <= p.max_bb_width
            b.condition(f"bb_width<={p.max_bb_width:g}", calm, b.long_entry, b.short_entry)

    def _setup(self, b: FrameBuilder, setup: list[tuple[str, Bools]], role: list[str]) -> None:
        """With `setup_window_bars` = 1 each setup condition is an entry condition of the
        trigger bar itself (the reference read literally); with w > 1 all of them must hold
        together on one bar among the last w, and that joint condition is the entry's."""
        window = self.params.setup_window_bars
        for name, values in setup:
            b.condition(name, values, *([role] if window == 1 else []))
        if window > 1:
            joint = np.logical_and.reduce([values for _, values in setup])
            names = "&".join(name for name, _ in setup)
            b.condition(f"{names} within {window} bars", within_bars(joint, window), role)
