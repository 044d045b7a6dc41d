"""The fast walk: exits of positions whose levels are fixed at entry, found with numpy.

For such a policy (a stop and perhaps a take-profit or target set at entry, a time stop,
indicator exits; no trailing, no partial, no moving target) a position entered at bar e ends at
the first of:

* the first bar from e on whose range reaches the adverse level (the nearer of the stop and the
  liquidation price) or the take-profit: an intrabar exit, priced by the fill model
  (`fills.resolve_exits`: liquidation first with the stop in force, then stop and take-profit as
  `policy.step` resolves them);
* the first bar from e on whose close carries our side's exit flag, or the bar the time stop
  falls on: a market exit at the next bar's open (the signal wins a tie, as in `policy.step`);
* the end of the span: still open.

The levels and bounds of every candidate entry are computed at once. The first touch inside
[e, bound] is searched for all candidates together when their windows add up to a few times the
history (the usual case: windows of consecutive candidates barely overlap); otherwise per taken
position on its own slice, so work stays proportional to holding time either way.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any

import numpy as np

from algotrading.backtest.candidates import Candidates, WalkSettings
from algotrading.backtest.trades import F64, I64, LIQUIDATION, REASON_CODE, Bars, WalkedTrades
from algotrading.domain.fills import (
    EXIT_LIQUIDATION,
    EXIT_NONE,
    EXIT_TAKE_PROFIT,
    market_fill_prices,
    resolve_exits,
)
from algotrading.domain.positions import ExitReason
from algotrading.strategies.base import PositionPolicy, SignalFrame, TakeProfitMode

BULK_WINDOW_FACTOR = 4
BULK_WINDOW_SLACK = 10_000
"""Search all candidates at once while their windows total at most FACTOR x bars + SLACK."""
_NONE = -1


@dataclass(frozen=True, slots=True)
class Levels:
    """Per candidate: whether `open_position` would take it, its levels, the bar its close
    exit falls on (`bound`) and why."""

    usable: np.ndarray
    stop: F64
    take_profit: F64
    adverse: F64
    bound: I64
    bound_reason: I64


def walk_fixed(
    frame: SignalFrame,
    bars: Bars,
    policy: PositionPolicy,
    candidates: Candidates,
    settings: WalkSettings,
) -> WalkedTrades:
    c, levels = candidates, fixed_levels(frame, bars, policy, candidates)
    starts = c.rows + 1
    windows = int((levels.bound - starts + 1).sum()) if len(c) else 0
    if windows <= BULK_WINDOW_FACTOR * len(bars) + BULK_WINDOW_SLACK:
        hits = first_touches(bars, starts, levels.bound, c.side, levels.adverse, levels.take_profit)
        taken, unusable = _chain_known(c.rows, hits, levels, len(bars))
    else:
        taken, hits, unusable = _chain_lazy(bars, c, levels)
    counts = {**candidates.counts, "entry_rows_unusable": unusable}
    return assemble(bars, c, levels, taken, hits[taken], counts, settings)


def fixed_levels(
    frame: SignalFrame, bars: Bars, policy: PositionPolicy, candidates: Candidates
) -> Levels:
    """`open_position`'s levels for every candidate, and which ones it would refuse."""
    rows, s, price = candidates.rows, candidates.side.astype(np.float64), candidates.entry_price
    nan = np.full(len(rows), np.nan)
    usable = np.isfinite(price) & (price > 0)
    stop = nan
    if policy.initial_stop:
        distance = frame.stop_distance[rows]
        stop = price - s * distance
        usable &= np.isfinite(distance) & (distance > 0) & (stop > 0)
    tp = nan
    if policy.take_profit is TakeProfitMode.DISTANCE:
        distance = frame.take_profit_distance[rows]
        usable &= np.isfinite(distance) & (distance > 0)
        tp = np.maximum(price + s * distance, 0.0)
    elif policy.take_profit is TakeProfitMode.TARGET:
        target = frame.target_price[rows]
        winning = np.isfinite(target) & (target > 0) & (s * (target - price) > 0)
        tp = np.where(winning, target, np.nan)
    long = s > 0
    adverse = np.where(long, np.fmax(stop, candidates.liquidation),
                       np.fmin(stop, candidates.liquidation))  # fmt: skip
    bound, reason = _close_exits(frame, bars, policy, rows, candidates.side)
    return Levels(usable, stop, tp, adverse, bound, reason)


