"""A weight-sized strategy's basket at one close: which members can be entered, and their
weights re-spread over them (`sizing.respread`), so the sleeve is not silently under-invested.

A member is a symbol whose row of this close is an entry (one side) with a positive weight. It
can be entered unless its row is not settled (warm-up), its frame has no row for this close (no
candle), its stop distance is unusable, or another strategy holds the symbol live (one strategy
per symbol: the conflict rule would refuse it). A member the strategy already holds counts as
entered: its share is invested. The portfolio backtest applies the same function to the same
members (`backtest.portfolio.combine._weight`: its candidates are exactly the settled, usable
entry rows), so both paths size alike. What was re-spread, and any share that found no member at
all, is in the evaluation report (`baskets`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from algotrading.execution.book import Book
from algotrading.execution.context import Ctx
from algotrading.risk.sizing import respread
from algotrading.strategies.base import SignalFrame, Strategy


def basket_weights(
    ctx: Ctx,
    book: Book,
    strategy: Strategy[Any],
    frames: Mapping[str, SignalFrame],
    wanted: Sequence[str],
) -> dict[str, Decimal]:
    """The re-spread weight of every enterable member of `wanted` at `ctx.close_ms`; the
    blocked members and the result go into `ctx.report.baskets[strategy.id]`."""
    members: dict[str, float] = {}
    blocked: dict[str, str] = {}
    taken = {p.symbol: p.strategy for p in book.positions
             if p.strategy != strategy.id and not p.is_shadow and p.qty > 0}  # fmt: skip
    for symbol in wanted:
        frame = frames.get(symbol)
        if frame is None or not len(frame) or int(frame.close_ms[-1]) != ctx.close_ms:
            continue
        weight, why = _member(frame, taken)
        if weight is None:
            continue
        members[symbol] = weight
        if why is not None:
            blocked[symbol] = why
    weights = respread(members, [s for s in members if s not in blocked])
    if members:
        ctx.report.baskets[strategy.id] = _summary(members, blocked, weights)
    return weights


def _member(frame: SignalFrame, taken: Mapping[str, str]) -> tuple[float | None, str | None]:
    """The row's weight if it is a member (None: not one), and why it cannot be entered."""
    row = frame.row(-1)
    if row.entry_long == row.entry_short or row.weight is None:
        return None, None
    if not math.isfinite(row.weight) or row.weight <= 0:
        return None, None
    if not row.settled:
        return row.weight, "warm-up"
    if not math.isfinite(row.stop_distance) or row.stop_distance <= 0:
        return row.weight, "no_stop"
    if frame.symbol in taken:
        return row.weight, f"held by {taken[frame.symbol]}"
    return row.weight, None


def _summary(
    members: Mapping[str, float], blocked: Mapping[str, str], weights: Mapping[str, Decimal]
) -> dict[str, Any]:
    """What the report says: the members' own weights, who was blocked and why, the weights
    used, and the share left idle (all of it when no member could be entered)."""
    idle = sum((members[s] for s in blocked), 0.0) if not weights else 0.0
    return {
        "members": dict(members),
        "blocked": dict(blocked),
        "weights": {s: float(w) for s, w in weights.items()},
        "idle_share": idle,
    }
