"""Strategy 3, funding-rate carry (reference Step 4.4): when funding is extreme against one side
(z-score beyond ±1.5, the week's average beyond ±0.01 % per 8h) while open interest grows and RSI
confirms the crowd, take the other side and collect the funding; leave when the z-score is back
inside ±0.5 or after a few settlements. Rules and the reasons for each reading:
docs/STRATEGIES.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Self

import numpy as np
from pydantic import Field, model_validator

from algotrading.domain.intervals import DAY_MS, HOUR_MS, MINUTE_MS, Interval
from algotrading.domain.trades import StrategyId
from algotrading.indicators import atr, get_indicator, rsi
from algotrading.market.scan import Scan
from algotrading.market.universe import UniverseConfig
from algotrading.strategies.align import close_times
from algotrading.strategies.base import (
    MarketHistory,
    PerSymbolStrategy,
    PositionPolicy,
    SignalFrame,
)
from algotrading.strategies.build import FrameBuilder
from algotrading.strategies.funding_view import (
    ZSCORE_DAYS,
    funding_at_bars,
    open_interest_change_pct,
)
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.profile import StrategyProfile
from algotrading.strategies.window import WINDOW_TOLERANCE, warmup

H1 = Interval.H1


class CarryParams(StrategyParams):
    strategy_id = "carry"

    zscore_entry: float = Field(1.5, gt=0, le=10)
    avg_rate_threshold_8h: float = Field(0.0001, ge=0, le=0.01)
    min_zscore_std_8h: float = Field(0.00001, ge=0, le=0.01)
    rsi_period: int = Field(14, ge=2, le=100)
    rsi_short_above: float = Field(60.0, ge=0, le=100)
    rsi_long_below: float = Field(40.0, ge=0, le=100)
    atr_period: int = Field(14, ge=1, le=100)
    stop_atr_mult: float = Field(2.5, gt=0, le=20)
    exit_zscore_band: float = Field(0.5, ge=0, le=10)
    max_funding_periods: int = Field(3, ge=1, le=21)
    oi_lookback_hours: int = Field(24, ge=1, le=720)
    oi_min_change_pct: float = Field(0.0, ge=0, le=1000)
    oi_max_age_hours: int = Field(8, ge=1, le=168)
    require_open_interest: bool = True
    data_lag_minutes: int = Field(5, ge=0, le=240)
    risk_per_trade_pct: float = Field(0.5, gt=0, le=1.0)
    leverage: float = Field(1.0, ge=1, le=2)
    universe_size: int = Field(20, ge=1, le=50)
    """The scan's symbols with the most extreme funding (`market.scan.carry_universe`)."""
    min_avg_turnover: float = Field(10_000_000.0, ge=0)
    turnover_days: int = Field(14, ge=1, le=90)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.exit_zscore_band >= self.zscore_entry:
            raise ValueError("parameter 'exit_zscore_band' must be below 'zscore_entry'")
        return self