def _close_exits(
    frame: SignalFrame, bars: Bars, policy: PositionPolicy, rows: I64, side: I64
) -> tuple[I64, I64]:
    """The bar whose close ends each candidate's position (signal, time stop) or the last bar,
    and the reason code (-1: the last bar, where the position stays open)."""
    n = len(bars)
    starts = rows + 1
    last = np.full(len(rows), n - 1, dtype=np.int64)
    reason = np.full(len(rows), _NONE, dtype=np.int64)
    signal = np.full(len(rows), n, dtype=np.int64)
    if policy.exit_on_signal:
        long = side > 0
        signal[long] = _next_true(frame.exit_long, starts[long])
        signal[~long] = _next_true(frame.exit_short, starts[~long])
    timed = np.full(len(rows), n, dtype=np.int64)
    bars_held = _time_stops(frame, policy, rows)
    known = bars_held > 0
    timed[known] = starts[known] + np.maximum(bars_held[known], 1) - 1
    bound = np.minimum(np.minimum(signal, timed), last)
    reason[bound == timed] = REASON_CODE[ExitReason.TIME_STOP.value]
    reason[bound == signal] = REASON_CODE[ExitReason.SIGNAL.value]
    return bound, reason


def _time_stops(frame: SignalFrame, policy: PositionPolicy, rows: I64) -> I64:
    """Per candidate: the time stop in bars (0: none), the row's overriding the policy's."""
    default = policy.time_stop_bars or 0
    out = np.full(len(rows), default, dtype=np.int64)
    if frame.time_stop_bars is not None:
        per_row = frame.time_stop_bars[rows]
        finite = np.isfinite(per_row)
        out[finite] = np.trunc(per_row[finite]).astype(np.int64)
    return out


def _next_true(flags: np.ndarray, at: I64) -> I64:
    """For each bar in `at`, the first bar at or after it where `flags` is set (len(flags) if
    there is none)."""
    where = np.flatnonzero(flags)
    if len(where) == 0:
        return np.full(len(at), len(flags), dtype=np.int64)
    k = np.searchsorted(where, at, side="left")
    return np.where(k < len(where), where[np.minimum(k, len(where) - 1)], len(flags))


def first_touches(
    bars: Bars, starts: I64, bounds: I64, side: I64, adverse: F64, favourable: F64
) -> I64:
    """For each window [start, bound]: the first bar whose range reaches the adverse level or
    the favourable one (NaN: none), or -1. All windows at once."""
    lengths = bounds - starts + 1
    total = int(lengths.sum())
    if total == 0:
        return np.full(len(starts), _NONE, dtype=np.int64)
    offsets = np.cumsum(lengths) - lengths
    at = np.repeat(starts - offsets, lengths) + np.arange(total, dtype=np.int64)
    long = np.repeat(side > 0, lengths)
    low, high = bars.low[at], bars.high[at]
    level = np.repeat(adverse, lengths)  # a long's low at or below it, a short's high at or above
    hit = np.where(long, low <= level, high >= level)
    if not np.isnan(favourable).all():
        level = np.repeat(favourable, lengths)
        hit |= np.where(long, high >= level, low <= level)  # NaN compares false: no level
    touched = np.flatnonzero(hit)  # ascending: the first at or after a window's offset is its
    k = np.searchsorted(touched, offsets)
    first = touched[np.minimum(k, len(touched) - 1)] if len(touched) else offsets
    found = (k < len(touched)) & (first < offsets + lengths)
    return np.where(found, at[np.minimum(first, total - 1)], _NONE)


def _chain_known(rows: I64, hits: I64, levels: Levels, n: int) -> tuple[I64, int]:
    """(positions taken, unusable candidates met) when every candidate's deciding bar is known:
    from each position, the next candidate at or after the bar that closed it; a candidate
    `open_position` would refuse is passed over, as the stepped walk does.

    Usually the next one is simply the next candidate (ema_cross: the opposite cross that closes
    one position opens the next), so the chain is walked in runs: consecutive candidates up to
    one that skips ahead, stays open or is unusable, then a jump. The loop turns once per run."""
    decided = np.where(hits >= 0, hits, levels.bound)
    following = np.searchsorted(rows, decided, side="left")
    still_open = (hits < 0) & ~_closes_next_open(levels.bound, levels.bound_reason, n)
    count = len(rows)
    ends = (following != np.arange(1, count + 1)) | still_open | ~levels.usable
    special = np.flatnonzero(ends)
    runs, k, unusable = [], 0, 0
    while k < count:
        p = int(np.searchsorted(special, k, side="left"))
        if p == len(special):
            runs.append(np.arange(k, count))
            break
        end = int(special[p])
        if not levels.usable[end]:
            runs.append(np.arange(k, end))
            unusable, k = unusable + 1, end + 1
            continue
        runs.append(np.arange(k, end + 1))
        if still_open[end]:
            break
        k = int(following[end])
    return np.concatenate(runs or [np.empty(0, dtype=np.int64)]).astype(np.int64), unusable


