"""The one position-policy stepper: how an open position lives from bar to bar.

The live executor and the backtest both call `open_position` when an entry fills and `step` once
per closed bar of the entry timeframe afterwards, so stops, take-profits, trailing, partial exits
and time stops behave identically in both. Pure functions on frozen values: no clock, no I/O.

Order of events inside `step(state, bar, row, policy)` for a bar that has just closed:

1. **Intrabar**, with the levels known *before* the bar (never this bar's own indicator values):
   the effective stop (the tighter of the initial stop and the trailing stop) and the profit
   level (take-profit, target or trail activation). `domain.fills.resolve_exit` decides: a gap
   through a level fills at the open, a touch fills at the level, and a bar touching both the
   stop and the profit level is taken as the stop (the path inside a bar is unknown; assume the
   worse). A stop closes what is left; a profit level closes everything, closes
   `partial_fraction` of the initial quantity once, or only arms the trailing stop.
2. **After the bar**: bars held + 1; the best price (highest high of a long, lowest low of a
   short) updates; the trailing stop is armed if its start condition happened, and ratchets to
   best ∓ distance (it never loosens); a following target moves to this bar's `target_price`.
   These changes only act from the next bar on.
3. **At the close**: an indicator exit (`exit_on_signal` and the row's exit flag for our side)
   or the time stop (bars held >= time stop) closes what is left at the **next bar's open**.

`step` is called first for the bar whose open the entry filled at (the bar after the signal).
Liquidation is not modelled here: with these strategies' leverage (1-3x) and stops the stop is
always nearer than the liquidation price; the fill model has it for the simulator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from enum import StrEnum

from algotrading.domain.fills import Bar, ExitKind, resolve_exit
from algotrading.domain.positions import ExitReason, PositionSide, PositionState
from algotrading.strategies.base import (
    PositionPolicy,
    SignalRow,
    TakeProfitMode,
    TrailStart,
)


class FillTiming(StrEnum):
    INTRABAR = "intrabar"
    """Filled inside the bar just stepped, at `price` (the level, or the open on a gap)."""
    NEXT_OPEN = "next_open"
    """Decided at the close; filled at the open of the next bar (market order)."""


@dataclass(frozen=True, slots=True)
class ExitAction:
    """Close `fraction` of the *initial* quantity, for `reason`, at `price` or the next open."""

    reason: ExitReason
    fraction: float
    timing: FillTiming
    price: float | None = None


def open_position(
    frame_row: SignalRow, entry_price: float, side: PositionSide, policy: PositionPolicy
) -> PositionState:
    """The state of a position that filled at `entry_price` after the signal bar `frame_row`.

    Distances come from the signal bar and are measured from the actual fill, so slippage moves
    the levels with the entry instead of changing the risk. Raises ValueError when a level the
    policy needs is unusable: entering without the stop the sizing assumed must not happen.
    """
    if not (math.isfinite(entry_price) and entry_price > 0):
        raise ValueError(f"entry price must be a positive number, got {entry_price!r}")
    sign = PositionSide(side).sign
    stop = None
    if policy.initial_stop:
        stop = entry_price - sign * _distance(frame_row.stop_distance, "stop_distance")
        if stop <= 0:
            raise ValueError(f"stop distance {frame_row.stop_distance} puts the stop at {stop}")
    take_profit = None
    if policy.take_profit is TakeProfitMode.DISTANCE:
        tp = _distance(frame_row.take_profit_distance, "take_profit_distance")
        take_profit = max(entry_price + sign * tp, 0.0)
    target = None
    if policy.take_profit is TakeProfitMode.TARGET and _usable(frame_row.target_price):
        target = frame_row.target_price
    trail = None
    if policy.trail_start is not None:
        trail = _distance(frame_row.trail_distance, "trail_distance")
    active = policy.trail_start is TrailStart.ENTRY
    time_stop = frame_row.time_stop_bars
    return PositionState(
        side=PositionSide(side),
        entry_price=entry_price,
        entry_close_ms=frame_row.close_ms,
        last_close_ms=frame_row.close_ms,
        stop=stop,
        take_profit=take_profit,
        target=target,
        trail_distance=trail,
        best_price=entry_price,
        time_stop_bars=time_stop if time_stop is not None else policy.time_stop_bars,
        trail_active=active,
        trail_stop=entry_price - sign * trail if active and trail is not None else None,
    )


def step(
    state: PositionState, bar_ohlc: Bar, frame_row: SignalRow, policy: PositionPolicy
) -> tuple[PositionState, list[ExitAction]]:
    """Advance an open position by one closed bar; see the module docstring for the order."""
    if not state.is_open:
        raise ValueError("the position is already closed")
    if frame_row.close_ms <= state.last_close_ms:
        raise ValueError(
            f"bar closing at {frame_row.close_ms} is not after the last one stepped "
            f"({state.last_close_ms})"
        )
    state, actions, touched = _intrabar(state, bar_ohlc, policy)
    if not state.is_open:
        return replace(state, last_close_ms=frame_row.close_ms), actions
    state = _after_bar(state, bar_ohlc, frame_row, policy, touched)
    closing = _close_exit(state, frame_row, policy)
    if closing is not None:
        actions.append(closing)
        state = replace(state, qty_fraction=0.0)
    return state, actions


def _intrabar(
    state: PositionState, bar: Bar, policy: PositionPolicy
) -> tuple[PositionState, list[ExitAction], bool]:
    """Exits inside the bar; the bool says whether the profit level was reached."""
    stop, stop_reason = state.active_stop()
    level, role = profit_level(state, policy)
    hit = resolve_exit(state.is_long, bar, stop_loss=stop, take_profit=level)
    if hit is None:
        return state, [], False
    if hit.kind is ExitKind.STOP_LOSS:
        return _close_all(state, stop_reason, hit.price)
    if role == "arm_trail":
        return state, [], True
    if role == "partial" and policy.partial_fraction is not None:
        fraction = min(policy.partial_fraction, state.qty_fraction)
        action = ExitAction(
            ExitReason.PARTIAL_TAKE_PROFIT, fraction, FillTiming.INTRABAR, hit.price
        )
        left = max(state.qty_fraction - fraction, 0.0)
        return replace(state, qty_fraction=left, partial_done=True), [action], True
    return _close_all(state, ExitReason.TAKE_PROFIT, hit.price)


def _close_all(
    state: PositionState, reason: ExitReason, price: float
) -> tuple[PositionState, list[ExitAction], bool]:
    action = ExitAction(reason, state.qty_fraction, FillTiming.INTRABAR, price)
    return replace(state, qty_fraction=0.0), [action], False


def profit_level(state: PositionState, policy: PositionPolicy) -> tuple[float | None, str]:
    """The profit level in force and what touching it does: exit, partial or arm_trail (the
    executor rests a partial's level at the exchange, `execution.resting`)."""
    if policy.take_profit is TakeProfitMode.DISTANCE:
        level = state.take_profit
    elif policy.take_profit is TakeProfitMode.TARGET:
        level = state.target
        if level is not None and state.side.sign * (level - state.entry_price) <= 0:
            level = None  # a target on the losing side of the entry is no take-profit
    else:
        level = None
    if level is None:
        return None, "none"
    if policy.trail_start is TrailStart.TAKE_PROFIT:
        return (None, "none") if state.trail_active else (level, "arm_trail")
    if policy.partial_fraction is not None:
        return (None, "none") if state.partial_done else (level, "partial")
    return level, "exit"


def _after_bar(
    state: PositionState, bar: Bar, row: SignalRow, policy: PositionPolicy, touched: bool
) -> PositionState:
    long = state.is_long
    best = max(state.best_price, bar.high) if long else min(state.best_price, bar.low)
    active = state.trail_active or (
        (policy.trail_start is TrailStart.TAKE_PROFIT and touched)
        or (policy.trail_start is TrailStart.PARTIAL and state.partial_done)
    )
    trail_stop = state.trail_stop
    if active and state.trail_distance is not None:
        candidate = best - state.side.sign * state.trail_distance
        if trail_stop is None:
            trail_stop = candidate
        else:
            trail_stop = max(trail_stop, candidate) if long else min(trail_stop, candidate)
    target = state.target
    follows = policy.take_profit is TakeProfitMode.TARGET and policy.target_follows
    if follows and _usable(row.target_price):
        target = row.target_price
    return replace(
        state,
        best_price=best,
        trail_active=active,
        trail_stop=trail_stop,
        target=target,
        bars_held=state.bars_held + 1,
        last_close_ms=row.close_ms,
    )


def _close_exit(state: PositionState, row: SignalRow, policy: PositionPolicy) -> ExitAction | None:
    flagged = row.exit_long if state.is_long else row.exit_short
    if policy.exit_on_signal and flagged:
        return ExitAction(ExitReason.SIGNAL, state.qty_fraction, FillTiming.NEXT_OPEN)
    if state.time_stop_bars is not None and state.bars_held >= state.time_stop_bars:
        return ExitAction(ExitReason.TIME_STOP, state.qty_fraction, FillTiming.NEXT_OPEN)
    return None


def _usable(value: float | None) -> bool:
    return value is not None and math.isfinite(value) and value > 0


def _distance(value: float, name: str) -> float:
    if not _usable(value):
        raise ValueError(f"the signal bar has no usable {name} ({value!r})")
    return value
