"""Funding paid and received by the walked positions, at the real settlement times.

A position pays or receives at settlement T when it was held at T: its entry filled before T
and the part in question left at or after T, `entry < T <= exit` (a fill at a bar's open comes
a moment after a settlement stamped at that open; an intrabar exit is taken at its bar's open,
so a settlement strictly inside that bar is not charged - only bars longer than the funding
interval have such settlements). The amount is `fills.funding_payment` on the position's value
at T: quantity still open x the close of the last bar closed at T (the data have no separate
mark price per bar). Everything is per unit of initial quantity; sizing scales it.

Vectorized: each position is cut into segments between its exit legs, each segment finds its
settlements with two `searchsorted` calls, and the settlements are expanded with `np.repeat`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np

from algotrading.backtest.trades import F64, I64, Bars, WalkedTrades, holding_pieces
from algotrading.domain.fills import funding_payment
from algotrading.domain.series import FundingHistory


@dataclass(frozen=True, slots=True)
class FundingFlows:
    """Per settlement charged to a position: which position, when, the bar whose close books
    it, and what one unit of initial quantity received (negative: paid)."""

    trade: I64
    time_ms: I64
    bar: I64
    per_unit: F64

    def __len__(self) -> int:
        return len(self.trade)

    @classmethod
    def empty(cls) -> FundingFlows:
        i = np.empty(0, dtype=np.int64)
        return cls(i, i, i, np.empty(0))


def funding_flows(walked: WalkedTrades, bars: Bars, history: FundingHistory | None) -> FundingFlows:
    """Every settlement each position was held at, per unit of initial quantity."""
    if history is None or len(history) == 0 or len(walked) == 0:
        return FundingFlows.empty()
    n = len(bars)
    trade, from_bar, to_bar, fraction = holding_pieces(walked, n)
    lo_ms = bars.start_ms[from_bar]
    hi_ms = np.where(to_bar < n, bars.start_ms[np.minimum(to_bar, n - 1)], bars.close_ms[-1])
    times, rates = history.time_ms, history.rate
    lo = np.searchsorted(times, lo_ms, side="right")
    hi = np.searchsorted(times, hi_ms, side="right")
    counts = np.maximum(hi - lo, 0)
    total = int(counts.sum())
    if total == 0:
        return FundingFlows.empty()
    offsets = np.cumsum(counts) - counts
    at = np.repeat(lo - offsets, counts) + np.arange(total)
    owner = np.repeat(trade, counts)
    marked = np.searchsorted(bars.close_ms, times[at], side="right") - 1
    mark = bars.close[np.maximum(marked, 0)]
    value = np.repeat(fraction, counts) * mark
    long = walked.side[owner] > 0
    per_unit = np.where(
        long, funding_payment(value, rates[at], True), funding_payment(value, rates[at], False)
    )
    booked = np.searchsorted(bars.start_ms, times[at], side="right") - 1
    order = np.lexsort((times[at], owner))
    return FundingFlows(owner[order], times[at][order], booked[order], per_unit[order])


def select_flows(flows: FundingFlows, keep: np.ndarray) -> FundingFlows:
    """The flows of the positions where `keep` is set, renumbered as `trades.select` does."""
    renumber = np.cumsum(keep) - 1
    mine = keep[flows.trade]
    return FundingFlows(renumber[flows.trade[mine]], flows.time_ms[mine], flows.bar[mine],
                        flows.per_unit[mine])  # fmt: skip


def per_trade(flows: FundingFlows, trades: int) -> F64:
    """Net funding per unit of each position."""
    # numpy's stubs type every bincount as integers; with float weights it is float64
    return cast(F64, np.bincount(flows.trade, weights=flows.per_unit, minlength=trades))
