"""The combine step: the four sleeves on one capital, in time order, with the live rules.

At every 15-minute close of the span (the executor's evaluation grid), in this order, as
`algo paper replay` runs `evaluate` then `snapshot`:

1. book what became known by this close: exit legs, funding settlements; positions that ended
   leave the book;
2. entries: the candidates whose signal bar closes now, strategies in the allocation table's
   order (trend, scalper, carry, momentum), symbols in each strategy's order. A strategy already
   holding the symbol holds; otherwise the entry is sized as the executor sizes it
   (`risk.sizing.entry_quantity`: risk % of the sleeve's `sizing_capital` over the stop
   distance from the close, or momentum's weight re-spread by `risk.sizing.respread` over
   the basket members of this close that another strategy does not hold; a member without a
   candidate, in warm-up, holds no weight) and passed to `risk.validate` with the breaker
   states and the open book: the conflict
   policy (a symbol held by one strategy is refused to the others), the risk caps and the
   breakers (a paused sleeve or halted portfolio takes it on paper: shadow) are the live code;
   a taken entry is priced where the executor's fills land (`pricing`: on the tick);
3. snapshot: every scope's equity (live, marked at the close) into `portfolio.breakers.evaluate`,
   whose transitions are recorded; the states gate the next close's entries.

A refused candidate leaves the strategy flat, so its next signal may enter (the unit computed
every candidate's outcome). Everything runs in one process over inputs sorted by unit id and
symbol, so the result does not depend on how the units were scheduled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np

from algotrading.backtest.portfolio.blobs import BlobStore
from algotrading.backtest.portfolio.book import (
    BookPosition,
    Candidate,
    Sleeve,
    book_until,
    ledger_at,
)
from algotrading.backtest.portfolio.pricing import price_position
from algotrading.backtest.portfolio.units import UnitResult
from algotrading.backtest.progress import DAY_CLOSES, Stage
from algotrading.domain.allocation import AllocationTable
from algotrading.domain.breaker import BreakerState, BreakerThresholds
from algotrading.domain.intervals import Interval
from algotrading.domain.limits import RiskLimits
from algotrading.domain.positions import PositionSide
from algotrading.domain.scopes import PORTFOLIO
from algotrading.exchange.types import SymbolInfo
from algotrading.portfolio.breakers import evaluate
from algotrading.risk import TradeProposal, risk_context, validate
from algotrading.risk.sizing import (
    ZERO,
    dec,
    entry_quantity,
    respread,
    round_stop,
    stop_level,
    to_instrument,
)
from algotrading.strategies.base import PolicySizing
from algotrading.strategies.registry import default_allocation, get_strategy, sleeve_ids

GRID_MS = Interval("15m").ms


@dataclass
class Combined:
    """What the combine step produced: curves on the grid, trades, transitions, decisions."""

    times: np.ndarray
    portfolio: np.ndarray
    sleeves: dict[str, np.ndarray]
    trades: list[dict[str, Any]]
    transitions: list[dict[str, Any]]
    decisions: dict[str, dict[str, int]]


@dataclass
class _State:
    capital: float
    allocation: AllocationTable
    limits: RiskLimits
    thresholds: BreakerThresholds
    fee_rate: Decimal
    sleeves: dict[str, Sleeve]
    open: list[BookPosition] = field(default_factory=list)
    done: list[BookPosition] = field(default_factory=list)
    breakers: dict[str, BreakerState] = field(default_factory=dict)
    transitions: list[dict[str, Any]] = field(default_factory=list)
    decisions: dict[str, dict[str, int]] = field(default_factory=dict)
    dirty: bool = True
    baskets: dict[tuple[int, str], dict[str, Decimal]] = field(default_factory=dict)
    """Re-spread weights of a weight-sized strategy's basket, per (close, strategy)."""
    infos: Mapping[str, SymbolInfo] = field(default_factory=dict)
    """Tick, lot and minimum order per symbol (`instruments`); a symbol without: unrounded."""


def load_candidates(
    results: Sequence[UnitResult], blobs: BlobStore, params: dict[str, dict[str, Any]]
) -> list[Candidate]:
    """Every candidate of every unit, by (signal time, strategy order, symbol order)."""
    out = []
    sleeves = sleeve_ids()
    order = sorted(results, key=lambda r: (sleeves.index(r.strategy), r.unit_id))
    position = 0
    for result in order:
        leverage = get_strategy(result.strategy, params.get(result.strategy)).policy.leverage
        for symbol, keys in result.symbols.items():
            position += 1
            trades, legs = blobs.get(keys["trades"]), blobs.get(keys["legs"])
            flows, marks = blobs.get(keys["funding"]), blobs.get(keys["marks"])
            rank = (sleeves.index(result.strategy), position)
            for k in range(len(trades)):
                out.append(Candidate(result.strategy, symbol, rank, trades[k],
                                     legs[legs[:, 0] == k], flows[flows[:, 0] == k], marks,
                                     leverage))  # fmt: skip
    out.sort(key=lambda c: (float(c.row[0]), c.rank))
    return out


