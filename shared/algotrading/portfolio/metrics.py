"""Performance metrics of an equity curve and of a list of trade results (pure, numpy floats).

One definition for the live equity tracker and every backtest, so a backtest's Sharpe and the
dashboard's mean the same thing. Definitions (docs/RISK.md, "Metrics"):

- The curve is (UTC ms, equity) points, times strictly increasing, equity including
  unrealized PnL.
- **Daily returns**: the curve resampled to UTC calendar days (each day's close is its last
  point; a day without points keeps the previous close), then close / previous close - 1. N
  days give N - 1 returns. If the equity reaches zero or below, returns stop there (ruin: the
  last one is -100 % or worse, nothing after it is a return).
- **Sharpe** = mean / std (ddof=1) x sqrt(365), risk-free rate 0. **Sortino** = mean /
  downside deviation x sqrt(365), downside deviation = sqrt(mean(min(r, 0)^2)) over all N
  returns (target 0). Crypto trades every day, hence 365, not 252.
- **CAGR** = (last / first) ^ (365 days / span) - 1; **Calmar** = CAGR / max drawdown.
- **Max drawdown**: the largest fall from a running peak, as a fraction of the peak (0.25 =
  25 %), on the raw points (not resampled). **Duration**: the longest time under water, from a
  peak to the first point back at or above it (or to the last point if it never got back).
- **Trades**: a win has net PnL > 0, a loss < 0, a break-even trade counts in the total only.
  Win rate = wins / trades; profit factor = gross profit / gross loss; expectancy = mean PnL;
  average win and average loss (negative).

Undefined values are None, never inf or NaN (they go to JSON and NUMERIC columns): Sharpe or
Sortino with fewer than 2 returns or no variation (a flat curve) or, for Sortino, no losing day;
CAGR and Calmar for a curve spanning less than one day, or with no drawdown; profit factor
without a losing trade (win rate 1.0 tells that story); every trade figure without trades.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import DAY_MS

PERIODS_PER_YEAR = 365
_EPS = 1e-12  # a return deviation below this is float noise, not variation

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]


def as_curve(times_ms: npt.ArrayLike, equity: npt.ArrayLike) -> tuple[I64, F64]:
    """Validated int64 times and float64 equity (ValueError on bad input)."""
    t = np.asarray(times_ms, dtype=np.int64)
    e = np.asarray(equity, dtype=np.float64)
    if t.ndim != 1 or e.ndim != 1 or len(t) != len(e):
        raise ValueError(f"times and equity must be 1-d and equally long ({t.shape} vs {e.shape})")
    if len(t) == 0:
        raise ValueError("an equity curve needs at least one point")
    if not np.all(np.isfinite(e)):
        raise ValueError("equity must be finite")
    if np.any(np.diff(t) <= 0):
        raise ValueError("equity curve times must be strictly increasing")
    return t, e


def daily_closes(times_ms: npt.ArrayLike, equity: npt.ArrayLike) -> tuple[I64, F64]:
    """(start of each UTC day from the first to the last, that day's closing equity)."""
    t, e = as_curve(times_ms, equity)
    days = t // DAY_MS
    all_days = np.arange(days[0], days[-1] + 1, dtype=np.int64)
    # index of the last point at or before the end of each day: forward-fills empty days
    last = np.searchsorted(days, all_days, side="right") - 1
    return all_days * DAY_MS, e[last]


def daily_returns(times_ms: npt.ArrayLike, equity: npt.ArrayLike) -> F64:
    """Day-over-day returns of the daily closes (see the module docstring for ruin)."""
    _, closes = daily_closes(times_ms, equity)
    return simple_returns(closes)


def simple_returns(values: F64) -> F64:
    """values[i] / values[i-1] - 1, stopping after the first value at or below zero."""
    ruined = np.flatnonzero(values <= 0)
    if len(ruined):
        values = values[: ruined[0] + 1]
    return values[1:] / values[:-1] - 1.0


def sharpe_ratio(returns: npt.ArrayLike, periods_per_year: int = PERIODS_PER_YEAR) -> float | None:
    r = np.asarray(returns, dtype=np.float64)
    if len(r) < 2:
        return None
    std = float(np.std(r, ddof=1))
    if std <= _EPS:
        return None
    return float(np.mean(r)) / std * math.sqrt(periods_per_year)


def sortino_ratio(returns: npt.ArrayLike, periods_per_year: int = PERIODS_PER_YEAR) -> float | None:
    r = np.asarray(returns, dtype=np.float64)
    if len(r) < 2:
        return None
    downside = math.sqrt(float(np.mean(np.minimum(r, 0.0) ** 2)))
    if downside <= _EPS:
        return None
    return float(np.mean(r)) / downside * math.sqrt(periods_per_year)


def cagr(times_ms: npt.ArrayLike, equity: npt.ArrayLike) -> float | None:
    """Compound annual growth over the curve's calendar span (None under one day)."""
    t, e = as_curve(times_ms, equity)
    span_days = (int(t[-1]) - int(t[0])) / DAY_MS
    if span_days < 1 or e[0] <= 0:
        return None
    if e[-1] <= 0:
        return -1.0
    exponent = math.log(e[-1] / e[0]) * PERIODS_PER_YEAR / span_days
    if exponent > 700:  # beyond any float; a tiny span annualized is meaningless anyway
        return None
    return math.exp(exponent) - 1.0


@dataclass(frozen=True, slots=True)
class DrawdownStats:
    """The deepest fall (fraction of the peak) and the longest time under water (ms)."""

    max_drawdown: float
    peak_ms: int | None
    trough_ms: int | None
    recovery_ms: int | None
    max_duration_ms: int


def max_drawdown(times_ms: npt.ArrayLike, equity: npt.ArrayLike) -> DrawdownStats:
    t, e = as_curve(times_ms, equity)
    run_max = np.maximum.accumulate(e)
    with np.errstate(divide="ignore", invalid="ignore"):
        dd = np.where(run_max > 0, (run_max - e) / run_max, 0.0)
    at_peak = e >= run_max
    peak_idx = np.maximum.accumulate(np.where(at_peak, np.arange(len(e)), 0))
    under = ~at_peak
    durations = np.zeros(len(e), dtype=np.int64)
    if len(e) > 1:  # a point under water, or the first one back, extends the stretch
        stretch = under[1:] | under[:-1]
        durations[1:] = np.where(stretch, t[1:] - t[peak_idx[:-1]], 0)
    worst = int(np.argmax(dd))
    if dd[worst] <= 0:
        return DrawdownStats(0.0, None, None, None, 0)
    peak = int(peak_idx[worst])
    back = np.flatnonzero(e[worst:] >= e[peak])
    recovery = int(t[worst + back[0]]) if len(back) else None
    return DrawdownStats(float(dd[worst]), int(t[peak]), int(t[worst]), recovery,
                         int(durations.max()))  # fmt: skip


def calmar_ratio(times_ms: npt.ArrayLike, equity: npt.ArrayLike) -> float | None:
    growth = cagr(times_ms, equity)
    depth = max_drawdown(times_ms, equity).max_drawdown
    if growth is None or depth <= 0:
        return None
    return growth / depth


@dataclass(frozen=True, slots=True)
class TradeStats:
    count: int
    wins: int
    losses: int
    win_rate: float | None
    profit_factor: float | None
    expectancy: float | None
    avg_win: float | None
    avg_loss: float | None
    gross_profit: float
    gross_loss: float


def trade_stats(pnls: npt.ArrayLike) -> TradeStats:
    """Statistics of net trade results (after fees and funding)."""
    p = np.asarray(pnls, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(p)):
        raise ValueError("trade PnLs must be finite")
    won, lost = p[p > 0], p[p < 0]
    gross_profit, gross_loss = float(won.sum()), float(-lost.sum())
    n = len(p)
    return TradeStats(
        count=n,
        wins=len(won),
        losses=len(lost),
        win_rate=len(won) / n if n else None,
        profit_factor=gross_profit / gross_loss if gross_loss > 0 else None,
        expectancy=float(p.mean()) if n else None,
        avg_win=float(won.mean()) if len(won) else None,
        avg_loss=float(lost.mean()) if len(lost) else None,
        gross_profit=gross_profit,
        gross_loss=gross_loss,
    )


@dataclass(frozen=True, slots=True)
class PerformanceSummary:
    """Everything above for one curve and its trades."""

    total_return: float | None
    cagr: float | None
    sharpe: float | None
    sortino: float | None
    calmar: float | None
    drawdown: DrawdownStats
    trades: TradeStats


def summarize(
    times_ms: npt.ArrayLike, equity: npt.ArrayLike, pnls: npt.ArrayLike = ()
) -> PerformanceSummary:
    t, e = as_curve(times_ms, equity)
    returns = daily_returns(t, e)
    total = float(e[-1] / e[0] - 1.0) if e[0] > 0 else None
    return PerformanceSummary(
        total_return=total,
        cagr=cagr(t, e),
        sharpe=sharpe_ratio(returns),
        sortino=sortino_ratio(returns),
        calmar=calmar_ratio(t, e),
        drawdown=max_drawdown(t, e),
        trades=trade_stats(pnls),
    )
