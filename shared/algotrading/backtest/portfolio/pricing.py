"""A taken position's money at the prices the executor's orders fill at on the simulator.

A work unit's candidate outcomes are per unit of quantity and computed without instrument
filters (`outcomes`), so they stay valid whatever the combine step takes. When it takes one on
a symbol whose filters it knows, the prices are put where the executor's fills land
(`backtest.live_fills`: entry and market exits on the tick against the taker, the stop at the
backtest's distance from the ticked entry rounded towards the entry, targets rounded towards
the entry) and the money is worked out again from them: each leg's price PnL and taker fee,
the entry's fee. A live leg's quantity is its fraction of the entry floored to the lot step, the
closing leg takes what is left, as the executor sends them. A paper (shadow) position is priced
as the live paper path fills it (`execution.paper`). Without filters: the unit's own prices.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import TYPE_CHECKING

import numpy as np

from algotrading.backtest.live_fills import live_entry, live_exit, paper_entry, paper_exit
from algotrading.backtest.trades import LIQUIDATION, REASONS
from algotrading.exchange.types import SymbolInfo

if TYPE_CHECKING:
    from algotrading.backtest.portfolio.book import Candidate

PRICE, QTY, GROSS, FEE = range(4)
"""Columns of `Priced.legs`."""


@dataclass(frozen=True, slots=True)
class Priced:
    """Entry, stop and entry fee of a position of a given quantity, and per exit leg (in the
    candidate's order) its price, quantity, price PnL and fee: money for the whole quantity."""

    entry: float
    stop: float
    entry_fee: float
    legs: np.ndarray


def price_position(
    c: Candidate, qty: float, shadow: bool, info: SymbolInfo | None, fee_rate: float
) -> Priced:
    """The position's money (module docstring); `info` None: the unit's prices, scaled."""
    row, legs = c.row, c.legs
    if info is None or info.tick_size <= 0:
        table = np.column_stack([legs[:, 3], legs[:, 4] * qty, legs[:, 6] * qty, legs[:, 7] * qty])
        return Priced(float(row[3]), float(row[4]), float(row[11]) * qty, table.reshape(-1, 4))
    long, tick = row[2] > 0, info.tick_size
    entry, stop = float(row[3]), float(row[4])
    reasons = [REASONS[int(r)] for r in legs[:, 5]]
    if shadow:
        at = paper_entry(float(row[12]), tick, long)
        prices = [paper_exit(r, float(p), entry, stop, at, long, tick)
                  for r, p in zip(reasons, legs[:, 3], strict=True)]  # fmt: skip
        shares = (legs[:, 4] * qty).tolist()
        ticked_stop = _shifted_stop(entry, stop, at, long)
    else:
        at = live_entry(entry, tick, long)
        prices = [live_exit(r, float(p), entry, stop, long, tick)
                  for r, p in zip(reasons, legs[:, 3], strict=True)]  # fmt: skip
        shares = leg_quantities(qty, legs[:, 4].tolist(), float(row[7]) <= 1e-12, info.qty_step)
        finite = math.isfinite(stop)
        ticked_stop = live_exit("stop_loss", stop, entry, stop, long, tick) if finite else stop
    return Priced(at, ticked_stop, at * qty * fee_rate,
                  _money(prices, shares, reasons, at, long, fee_rate))  # fmt: skip


def leg_quantities(qty: float, fractions: list[float], closes: bool, lot: Decimal) -> list[float]:
    """Each leg's fraction of `qty` floored to the lot step; when the legs close the position
    (`closes`), the last one takes what the others left."""
    total = Decimal(repr(qty))
    shares = [(total * Decimal(repr(f))).quantize(lot, rounding=ROUND_FLOOR) for f in fractions]
    if closes and shares:
        shares[-1] = total - sum(shares[:-1], Decimal(0))
    return [float(s) for s in shares]


def _shifted_stop(entry: float, stop: float, at: float, long: bool) -> float:
    """The stop at the backtest's distance from the fill `at` (the paper stepper's level)."""
    if not math.isfinite(stop):
        return math.nan
    distance = abs(entry - stop)
    return at - distance if long else at + distance


def _money(
    prices: list[float],
    shares: list[float],
    reasons: list[str],
    entry: float,
    long: bool,
    fee_rate: float,
) -> np.ndarray:
    """Per leg: price, quantity, price PnL, taker fee (none on a liquidation)."""
    sign = 1.0 if long else -1.0
    rows = [
        (p, q, sign * (p - entry) * q, 0.0 if r == LIQUIDATION else p * q * fee_rate)
        for p, q, r in zip(prices, shares, reasons, strict=True)
    ]
    return np.array(rows, dtype=np.float64).reshape(-1, 4)