def combine(
    candidates: list[Candidate],
    capital: float,
    start_ms: int,
    end_ms: int,
    fee_rate: float,
    params: dict[str, dict[str, Any]],
    infos: Mapping[str, SymbolInfo] | None = None,
    allocation: AllocationTable | None = None,
    stage: Stage | None = None,
) -> Combined:
    """Run the sleeves over the grid (module docstring); `infos`: the symbols' instrument
    filters (`backtest.portfolio.instruments`), none: quantities, stops and fills unrounded;
    `allocation`: the sleeves' shares (None: the registered strategies' defaults); `stage`:
    progress, a step per close reported once a simulated day."""
    table = allocation if allocation is not None else default_allocation()
    sleeves = {s: Sleeve() for s in table.strategies}
    state = _State(capital, table, RiskLimits(fee_rate=dec(fee_rate)),
                   BreakerThresholds(), dec(fee_rate), sleeves, infos=infos or {})  # fmt: skip
    times = np.arange(start_ms, end_ms + 1, GRID_MS, dtype=np.int64)
    curves = np.empty((len(times), 1 + len(sleeves)))
    k = 0
    advance = stage("combining", len(times), "close") if stage is not None else None
    for i, now in enumerate(times.tolist()):
        if advance is not None and i % DAY_CLOSES == 0 and i:
            advance(DAY_CLOSES)
        _book(state, now)
        while k < len(candidates) and candidates[k].row[0] < now:
            k += 1
        j = k
        while j < len(candidates) and candidates[j].row[0] == now:
            j += 1
        group = candidates[k:j]
        for c in group:
            _enter(state, c, now, params, group)
        k = j
        state.baskets.clear()
        curves[i] = _snapshot(state, now)
    if advance is not None:
        advance(len(times) - (len(times) - 1) // DAY_CLOSES * DAY_CLOSES)
    trades = [p.trade_row() for p in sorted(state.done + state.open, key=_trade_key)]
    curve_of = {s: curves[:, j + 1] for j, s in enumerate(sleeves)}
    return Combined(times, curves[:, 0], curve_of, trades, state.transitions, state.decisions)


def _trade_key(p: BookPosition) -> tuple[float, tuple[int, int]]:
    return float(p.c.row[1]), p.c.rank


def _book(state: _State, now: int) -> None:
    still: list[BookPosition] = []
    for p in state.open:
        before = (p.next_leg, p.next_flow)
        book_until(p, state.sleeves[p.c.strategy], now)
        state.dirty |= before != (p.next_leg, p.next_flow)
        (still if p.held_until_ms > now or p.open_fraction > 1e-12 else state.done).append(p)
    if len(still) != len(state.open) or state.open:
        state.dirty = True
    state.open = still


def _count(state: _State, strategy: str, decision: str) -> None:
    mine = state.decisions.setdefault(strategy, {})
    mine[decision] = mine.get(decision, 0) + 1


def _enter(
    state: _State,
    c: Candidate,
    now: int,
    params: dict[str, dict[str, Any]],
    group: Sequence[Candidate],
) -> None:
    if any(p.c.strategy == c.strategy and p.c.symbol == c.symbol for p in state.open):
        return _count(state, c.strategy, "hold")
    side = int(c.row[2])
    price = dec(float(c.row[12]))
    info = state.infos.get(c.symbol)
    stop = stop_level(price, dec(float(side * (c.row[3] - c.row[4]))), side > 0)
    if info is not None:  # the executor sizes from the stop it will set: on the tick
        stop = round_stop(stop, side > 0, info)
    if stop <= ZERO or (stop >= price if side > 0 else stop <= price):
        return _count(state, c.strategy, "rejected:no_stop")
    qty, shadow, refused = _quantity(state, c, now, params, group, price, stop)
    if refused is not None:
        return _count(state, c.strategy, refused)
    priced = price_position(c, float(qty), shadow, info, float(state.fee_rate))
    position = BookPosition(c, float(qty), shadow, priced)
    fee = priced.entry_fee
    state.sleeves[c.strategy].book(position.shadow, 0.0, fee, 0.0)
    position.booked["fees"] += fee
    state.open.append(position)
    state.dirty = True
    _count(state, c.strategy, "shadow" if shadow else "accepted")
    return None


def _quantity(
    state: _State,
    c: Candidate,
    now: int,
    params: dict[str, dict[str, Any]],
    group: Sequence[Candidate],
    price: Decimal,
    stop: Decimal,
) -> tuple[Decimal, bool, str | None]:
    """The entry's quantity as the executor works it out (`execution.processor._enter`): sized,
    capped by `risk.validate`, then floored to the lot and refused below the minimum order
    (`risk.sizing.to_instrument`). With whether it goes to paper (a breaker's shadow
    entry, sized alike) and, when refused, the decision to count instead."""
    side = int(c.row[2])
    ledger = ledger_at(state.capital, state.allocation, state.sleeves, state.open, now)
    policy = get_strategy(c.strategy, params.get(c.strategy)).policy
    weighted = policy.sizing is PolicySizing.WEIGHT
    weight = _weight(state, c, now, group) if weighted else None
    raw = entry_quantity(policy, ledger.sizing_capital(c.strategy), price, stop, weight,
                         state.fee_rate, state.limits.max_risk_per_trade_pct)  # fmt: skip
    if raw <= ZERO:
        return ZERO, False, "rejected:no_capital"
    direction = PositionSide.LONG if side > 0 else PositionSide.SHORT
    proposal = TradeProposal(c.strategy, c.symbol, direction, raw, price, stop, dec(c.leverage),
                             weighted)  # fmt: skip
    book = [p.as_risk_position(now) for p in state.open]
    statuses = {scope: b.status for scope, b in state.breakers.items()}
    verdict = validate(proposal, risk_context(ledger, book, statuses), state.limits)
    if not verdict.accepted and not verdict.shadow:
        return ZERO, False, f"rejected:{verdict.code}"
    qty = verdict.qty
    info = state.infos.get(c.symbol)
    if info is not None:
        rounded = to_instrument(qty, price, info)
        if rounded.refusal is not None:
            return ZERO, False, "rejected:below_minimum"
        qty = rounded.qty
    return qty, verdict.shadow, None


def _weight(state: _State, c: Candidate, now: int, group: Sequence[Candidate]) -> Decimal:
    """The candidate's basket weight re-spread over its strategy's members at this close that
    no other strategy holds (live), as the executor does (`execution.basket`). Worked out when
    the strategy's first member is reached: the strategies before it have entered by then. A
    blocked member keeps its own weight, and the conflict rule refuses it."""
    key = (now, c.strategy)
    if key not in state.baskets:
        members = {m.symbol: float(m.row[5]) for m in group if m.strategy == c.strategy}
        taken = {p.c.symbol for p in state.open if p.c.strategy != c.strategy and not p.shadow}
        state.baskets[key] = respread(members, [s for s in members if s not in taken])
    return state.baskets[key].get(c.symbol, dec(float(c.row[5])))


def _snapshot(state: _State, now: int) -> list[float]:
    """Equities at this close; the breakers evaluated when anything could have moved them."""
    unreal = {s: 0.0 for s in state.sleeves}
    for p in state.open:
        if not p.shadow:
            unreal[p.c.strategy] += p.unrealized(now)
    base = {s: state.capital * float(state.allocation.fraction(s)) for s in state.sleeves}
    sleeves = [base[s] + v.gross - v.fees + v.funding + unreal[s]
               for s, v in state.sleeves.items()]  # fmt: skip
    if state.dirty:
        ledger = ledger_at(state.capital, state.allocation, state.sleeves, state.open, now)
        state.breakers, moved = evaluate(state.breakers, ledger.scope_equities(),
                                         state.thresholds, now)  # fmt: skip
        state.transitions.extend(_transition(t) for t in moved)
        state.dirty = bool(state.open)
    return [sum(sleeves), *sleeves]


def _transition(t: Any) -> dict[str, Any]:
    return {
        "time_ms": t.time_ms, "scope": t.scope, "kind": str(t.kind),
        "old_status": str(t.old_status), "new_status": str(t.new_status),
        "equity": float(t.equity), "peak_equity": float(t.peak_equity),
        "drawdown_pct": float(t.drawdown_pct), "real_peak": float(t.real_peak),
        "real_drawdown_pct": float(t.real_drawdown_pct), "reason": t.reason,
    }  # fmt: skip


__all__ = ["PORTFOLIO", "Combined", "combine", "load_candidates"]
