"""Candidate entries of one symbol: every row that would open a position if the symbol were
flat, with the fills both walks share.

A candidate is a settled row with exactly one entry flag, from the bar closing at the span's start
to the next-to-last bar (its entry needs a next open). Rows with both flags are ignored and
counted, as are entry rows not settled (docs/STRATEGIES.md: their values still depend on where
the history began). The entry fill (next open, slipped against the taker) and the isolated-margin
liquidation and bankruptcy prices are computed here once, as arrays, for both walks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from algotrading.backtest.trades import F64, I64, Bars
from algotrading.domain.fills import (
    MAINTENANCE_MARGIN_RATE,
    bankruptcy_price,
    liquidation_price,
    market_fill_prices,
)
from algotrading.strategies.base import SignalFrame

Path = Literal["auto", "fast", "stepped"]


@dataclass(frozen=True, slots=True)
class WalkSettings:
    """Fill settings the walk needs; `path` forces one walk (tests compare them)."""

    slippage_bps: float = 2.0
    maintenance_margin_rate: float = MAINTENANCE_MARGIN_RATE
    path: Path = "auto"
    close_at_end: bool = False
    """A close-time exit (signal, time stop) decided at the span's last close fills at that
    close, slipped, as the executor's market order sent then does (leg bar: one past the last);
    off, the position stays open at the end (the single-strategy walk)."""


@dataclass(frozen=True, slots=True)
class Candidates:
    """The candidates of one symbol, by row ascending (see the module docstring)."""

    rows: I64
    side: I64
    entry_price: F64
    liquidation: F64
    bankruptcy: F64
    weight: F64
    counts: dict[str, int]

    def __len__(self) -> int:
        return len(self.rows)


def find_candidates(
    frame: SignalFrame, bars: Bars, leverage: float, settings: WalkSettings
) -> Candidates:
    """Settled entry rows from the bar closing at the span's start to the next-to-last bar."""
    n = len(bars)
    if len(frame) != n:
        raise ValueError(f"{bars.symbol}: frame has {len(frame)} rows, candles {n}")
    lo, hi = max(bars.first - 1, 0), max(n - 1, 0)  # the span's signal rows: [lo, hi)
    longs, shorts, settled = frame.entry_long[lo:hi], frame.entry_short[lo:hi], frame.settled[lo:hi]
    both = longs & shorts
    wanted = (longs | shorts) & ~both
    found = np.flatnonzero(wanted & settled)
    rows = found + lo
    side = np.where(longs[found], 1, -1).astype(np.int64)
    entry = market_fill_prices(bars.open[rows + 1], side > 0, settings.slippage_bps)
    mmr, long = settings.maintenance_margin_rate, side > 0
    # the fill model's prices are entry x a factor: its factors, times every entry at once
    liq = entry * np.where(long, liquidation_price(1.0, True, leverage, mmr),
                           liquidation_price(1.0, False, leverage, mmr))  # fmt: skip
    bankrupt = entry * np.where(long, bankruptcy_price(1.0, True, leverage),
                                bankruptcy_price(1.0, False, leverage))  # fmt: skip
    counts = {
        "entry_rows_unsettled": int((wanted & ~settled).sum()),
        "entry_rows_conflicting": int(both.sum()),
    }
    weight = np.full(len(rows), np.nan) if frame.weight is None else frame.weight[rows]
    return Candidates(rows, side, entry, liq, bankrupt, np.asarray(weight, dtype=float), counts)
