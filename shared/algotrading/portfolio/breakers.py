"""Circuit breakers: a pure state machine per scope (the portfolio, and each strategy's sleeve).

States: a strategy is `active` or `paused`; the portfolio is `active` or `halted`, and a halted
portfolio halts every strategy (`blocking_scope`). Only new entries are blocked: exits, stop
updates and reduce-only orders of open positions go on, since they only lower the risk.

Two rules, each on its own peak (`domain.breaker`, docs/RISK.md):

- **Soft rule**, on the breaker's reference (`peak_equity`). Active: the scope's live equity
  (unrealized PnL included) is measured; the reference follows it upwards. Drawdown > trigger
  (portfolio 25 %, sleeve 15 %) suspends the scope; > the warning level (half-way between resume
  and trigger) raises one warning, re-armed once the drawdown is back under the resume level.
  Suspended: the *shadow track* is measured (live equity + the net PnL of the paper trades since
  the suspension), the reference is frozen, and a shadow drawdown < resume (10 %) resumes the
  scope automatically with its reference re-based to the live equity: the paper gains were never
  money, and the next soft trip needs a fresh loss from the resume level.
- **Hard floor**, on `floor_peak` (the all-time real peak until an operator re-bases it): a live
  equity at or beyond the floor (portfolio 35 %, sleeve 25 % below it) suspends the scope and
  marks it `floored`. Nothing automatic lifts that, however well the shadow track does: only an
  operator's force_resume, which records who, why and when, and takes the equity of the moment
  as the new floor peak. So automatic resumes can never walk a scope below its floor.

The real peak follows the live equity in every state and is never re-based; external flows
(deposits, withdrawals) scale every peak (`breaker_overrides.apply_flow`).

`close_positions_on_halt` (default False) is carried on portfolio halt transitions: open
positions already sit behind exchange-side stops that cap what they can still lose (the
portfolio-risk limit), and a market-wide liquidation in the middle of the crash that caused the
halt sells at the worst prices and pays taker fees. Strategy pauses never close positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from algotrading.domain.breaker import (
    BreakerState,
    BreakerStatus,
    BreakerThresholds,
    Override,
    ScopeEquity,
    Transition,
    TransitionKind,
    suspended_status,
)
from algotrading.domain.money import drawdown_pct
from algotrading.domain.scopes import PORTFOLIO
from algotrading.portfolio.breaker_steps import initial_state, make_transition, pct_text, resumed


def evaluate(
    states: Mapping[str, BreakerState],
    equities: Mapping[str, ScopeEquity],
    thresholds: BreakerThresholds,
    now_ms: int,
) -> tuple[dict[str, BreakerState], list[Transition]]:
    """Advance every scope in `equities` one step; scopes only in `states` are kept as they are.

    Idempotent: evaluating the returned states again with the same equities changes nothing.
    """
    result = dict(states)
    transitions: list[Transition] = []
    for scope, equity in equities.items():
        state = states.get(scope) or initial_state(scope, equity)
        if state.scope != scope:
            raise ValueError(f"state for {scope} is labelled {state.scope}")
        new_state, events = step(state, equity, thresholds, now_ms)
        result[scope] = new_state
        transitions.extend(events)
    return result, transitions


def step(
    state: BreakerState, equity: ScopeEquity, th: BreakerThresholds, now_ms: int
) -> tuple[BreakerState, list[Transition]]:
    """One scope, one evaluation: the real and floor peaks follow the live equity, then the hard
    floor is checked before the soft rule of the scope's state."""
    state = replace(
        state,
        real_peak=max(state.real_peak, equity.live),
        floor_peak=max(state.floor_peak, equity.live),
    )
    if not state.floored and drawdown_pct(state.floor_peak, equity.live) >= th.floor_pct(
        state.scope
    ):
        return _floor_breached(state, equity, th, now_ms)
    if state.suspended:
        return _step_suspended(state, equity, th, now_ms)
    return _step_active(state, equity, th, now_ms)


