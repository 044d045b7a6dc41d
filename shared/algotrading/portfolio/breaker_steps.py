"""Steps of the breaker state machine shared by `breakers` (the automatic rules) and
`breaker_overrides` (the operator's actions, external flows): a resume, a first state, a
transition record. The value types they build are `domain.breaker`; the rules that decide when
to take a step stay here in the portfolio tier.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from algotrading.domain.breaker import (
    BreakerState,
    BreakerStatus,
    ScopeEquity,
    Transition,
    TransitionKind,
)
from algotrading.domain.money import ZERO


def resumed(state: BreakerState, equity: ScopeEquity, now_ms: int, reason: str) -> BreakerState:
    """Active again: the shadow track dropped, the breaker's reference re-based to the live
    equity. The real peak and the floor peak are untouched (an operator's resume of a floored
    scope re-bases the floor itself, `breaker_overrides.apply_override`)."""
    return replace(
        state, status=BreakerStatus.ACTIVE, peak_equity=equity.live, shadow_base=ZERO,
        shadow_equity=None, override=None, override_by=None, reason=reason, changed_ms=now_ms,
        warned=False,
    )  # fmt: skip


def initial_state(scope: str, equity: ScopeEquity) -> BreakerState:
    """A scope seen for the first time: its peaks are at least its starting capital, so a sleeve
    first evaluated after it already lost money is not credited with a fresh peak."""
    peak = max(equity.live, equity.base_capital)
    return BreakerState(scope, peak_equity=peak, real_peak=peak, floor_peak=peak)


def make_transition(
    old: BreakerState,
    new: BreakerState,
    kind: TransitionKind,
    reading: tuple[Decimal, Decimal, Decimal],
    threshold: Decimal | None,
    now_ms: int,
    reason: str,
    *,
    live: Decimal,
    by: int | None = None,
    close_positions: bool = False,
) -> Transition:
    """`reading` is (measured equity, the peak it was measured against, drawdown %)."""
    equity, peak, drawdown = reading
    return Transition(
        old.scope, kind, old.status, new.status, equity, peak, drawdown, threshold, now_ms,
        reason, by, close_positions, new.real_peak, live,
    )  # fmt: skip


def pct_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))} %"
