"""Quantities of the walked positions, in entry order across all symbols.

The sizing equity at an entry is the starting capital plus the net result (price PnL - fees +
funding) of every position whose last fill came at or before the entry's fill: exits before
entries, as the executor processes a bar. An entry fills at a bar's open, so `done_ms` is when
a position's last leg is done (`trades.leg_done_ms`): a market exit at that open comes first, a
stop inside the bar only at its close (the portfolio backtest books legs by the same rule).
Open positions' unrealized PnL is not counted (a loss not yet taken is not spent yet, a gain
not yet taken cannot be spent yet).

Each mode gives a wanted quantity (`config.SizingMode`); every mode but `units` is then capped
by the free margin: (sizing equity - margin of the positions still open) x leverage / price,
the risk module's sleeve-allocation rule. An entry the free margin cannot fund at all gets
quantity 0 and is counted (`entries_unfunded`); the symbol still counts as held until that
position's exit, as the walk decided without knowing sizes. With equity at or below zero
nothing more is bought.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np

from algotrading.backtest.config import BacktestSizing, SizingMode
from algotrading.backtest.trades import F64, I64

NEVER = np.iinfo(np.int64).max
"""`done_ms` of a position still open when the span ends."""


@dataclass(frozen=True, slots=True)
class UnitBook:
    """One row per position of the run (all symbols), per unit of quantity, sorted by entry
    time. `net_unit` is realized at `done_ms`; `unit_risk` is the loss at the stop per unit."""

    entry_ms: I64
    done_ms: I64
    price: F64
    unit_risk: F64
    weight: F64
    net_unit: F64

    def __len__(self) -> int:
        return len(self.entry_ms)


def unit_risk(price: F64, stop: F64, fee_rate: float) -> F64:
    """The risk module's loss at the stop per unit (risk.types.TradeProposal.unit_risk):
    |entry - stop| + (entry + stop) x fee rate."""
    return np.abs(price - stop) + (price + stop) * fee_rate


def size_positions(
    book: UnitBook, sizing: BacktestSizing, capital: float, leverage: float
) -> tuple[F64, int]:
    """(quantity per row, entries that could not be funded)."""
    n = len(book)
    if sizing.mode is SizingMode.UNITS:
        return np.full(n, float(sizing.units or 0.0)), 0
    wanted_per_equity = _wanted_per_equity(book, sizing, leverage)
    cap_per_equity = leverage / book.price
    qty = np.zeros(n)
    entry, done = book.entry_ms.tolist(), book.done_ms.tolist()
    want, cap = wanted_per_equity.tolist(), cap_per_equity.tolist()
    net, margin_unit = book.net_unit.tolist(), (book.price / leverage).tolist()
    equity, used, unfunded = float(capital), 0.0, 0
    open_: list[tuple[int, int]] = []
    for i in range(n):
        while open_ and open_[0][0] <= entry[i]:
            _, j = heapq.heappop(open_)
            equity += qty[j] * net[j]
            used -= qty[j] * margin_unit[j]
        q = 0.0
        if equity > 0:
            free = max(equity - used, 0.0)
            q = min(equity * want[i], free * cap[i])
            q = q if q > 0 and math.isfinite(q) else 0.0
        unfunded += int(q == 0.0)
        qty[i] = q
        used += q * margin_unit[i]
        heapq.heappush(open_, (done[i], i))
    return qty, unfunded


def _wanted_per_equity(book: UnitBook, sizing: BacktestSizing, leverage: float) -> F64:
    """Quantity wanted per unit of sizing equity."""
    if sizing.mode is SizingMode.RISK:
        with np.errstate(divide="ignore", invalid="ignore"):
            return (sizing.risk_pct or 0.0) / 100.0 / book.unit_risk
    if sizing.mode is SizingMode.WEIGHT:
        return np.nan_to_num(book.weight, nan=0.0) * leverage / book.price
    return (sizing.fraction or 0.0) * leverage / book.price