class CarryStrategy(PerSymbolStrategy[CarryParams]):
    id = StrategyId("carry")
    title = "Funding-rate carry"
    timeframes = (H1,)
    default_symbols = (
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "BNBUSDT", "ADAUSDT",
        "AVAXUSDT", "LINKUSDT", "SUIUSDT", "LTCUSDT", "DOTUSDT", "NEARUSDT", "AAVEUSDT",
        "APTUSDT", "ARBUSDT", "OPUSDT", "WLDUSDT", "1000PEPEUSDT", "ENAUSDT",
    )  # fmt: skip
    default_allocation_pct = Decimal(20)
    profile = StrategyProfile(order_code="C", universe=Scan.FUNDING)
    params_type = CarryParams

    @property
    def universe_config(self) -> UniverseConfig:
        """The liquid candidates of the funding scan, of which `universe_size` are kept."""
        p = self.params
        return UniverseConfig(
            min_avg_turnover=p.min_avg_turnover, size=p.universe_size, turnover_days=p.turnover_days
        )

    @property
    def warmup_bars(self) -> Mapping[Interval, int]:
        p = self.params
        return {
            H1: warmup(
                get_indicator("rsi").min_history(WINDOW_TOLERANCE, period=p.rsi_period),
                get_indicator("atr").min_history(WINDOW_TOLERANCE, period=p.atr_period),
            )
        }

    @property
    def funding_history_ms(self) -> int:
        """The 30-day window of the last settlement known, plus a day so that the first
        settlement before the window is there too (proof the window is complete)."""
        return (ZSCORE_DAYS + 1) * DAY_MS + self._lag_ms

    @property
    def open_interest_history_ms(self) -> int:
        """Now (at most max-age old) and 24h before now (again at most max-age older)."""
        p = self.params
        return (p.oi_lookback_hours + 2 * p.oi_max_age_hours) * HOUR_MS + self._lag_ms

    @property
    def _lag_ms(self) -> int:
        return self.params.data_lag_minutes * MINUTE_MS

    @property
    def policy(self) -> PositionPolicy:
        return PositionPolicy(
            initial_stop=True,
            exit_on_signal=True,
            leverage=self.params.leverage,
            risk_per_trade_pct=self.params.risk_per_trade_pct,
        )

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        p = self.params
        c = history.require(H1, self.id)
        at = close_times(c, H1)
        f = funding_at_bars(
            history.funding, history.funding_interval_hours, at, self._lag_ms, p.min_zscore_std_8h
        )
        oi_change = open_interest_change_pct(
            history.open_interest,
            at,
            p.oi_lookback_hours * HOUR_MS,
            p.oi_max_age_hours * HOUR_MS,
            self._lag_ms,
        )
        momentum, width = rsi(c.close, p.rsi_period), atr(c.high, c.low, c.close, p.atr_period)
        b = FrameBuilder(history.symbol, H1, at)
        z, avg, th = f.zscore_30d, f.avg_7d_per_8h, p.avg_rate_threshold_8h
        b.condition(f"funding_z>{p.zscore_entry:g}", z > p.zscore_entry, b.short_entry)
        b.condition(f"funding_z<-{p.zscore_entry:g}", z < -p.zscore_entry, b.long_entry)
        b.condition(f"avg7d>{th:g}/8h", avg > th, b.short_entry)
        b.condition(f"avg7d<-{th:g}/8h", avg < -th, b.long_entry)
        self._open_interest(b, oi_change)
        b.condition(f"rsi>{p.rsi_short_above:g}", momentum > p.rsi_short_above, b.short_entry)
        b.condition(f"rsi<{p.rsi_long_below:g}", momentum < p.rsi_long_below, b.long_entry)
        band = p.exit_zscore_band
        b.condition(f"funding_z<={band:g}", z <= band, b.short_exit)
        b.condition(f"funding_z>=-{band:g}", z >= -band, b.long_exit)
        for name, values in (
            ("close", c.close), ("funding_rate", f.rate), ("funding_avg7d", f.avg_7d),
            ("funding_avg7d_per_8h", avg), ("funding_z", z), ("funding_std30d", f.std_30d),
            ("funding_interval_hours", f.interval_hours), ("oi_change_pct", oi_change),
            ("rsi", momentum), ("atr", width),
        ):  # fmt: skip
            b.value(name, values)
        warm = np.arange(1, len(c) + 1) >= self.warmup_bars[H1]
        return b.build(
            stop_distance=p.stop_atr_mult * width,
            time_stop_bars=p.max_funding_periods * f.interval_hours * HOUR_MS / H1.ms,
            settled=warm & f.full_window,
        )

    def _open_interest(self, b: FrameBuilder, change: np.ndarray) -> None:
        """ "OI rising": the 24h change above the minimum. Unknown open interest blocks the
        entry unless `require_open_interest` is off, in which case it is not held against it."""
        p = self.params
        rising = change > p.oi_min_change_pct
        known = np.isfinite(change)
        b.condition("oi_known", known)
        if not p.require_open_interest:
            rising = rising | ~known
        name = f"oi_change_{p.oi_lookback_hours}h>{p.oi_min_change_pct:g}%"
        b.condition(name, rising, b.long_entry, b.short_entry)