def _floor_breached(
    state: BreakerState, equity: ScopeEquity, th: BreakerThresholds, now_ms: int
) -> tuple[BreakerState, list[Transition]]:
    floor_pct = th.floor_pct(state.scope)
    drawdown = drawdown_pct(state.floor_peak, equity.live)
    new_status = suspended_status(state.scope)
    reason = (
        f"{state.scope} {new_status} at its hard floor: drawdown {pct_text(drawdown)} from"
        f" {state.floor_peak} >= {floor_pct} %; only an operator resumes it"
    )
    new = replace(state, status=new_status, floored=True, reason=reason, changed_ms=now_ms,
                  warned=True)  # fmt: skip
    if state.suspended:  # the shadow track goes on from its own start
        new = replace(new, shadow_equity=new.measured_equity(equity))
    else:  # start the shadow track now; the reference stops where the live equity stood
        new = replace(new, shadow_base=equity.shadow_pnl, shadow_equity=equity.live)
    close = th.close_positions_on_halt and state.scope == PORTFOLIO and not state.suspended
    reading = (equity.live, state.floor_peak, drawdown)
    kind = TransitionKind.FLOOR_BREACHED
    return new, [
        make_transition(state, new, kind, reading, floor_pct, now_ms, reason, live=equity.live,
                        close_positions=close)
    ]  # fmt: skip


def _step_active(
    state: BreakerState, equity: ScopeEquity, th: BreakerThresholds, now_ms: int
) -> tuple[BreakerState, list[Transition]]:
    peak = max(state.peak_equity, equity.live)
    drawdown = drawdown_pct(peak, equity.live)
    trigger, warn = th.trigger_pct(state.scope), th.warn_pct(state.scope)
    reading = (equity.live, peak, drawdown)
    if drawdown > trigger:
        new_status = suspended_status(state.scope)
        reason = f"{state.scope} {new_status}: drawdown {pct_text(drawdown)} > {trigger} %"
        new = replace(
            state, status=new_status, peak_equity=peak, shadow_base=equity.shadow_pnl,
            shadow_equity=equity.live, override=None, override_by=None, reason=reason,
            changed_ms=now_ms, warned=True,
        )  # fmt: skip
        close = th.close_positions_on_halt and state.scope == PORTFOLIO
        return new, [
            make_transition(state, new, TransitionKind.TRIGGERED, reading, trigger, now_ms,
                            reason, live=equity.live, close_positions=close)
        ]  # fmt: skip
    if drawdown > warn and not state.warned:
        reason = f"{state.scope} drawdown {pct_text(drawdown)} > warning level {warn} %"
        new = replace(state, peak_equity=peak, warned=True)
        kind = TransitionKind.WARNING
        return new, [
            make_transition(state, new, kind, reading, warn, now_ms, reason, live=equity.live)
        ]
    warned = state.warned and drawdown >= th.resume_pct
    return replace(state, peak_equity=peak, warned=warned), []


def _step_suspended(
    state: BreakerState, equity: ScopeEquity, th: BreakerThresholds, now_ms: int
) -> tuple[BreakerState, list[Transition]]:
    shadow = state.measured_equity(equity)
    drawdown = drawdown_pct(state.peak_equity, shadow)
    held = state.override is Override.FORCE_PAUSE or state.floored
    if held or drawdown >= th.resume_pct:
        return replace(state, shadow_equity=shadow), []
    reason = (
        f"{state.scope} resumed: shadow drawdown {pct_text(drawdown)} < {th.resume_pct} %;"
        f" peak re-based to live equity {equity.live}"
    )
    new = resumed(state, equity, now_ms, reason)
    reading = (shadow, state.peak_equity, drawdown)
    kind = TransitionKind.RELEASED
    return new, [
        make_transition(state, new, kind, reading, th.resume_pct, now_ms, reason,
                        live=equity.live)
    ]  # fmt: skip


def effective_status(statuses: Mapping[str, BreakerStatus], strategy: str) -> BreakerStatus:
    """halted if the portfolio is halted, else the strategy's own status (missing = active)."""
    if statuses.get(PORTFOLIO, BreakerStatus.ACTIVE) is BreakerStatus.HALTED:
        return BreakerStatus.HALTED
    return BreakerStatus(statuses.get(strategy, BreakerStatus.ACTIVE))


def statuses(states: Mapping[str, BreakerState]) -> dict[str, BreakerStatus]:
    """scope -> status, the form the risk rules and the snapshot rows take."""
    return {scope: state.status for scope, state in states.items()}


# The operator's actions, flows and alerts live in their own modules; re-exported so the
# breaker's public names stay in one place (its value types are `domain.breaker`'s).
from algotrading.portfolio.breaker_alerts import transition_alert  # noqa: E402
from algotrading.portfolio.breaker_overrides import (  # noqa: E402
    ExternalFlow,
    InvalidFlow,
    MissingOperator,
    apply_flow,
    apply_override,
)

__all__ = [
    "ExternalFlow",
    "InvalidFlow",
    "MissingOperator",
    "apply_flow",
    "apply_override",
    "effective_status",
    "evaluate",
    "initial_state",
    "resumed",
    "statuses",
    "step",
    "transition_alert",
]
