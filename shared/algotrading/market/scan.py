"""Scanned universes: which symbols momentum and carry trade, and when the scan is taken.

Both start from every USDT perpetual the exchange lists as trading (the data set's symbols in a
backtest) and its daily candles: `rank_universe` keeps the liquid ones (no stablecoins, 31 days
of history, 14-day average turnover above the threshold, the most traded first).

- momentum: the top 30 by turnover, scanned at its weekly rebalance (the close at Monday 00:00
  UTC), so the week's basket is picked from the universe of that Monday;
- carry: of every liquid symbol, the `size` (20) whose 7-day mean funding per settlement, scaled
  to 8h, is furthest from zero (reference Step 4.4, "15-20 scanned dynamically: top funding
  extremes"); scanned daily at 00:00 UTC, with the settlements known `lag` before it (the 00:00
  settlement is published a few minutes late), so the scan is the same whenever it runs.

These are pure functions of candles and settlements: the executor feeds them from the exchange
(`execution.universe`) and the portfolio backtest from its data set
(`backtest.portfolio.universes`), so both trade the same symbols at the same closes. A strategy
names the scan it trades in its profile (`strategies.profile.StrategyProfile.universe`); this
module knows the scans, never the strategies.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

import numpy as np

from algotrading.domain.funding import DEFAULT_FUNDING_INTERVAL_H
from algotrading.domain.intervals import DAY_MS, HOUR_MS, MINUTE_MS
from algotrading.domain.series import Candles, FundingHistory
from algotrading.market.funding import infer_interval_hours
from algotrading.market.resample import WEEK_ANCHOR_MS
from algotrading.market.universe import UniverseConfig, rank_universe

WEEK_MS = 7 * DAY_MS
FUNDING_DAYS = 7
"""The funding window of the carry scan: the week its 7-day-mean rule reads."""
FUNDING_LAG_MS = 5 * MINUTE_MS
"""Settlements must be this old at the scan (carry's own `data_lag_minutes` default)."""


class Scan(StrEnum):
    """A scanned universe: which rule picks the symbols, and so when the scan is taken."""

    TURNOVER = "turnover"
    """The most traded liquid symbols, scanned weekly at Monday 00:00 UTC (momentum's)."""
    FUNDING = "funding"
    """The liquid symbols with the most extreme funding, scanned daily at 00:00 UTC (carry's)."""


def scan_time(scan: Scan, close_ms: int) -> int:
    """The scan in force at `close_ms`: the last Monday 00:00 UTC for a turnover scan, the last
    00:00 UTC for a funding scan."""
    if scan is Scan.TURNOVER:
        return close_ms - (close_ms - WEEK_ANCHOR_MS) % WEEK_MS
    if scan is Scan.FUNDING:
        return close_ms - close_ms % DAY_MS
    raise ValueError(f"{scan!r} is not a scanned universe")


def liquid_symbols(daily: Mapping[str, Candles], as_of_ms: int, cfg: UniverseConfig) -> list[str]:
    """The symbols `rank_universe` keeps (the `cfg.size` most traded liquid ones), sorted."""
    return sorted(r.symbol for r in rank_universe(daily, as_of_ms, cfg).ranked)


def momentum_universe(
    daily: Mapping[str, Candles], as_of_ms: int, cfg: UniverseConfig
) -> list[str]:
    """Momentum's universe at a scan: the top `cfg.size` by turnover (its ranking is done by the
    strategy on exactly these, and gives the same order as on every symbol)."""
    return liquid_symbols(daily, as_of_ms, cfg)


def carry_candidates(daily: Mapping[str, Candles], as_of_ms: int, cfg: UniverseConfig) -> list[str]:
    """The liquid symbols whose funding the carry scan reads (no top-N cut by turnover)."""
    return liquid_symbols(daily, as_of_ms, UniverseConfig(
        min_avg_turnover=cfg.min_avg_turnover, size=10_000, turnover_days=cfg.turnover_days,
    ))  # fmt: skip


def funding_extremity(history: FundingHistory, as_of_ms: int) -> float | None:
    """|mean settled rate| of the 7 days before the scan (settlements in (t - 7d - lag, t -
    lag]), per 8h (x 8 / the inferred interval); None without settlements in the window."""
    end = as_of_ms - FUNDING_LAG_MS
    keep = (history.time_ms > end - FUNDING_DAYS * DAY_MS) & (history.time_ms <= end)
    if not keep.any():
        return None
    hours = infer_interval_hours(history.time_ms[keep]) or DEFAULT_FUNDING_INTERVAL_H
    mean = float(np.mean(history.rate[keep]))
    return abs(mean) * 8 * HOUR_MS / (hours * HOUR_MS)


def carry_universe(funding: Mapping[str, FundingHistory], as_of_ms: int, size: int) -> list[str]:
    """The `size` symbols of `funding` (the liquid candidates) with the most extreme funding,
    sorted by symbol; ties in extremity go to the symbol first in the alphabet."""
    scored = {s: funding_extremity(h, as_of_ms) for s, h in funding.items()}
    ranked = sorted((s for s, v in scored.items() if v is not None),
                    key=lambda s: (-(scored[s] or 0.0), s))  # fmt: skip
    return sorted(ranked[:size])