def _chain_lazy(bars: Bars, c: Candidates, levels: Levels) -> tuple[I64, I64, int]:
    """As `_chain_known`, searching each taken position's window on its own slice."""
    rows = c.rows.tolist()
    n = len(bars)
    hits = np.full(len(rows), _NONE, dtype=np.int64)
    taken, k, unusable = [], 0, 0
    while k < len(rows):
        if not levels.usable[k]:
            unusable, k = unusable + 1, k + 1
            continue
        taken.append(k)
        start, bound = rows[k] + 1, int(levels.bound[k])
        one = first_touches(bars, np.array([start]), np.array([bound]), c.side[k : k + 1],
                            levels.adverse[k : k + 1], levels.take_profit[k : k + 1])  # fmt: skip
        hits[k] = one[0]
        if one[0] < 0 and not _closes_next_open(bound, int(levels.bound_reason[k]), n):
            break
        k = bisect_left(rows, int(one[0]) if one[0] >= 0 else bound, lo=k + 1)
    return np.asarray(taken, dtype=np.int64), hits, unusable


def assemble(
    bars: Bars,
    c: Candidates,
    levels: Levels,
    taken: I64,
    hit: I64,
    counts: dict[str, int],
    settings: WalkSettings,
) -> WalkedTrades:
    """Prices and reasons of the taken positions' exits (one leg each, or none if open)."""
    n = len(bars)
    side, bound = c.side[taken], levels.bound[taken]
    s = side.astype(np.float64)
    stop, tp = levels.stop[taken], levels.take_profit[taken]
    intrabar = hit >= 0
    inside = np.flatnonzero(intrabar)
    code, price = np.zeros(len(taken), dtype=np.int8), np.full(len(taken), np.nan)
    code[inside], price[inside] = _intrabar_exits(
        bars, hit[inside], s[inside], stop[inside], tp[inside],
        c.liquidation[taken][inside], c.bankruptcy[taken][inside],
    )  # fmt: skip
    reason = np.where(code == EXIT_LIQUIDATION, REASON_CODE[LIQUIDATION],
                      np.where(code == EXIT_TAKE_PROFIT, REASON_CODE["take_profit"],
                               REASON_CODE["stop_loss"]))  # fmt: skip
    at_end = settings.close_at_end
    next_open = ~intrabar & _closes_next_open(bound, levels.bound_reason[taken], n, at_end)
    exit_bar = np.where(intrabar, hit, bound + 1)
    opens, starts = _one_past_end(bars)
    market = market_fill_prices(opens[exit_bar], s < 0, settings.slippage_bps)
    closed = intrabar | next_open
    legs = np.flatnonzero(closed)
    until = np.where(intrabar, bars.close_ms[np.where(intrabar, hit, 0)], starts[exit_bar])
    return WalkedTrades(
        symbol=bars.symbol,
        side=side,
        signal_bar=c.rows[taken],
        entry_bar=c.rows[taken] + 1,
        entry_price=c.entry_price[taken],
        stop=stop,
        weight=c.weight[taken],
        open_fraction=np.where(closed, 0.0, 1.0),
        held_until_ms=np.where(closed, until, bars.close_ms[n - 1]),
        leg_trade=legs.astype(np.int64),
        leg_bar=exit_bar[legs],
        leg_price=np.where(intrabar, price, market)[legs],
        leg_fraction=np.ones(len(legs)),
        leg_reason=np.where(intrabar, reason, levels.bound_reason[taken])[legs].astype(np.int8),
        counts=counts,
    )


def _intrabar_exits(
    bars: Bars, at: I64, s: F64, stop: F64, tp: F64, liq: F64, bankrupt: F64
) -> tuple[np.ndarray, F64]:
    """Liquidation first with the stop in force (as the stepped walk checks it before
    `policy.step`), then the stop and the take-profit as `policy.step` resolves them."""
    o, h, lo = bars.open[at], bars.high[at], bars.low[at]
    nan = np.full(len(at), np.nan)
    code, price = resolve_exits(s, o, h, lo, stop, tp, nan, nan)
    reached = np.where(s > 0, lo <= liq, h >= liq)  # a gap through it reaches it too
    if reached.any():  # else no liquidation can come first: skip the second pass
        liq_code, liq_price = resolve_exits(s, o, h, lo, stop, nan, liq, bankrupt)
        liquidated = liq_code == EXIT_LIQUIDATION
        code = np.where(liquidated, EXIT_LIQUIDATION, code)
        price = np.where(liquidated, liq_price, price)
    if (code == EXIT_NONE).any():  # a touch was found in these bars: never without an exit
        raise RuntimeError("fast walk: a bar that reached a level resolved to no exit")
    return code, price


def _one_past_end(bars: Bars) -> tuple[F64, I64]:
    """Bar opens and starts with one more bar: a market exit there (`WalkSettings.close_at_end`)
    fills at the last bar's close, when that bar closes."""
    return np.append(bars.open, bars.close[-1:]), np.append(bars.start_ms, bars.close_ms[-1:])


def _closes_next_open(bound: Any, reason: Any, n: int, at_end: bool = False) -> Any:
    """A close exit (signal, time stop) with a next bar in the span to fill at, or (`at_end`,
    `WalkSettings.close_at_end`) at the last bar's close."""
    return (bound < n - 1 + int(at_end)) & (reason >= 0)
