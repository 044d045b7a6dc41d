"""The mark-to-market equity curve, built from the positions' intervals without a bar loop.

Each symbol contributes, at every bar close of the span: the cumulative cash flows booked up to
that bar (entry fees at the entry bar, each exit leg's price PnL minus fee at the bar it filled
in, funding at the bar containing the settlement) plus the unrealized PnL of the quantity held
at the close, marked at that close. Holdings come from `holding_pieces` expanded into per-bar
arrays with `np.repeat` (one symbol's positions never overlap in bars). The run's curve is the
starting capital plus the sum of the symbols' contributions on the union of their bar closes,
each symbol carrying its last value forward; its first point is the start of the span.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from algotrading.backtest.funding import FundingFlows
from algotrading.backtest.pnl import UnitResults
from algotrading.backtest.trades import F64, I64, Bars, WalkedTrades, holding_pieces


def contribution(
    walked: WalkedTrades, bars: Bars, qty: F64, units: UnitResults, flows: FundingFlows
) -> F64:
    """The symbol's PnL (realized + unrealized) at each bar close from `bars.first` on."""
    n = len(bars)
    cash = np.bincount(walked.entry_bar, weights=-qty * units.entry_fee, minlength=n)
    lt = walked.leg_trade
    cash += np.bincount(walked.leg_bar, weights=qty[lt] * (units.leg_gross - units.leg_fee),
                        minlength=n)  # fmt: skip
    if len(flows):
        cash += np.bincount(flows.bar, weights=qty[flows.trade] * flows.per_unit, minlength=n)
    held, basis = holdings(walked, n, qty)
    marked = held * (bars.close - basis)
    return (np.cumsum(cash) + marked)[bars.first :]


def holdings(walked: WalkedTrades, n: int, qty: F64) -> tuple[F64, F64]:
    """Per bar: signed quantity held at the close, and its entry price (0 where flat).

    One symbol's holding pieces never overlap, so with the flat gaps between them they tile the
    bars: one `np.repeat` of (gap, piece, gap, piece, ..., gap) values builds each array."""
    trade, lo, hi, fraction = holding_pieces(walked, n)
    order = np.argsort(lo, kind="stable")
    trade, lo, hi, fraction = trade[order], lo[order], hi[order], fraction[order]
    ends_before = np.concatenate([[0], hi[:-1]])
    gaps = lo - ends_before
    if len(lo) and (gaps < 0).any():
        raise ValueError(f"{walked.symbol}: positions overlap in bars")
    lengths = np.empty(2 * len(lo) + 1, dtype=np.int64)
    lengths[0:-1:2], lengths[1::2] = gaps, hi - lo
    lengths[-1] = n - (hi[-1] if len(hi) else 0)
    held, basis = np.zeros(len(lengths)), np.zeros(len(lengths))
    held[1::2] = qty[trade] * fraction * walked.side[trade]
    basis[1::2] = walked.entry_price[trade]
    return np.repeat(held, lengths), np.repeat(basis, lengths)


def combine(
    start_ms: int, capital: float, closes: Sequence[I64], parts: Sequence[F64]
) -> tuple[I64, F64, list[F64]]:
    """(times, equity, parts on the grid): the capital at `start_ms`, then capital + every
    symbol's contribution at each close of the union grid; each symbol's contribution on that
    grid too (0 at the start, its last value carried over closes it has no bar at)."""
    if not closes:
        return np.array([start_ms], dtype=np.int64), np.array([capital]), []
    grid = closes[0] if len(closes) == 1 else np.unique(np.concatenate(closes))
    on_grid = []
    for times, values in zip(closes, parts, strict=True):
        if len(times) == len(grid) and np.array_equal(times, grid):
            mapped = values
        else:
            at = np.searchsorted(times, grid, side="right") - 1
            mapped = np.where(at >= 0, values[np.maximum(at, 0)], 0.0)
        on_grid.append(np.concatenate([[0.0], mapped]))
    total = on_grid[0] if len(on_grid) == 1 else np.sum(on_grid, axis=0)
    times = np.concatenate([[start_ms], grid]).astype(np.int64)
    return times, capital + total, on_grid


def attributed(capital: float, equity: F64, part: F64) -> F64:
    """A symbol's curve by return attribution: each step's PnL of the symbol over the run's
    equity before the step, compounded from the capital. The symbols' step returns add up to the
    run's; with one symbol the curve is the run's. (Capital + the symbol's PnL would not do:
    once the run has compounded, one symbol's swings can exceed the starting capital.)"""
    before = equity[:-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        step = np.where(before > 0, np.diff(part) / before, 0.0)
    return capital * np.concatenate([[1.0], np.cumprod(1.0 + step)])


def exposure(intervals: Sequence[tuple[I64, I64]], start_ms: int, end_ms: int) -> float:
    """Share of [start, end] with at least one position open (union of [entry, held_until])."""
    if end_ms <= start_ms:
        return 0.0
    los = np.concatenate([lo for lo, _ in intervals] or [np.empty(0, dtype=np.int64)])
    his = np.concatenate([hi for _, hi in intervals] or [np.empty(0, dtype=np.int64)])
    if len(los) == 0:
        return 0.0
    order = np.argsort(los, kind="stable")
    lo = np.clip(los[order], start_ms, end_ms)
    hi = np.clip(his[order], start_ms, end_ms)
    reach = np.maximum.accumulate(hi)
    covered_before = np.concatenate([[start_ms], reach[:-1]])
    gain = np.maximum(hi - np.maximum(lo, covered_before), 0)
    return float(gain.sum()) / (end_ms - start_ms)
