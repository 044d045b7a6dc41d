"""The momentum universe: which perpetuals are liquid enough, and how they rank.

As of a time t, using only daily candles that closed by t (a scan at Monday 00:00 UTC sees
Sunday's candle as its last): keep USDT linear perpetuals that are trading (have the last day's
candle), are not stablecoins and have 31 consecutive days of history (ROC 30 needs 31 closes);
keep those whose average daily turnover over the last 14 days exceeds 10 M USD; take the 30 with
the most turnover; score each, and rank by momentum per unit of volatility, so a quiet steady
riser outranks a wild one with the same return.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.domain.series import Candles
from algotrading.indicators import realized_vol, roc
from algotrading.market.candles import DataFileCandleSource
from algotrading.market.datafiles import DataSet

STABLECOIN_BASES = frozenset(
    {
        "USDT", "USDC", "DAI", "FDUSD", "TUSD", "BUSD", "USDE", "USDD", "PYUSD", "USDP",
        "GUSD", "FRAX", "LUSD", "SUSD", "USD1", "RLUSD", "USDS", "USDG", "EURC", "EURT",
        "EURS", "AEUR",
    }
)  # fmt: skip
"""Bases pegged to a fiat currency: no momentum to trade (gold tokens are not on this list)."""

_USDT_PERP = re.compile(r"^(?P<base>[A-Z0-9]{2,})USDT$")
_MULTIPLIER = re.compile(r"^(?:10{3,})?(?P<base>[A-Z0-9]+?)(?:10{3,})?$")
"""Contract multipliers around a base: 1000PEPE, SHIB1000, 1000000MOG."""


@dataclass(frozen=True, slots=True)
class UniverseConfig:
    """The scan's rules; the defaults are the momentum strategy's (reference Step 4.5)."""

    min_avg_turnover: float = 10_000_000.0
    size: int = 30
    turnover_days: int = 14
    roc_periods: tuple[int, int, int] = (7, 14, 30)
    roc_weights: tuple[float, float, float] = (0.40, 0.35, 0.25)
    vol_days: int = 14
    corr_days: int = 30
    drawdown_days: int = 30
    benchmark: str = "BTCUSDT"
    stablecoins: frozenset[str] = field(default=STABLECOIN_BASES)

    @property
    def history_days(self) -> int:
        """Consecutive daily candles a symbol needs for every metric."""
        return 1 + max(*self.roc_periods, self.vol_days, self.corr_days, self.turnover_days)


@dataclass(frozen=True, slots=True)
class RankedSymbol:
    """One symbol's scores. ROC, composite and drawdown in percent; volatility annualised
    (0.6 = 60 %); turnover in USD per day; `vol_adjusted` = composite / realized_vol."""

    rank: int
    symbol: str
    avg_turnover: float
    roc_7: float
    roc_14: float
    roc_30: float
    composite: float
    realized_vol: float
    vol_adjusted: float
    corr_btc: float
    drawdown: float
    close: float


@dataclass(frozen=True, slots=True)
class Exclusion:
    symbol: str
    reason: str


@dataclass(frozen=True, slots=True)
class UniverseRanking:
    """The ranking as of `as_of_ms`; `last_day_ms` is the open time of the last day used."""

    as_of_ms: int
    last_day_ms: int
    ranked: list[RankedSymbol]
    excluded: list[Exclusion]


def base_coin(symbol: str) -> str | None:
    """`1000PEPEUSDT` -> `PEPE`; None when `symbol` is not a USDT linear perpetual name."""
    match = _USDT_PERP.match(symbol)
    if match is None:
        return None
    scaled = _MULTIPLIER.match(match["base"])
    return scaled["base"] if scaled is not None else match["base"]


def last_day_start(as_of_ms: int) -> int:
    """Open time of the last daily candle that has closed by `as_of_ms`."""
    return as_of_ms // DAY_MS * DAY_MS - DAY_MS


def rank_universe(
    daily: Mapping[str, Candles], as_of_ms: int, config: UniverseConfig | None = None
) -> UniverseRanking:
    """Filter, pick the most traded and rank `daily` candles (1d, any length) as of a time."""
    cfg = config or UniverseConfig()
    last_day = last_day_start(as_of_ms)
    windows: dict[str, Candles] = {}
    excluded: list[Exclusion] = []
    for symbol in sorted(daily):
        window, reason = _eligible(symbol, daily[symbol], last_day, cfg)
        if reason is not None:
            excluded.append(Exclusion(symbol, reason))
        else:
            windows[symbol] = window
    turnover = {s: float(w.turnover[-cfg.turnover_days :].mean()) for s, w in windows.items()}
    liquid = [s for s in windows if turnover[s] > cfg.min_avg_turnover]
    for symbol in windows:
        if symbol not in liquid:
            excluded.append(Exclusion(symbol, _low_turnover(turnover[symbol], cfg)))
    liquid.sort(key=lambda s: (-turnover[s], s))
    for symbol in liquid[cfg.size :]:
        excluded.append(Exclusion(symbol, f"not in the top {cfg.size} by turnover"))
    bench = _benchmark_window(daily.get(cfg.benchmark), last_day, cfg)
    scored = [_score(s, windows[s], turnover[s], bench, cfg) for s in liquid[: cfg.size]]
    scored.sort(key=lambda r: (-_or_inf(r.vol_adjusted), r.symbol))
    ranked = [replace(r, rank=i + 1) for i, r in enumerate(scored)]
    return UniverseRanking(as_of_ms, last_day, ranked, excluded)


def _eligible(
    symbol: str, candles: Candles, last_day: int, cfg: UniverseConfig
) -> tuple[Candles, str | None]:
    base = base_coin(symbol)
    if base is None:
        return candles, "not a USDT perpetual"
    if base in cfg.stablecoins:
        return candles, "stablecoin"
    window = _window(candles, last_day, cfg.history_days)
    if window is None:
        cut = candles.between(None, last_day + 1)
        if len(cut) == 0 or cut.start_ms[-1] != last_day:
            return candles, "no candle for the last day (not trading)"
        return candles, f"fewer than {cfg.history_days} consecutive days of history"
    return window, None


def _window(candles: Candles, last_day: int, days: int) -> Candles | None:
    """The `days` daily candles ending with `last_day`, or None if any is missing."""
    upto = candles.between(None, last_day + 1)
    window = upto.slice(max(0, len(upto) - days))
    expected = last_day - DAY_MS * np.arange(days - 1, -1, -1, dtype=np.int64)
    if len(window) != days or not np.array_equal(window.start_ms, expected):
        return None
    return window


def _benchmark_window(
    candles: Candles | None, last_day: int, cfg: UniverseConfig
) -> Candles | None:
    return None if candles is None else _window(candles, last_day, cfg.corr_days + 1)


def _score(
    symbol: str, window: Candles, turnover: float, bench: Candles | None, cfg: UniverseConfig
) -> RankedSymbol:
    close = window.close
    rocs = [float(roc(close, n)[-1]) for n in cfg.roc_periods]
    composite = sum(w * r for w, r in zip(cfg.roc_weights, rocs, strict=True))
    vol = float(realized_vol(close[-(cfg.vol_days + 1) :], cfg.vol_days)[-1])
    adjusted = composite / vol if vol > 0 else math.nan
    peak = float(window.high[-cfg.drawdown_days :].max())
    return RankedSymbol(
        rank=0,
        symbol=symbol,
        avg_turnover=turnover,
        roc_7=rocs[0],
        roc_14=rocs[1],
        roc_30=rocs[2],
        composite=composite,
        realized_vol=vol,
        vol_adjusted=adjusted,
        corr_btc=_correlation(close, bench, cfg.corr_days),
        drawdown=(float(close[-1]) / peak - 1) * 100,
        close=float(close[-1]),
    )


def _correlation(close: np.ndarray, bench: Candles | None, days: int) -> float:
    """Pearson correlation of the last `days` daily returns with the benchmark's."""
    if bench is None:
        return math.nan
    mine = np.diff(close[-(days + 1) :]) / close[-(days + 1) : -1]
    theirs = np.diff(bench.close) / bench.close[:-1]
    if mine.std() == 0 or theirs.std() == 0:
        return math.nan
    return float(np.corrcoef(mine, theirs)[0, 1])


def _low_turnover(turnover: float, cfg: UniverseConfig) -> str:
    return (
        f"{cfg.turnover_days}d average turnover {turnover:,.0f} USD/day "
        f"<= {cfg.min_avg_turnover:,.0f}"
    )


def _or_inf(value: float) -> float:
    return -math.inf if math.isnan(value) else value


def daily_candles(dataset: DataSet) -> dict[str, Candles]:
    """1d candles of every symbol with klines, resampled from shorter files where needed."""
    source = DataFileCandleSource(dataset)
    return {s: source.series(s, Interval.D1) for s in dataset.symbols() if dataset.intervals(s)}


def data_end_ms(daily: Mapping[str, Candles]) -> int | None:
    """Close time of the latest daily candle in the data: the default as-of."""
    ends = [int(c.start_ms[-1]) + DAY_MS for c in daily.values() if len(c)]
    return max(ends) if ends else None
