"""Strategy 4, cross-sectional momentum rotation (reference Step 4.5): every Monday 00:00 UTC rank
the liquid universe by volatility-adjusted momentum (the universe scanner's ranking, reused as
is), hold the top of the ranking long and the bottom short, and size them for equal volatility.
Shorts are skipped while BTC closes above its 50-day EMA; coins more than 60 % below their 30-day
high are never bought. Rules and the reasons for each reading: docs/STRATEGIES.md.

Signals are basket membership at each rebalance bar (the daily bar closing at Monday 00:00):
`entry_long` is true for every member of the long basket (a member already held is a hold for
the executor), `exit_long` for every symbol not in it. One loop per rebalance week; everything
else is vectorized.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
from pydantic import Field

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.domain.trades import StrategyId
from algotrading.indicators import atr, ema, get_indicator
from algotrading.market.resample import WEEK_ANCHOR_MS
from algotrading.market.scan import Scan
from algotrading.market.universe import RankedSymbol, UniverseConfig, rank_universe
from algotrading.strategies.align import close_times
from algotrading.strategies.base import (
    MarketHistory,
    PolicySizing,
    PositionPolicy,
    SignalFrame,
    Strategy,
    check_history_keys,
)
from algotrading.strategies.build import F64, FrameBuilder
from algotrading.strategies.params import StrategyParams
from algotrading.strategies.profile import Cadence, StrategyProfile
from algotrading.strategies.window import WINDOW_TOLERANCE, warmup

D1, W1 = Interval.D1, Interval.W1


class MomentumParams(StrategyParams):
    strategy_id = "momentum"

    basket_size: int = Field(5, ge=1, le=15)
    symbols_per_basket_slot: int = Field(3, ge=2, le=10)
    drawdown_exclude_pct: float = Field(60.0, gt=0, le=100)
    benchmark: str = Field("BTCUSDT", min_length=5, max_length=30, pattern=r"^[A-Z0-9]+USDT$")
    benchmark_ema_period: int = Field(50, ge=2, le=400)
    atr_period: int = Field(14, ge=1, le=100)
    stop_atr_mult: float = Field(3.0, gt=0, le=20)
    universe_size: int = Field(30, ge=2, le=200)
    min_avg_turnover: float = Field(10_000_000.0, ge=0)
    turnover_days: int = Field(14, ge=1, le=90)
    leverage: float = Field(2.0, ge=1, le=2)


@dataclass(frozen=True, slots=True)
class Baskets:
    """One rebalance: who is long, who is short, and why."""

    close_ms: int
    longs: tuple[str, ...]
    shorts: tuple[str, ...]
    bottom: tuple[str, ...]
    """The bottom of the ranking, shorted unless the bull filter is on."""
    shorts_allowed: bool
    weights: Mapping[str, float]
    ranked: Mapping[str, RankedSymbol]
    slots: int


def is_rebalance(close_ms: np.ndarray) -> np.ndarray:
    """Bars closing exactly at a Monday 00:00 UTC (the weekly grid of the resampler)."""
    on_grid: np.ndarray = (close_ms - WEEK_ANCHOR_MS) % W1.ms == 0
    return on_grid


class MomentumStrategy(Strategy[MomentumParams]):
    id = StrategyId("momentum")
    title = "Cross-sectional momentum rotation"
    timeframes = (D1,)
    default_symbols = (
        "BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "BNBUSDT", "ADAUSDT",
        "AVAXUSDT", "LINKUSDT", "DOTUSDT", "LTCUSDT", "BCHUSDT", "TRXUSDT", "XLMUSDT",
        "HBARUSDT", "SUIUSDT", "NEARUSDT", "AAVEUSDT", "ARBUSDT", "OPUSDT", "WLDUSDT",
        "ENAUSDT", "ONDOUSDT", "TONUSDT", "1000PEPEUSDT", "SHIB1000USDT", "RENDERUSDT",
        "ALGOUSDT", "VETUSDT", "ZECUSDT",
    )  # fmt: skip
    default_allocation_pct = Decimal(30)
    profile = StrategyProfile(order_code="M", cadence=Cadence.WEEKLY, universe=Scan.TURNOVER)
    params_type = MomentumParams

    @property
    def universe_config(self) -> UniverseConfig:
        p = self.params
        return UniverseConfig(
            min_avg_turnover=p.min_avg_turnover,
            size=p.universe_size,
            turnover_days=p.turnover_days,
            benchmark=p.benchmark,
        )

    def context_symbols(self) -> tuple[str, ...]:
        """The benchmark: its daily close against its EMA is the bull filter."""
        return (self.params.benchmark,)

    @property
    def warmup_bars(self) -> Mapping[Interval, int]:
        p = self.params
        return {
            D1: warmup(
                get_indicator("ema").min_history(WINDOW_TOLERANCE, period=p.benchmark_ema_period),
                get_indicator("atr").min_history(WINDOW_TOLERANCE, period=p.atr_period),
                self.universe_config.history_days,
            )
        }

    @property
    def policy(self) -> PositionPolicy:
        return PositionPolicy(
            initial_stop=True,
            exit_on_signal=True,
            leverage=self.params.leverage,
            sizing=PolicySizing.WEIGHT,
        )

    def frames(
        self, histories: Mapping[str, MarketHistory], since_ms: int | None = None
    ) -> dict[str, SignalFrame]:
        """Rankings are computed for the rebalances from `since_ms` on only (the costly part:
        a live evaluation needs this week's, not every Monday of its window)."""
        check_history_keys(histories)
        daily = {s: h.require(D1, self.id) for s, h in histories.items()}
        widths = {s: atr(c.high, c.low, c.close, self.params.atr_period) for s, c in daily.items()}
        bull = self._benchmark_above_ema(daily)
        closes = [close_times(c, D1) for c in daily.values()]
        times = np.unique(np.concatenate(closes or [np.array([])]))
        weeks = [int(t) for t in times[is_rebalance(times)] if since_ms is None or t >= since_ms]
        baskets = {t: self.baskets(daily, widths, t, bull) for t in weeks}
        return {s: self._frame(s, daily[s], widths[s], baskets) for s in daily}

    def baskets(
        self,
        daily: Mapping[str, Candles],
        widths: Mapping[str, F64],
        close_ms: int,
        bull: Mapping[int, bool],
    ) -> Baskets:
        """The baskets at the rebalance closing at `close_ms` (see docs/STRATEGIES.md)."""
        p = self.params
        ranking = rank_universe(daily, close_ms, self.universe_config)
        vol = {
            r.symbol: _atr_fraction(daily[r.symbol], widths[r.symbol], close_ms)
            for r in ranking.ranked
        }
        ranked = [
            r
            for r in ranking.ranked
            if math.isfinite(r.vol_adjusted) and math.isfinite(vol[r.symbol])
        ]
        slots = min(p.basket_size, len(ranked) // p.symbols_per_basket_slot)
        bottom = tuple(r.symbol for r in ranked[len(ranked) - slots :]) if slots else ()
        allowed = bull.get(close_ms) is False
        longs = tuple(
            r.symbol
            for r in ranked
            if r.symbol not in bottom and r.drawdown >= -p.drawdown_exclude_pct
        )[:slots]
        shorts = bottom if allowed else ()
        inverse = {s: 1.0 / vol[s] for s in (*longs, *shorts)}
        total = sum(inverse.values())
        weights = {s: v / total for s, v in inverse.items()}
        return Baskets(
            close_ms=close_ms,
            longs=longs,
            shorts=shorts,
            bottom=bottom,
            shorts_allowed=allowed,
            weights=weights,
            ranked={r.symbol: r for r in ranked},
            slots=slots,
        )

    def _benchmark_above_ema(self, daily: Mapping[str, Candles]) -> dict[int, bool]:
        """For each daily close time of the benchmark: close > EMA (unknown times absent)."""
        bench = daily.get(self.params.benchmark)
        if bench is None:
            return {}
        line = ema(bench.close, self.params.benchmark_ema_period)
        known = np.isfinite(line)
        above = bench.close > line
        at = close_times(bench, D1)
        return {int(t): bool(a) for t, a, k in zip(at, above, known, strict=True) if k}

    def _frame(
        self, symbol: str, daily: Candles, width: F64, baskets: Mapping[int, Baskets]
    ) -> SignalFrame:
        p = self.params
        at = close_times(daily, D1)
        n = len(at)
        cols = {name: np.zeros(n, dtype=bool) for name in ("rebalance", "long", "bottom", "ok")}
        vals = {name: np.full(n, np.nan) for name in ("rank", "score", "drawdown", "weight")}
        for i in np.flatnonzero(is_rebalance(at)):
            week = baskets.get(int(at[i]))
            if week is None:
                continue
            cols["rebalance"][i] = True
            cols["long"][i] = symbol in week.longs
            cols["bottom"][i] = symbol in week.bottom
            cols["ok"][i] = week.shorts_allowed
            row = week.ranked.get(symbol)
            if row is not None:
                vals["rank"][i], vals["score"][i] = row.rank, row.vol_adjusted
                vals["drawdown"][i] = row.drawdown
            vals["weight"][i] = week.weights.get(symbol, np.nan)
        b = FrameBuilder(symbol, D1, at)
        reb, ema_p = cols["rebalance"], p.benchmark_ema_period
        b.condition("monday_rebalance", reb, b.long_entry, b.short_entry)
        b.condition("in_long_basket", cols["long"], b.long_entry)
        b.condition("in_bottom_ranks", cols["bottom"], b.short_entry)
        b.condition(f"benchmark_close<=ema{ema_p}", cols["ok"], b.short_entry)
        b.condition("left_long_basket", reb & ~cols["long"], b.long_exit)
        short_held = cols["bottom"] & cols["ok"]
        b.condition("left_short_basket", reb & ~short_held, b.short_exit)
        for name, values in vals.items():
            b.value(name, values)
        b.value("atr", width)
        settled = np.arange(1, n + 1) >= self.warmup_bars[D1]
        return b.build(
            stop_distance=p.stop_atr_mult * width,
            weight=vals["weight"],
            settled=settled,
        )


def _atr_fraction(daily: Candles, width: F64, close_ms: int) -> float:
    """ATR / close of the day closing at `close_ms`: the symbol's daily volatility."""
    i = int(np.searchsorted(daily.start_ms, close_ms - D1.ms))
    if i == len(daily) or int(daily.start_ms[i]) != close_ms - D1.ms:
        return math.nan
    fraction = float(width[i]) / float(daily.close[i])
    return fraction if fraction > 0 else math.nan
