"""What moves a breaker from outside its rules: an operator's override, an external flow.

**Overrides** (`apply_override`). `force_pause` suspends the scope now and sticks (no automatic
resume) until a `force_resume`. `force_resume` is one-shot and needs a who and a why: it resumes
now with the breaker's reference re-based to the live equity, records who, why and when on the
state (`resumed_by`, `resumed_reason`, `resumed_ms`, kept until the next operator resume so an
audit table can take them over), and, for a scope halted at its hard floor, takes the live
equity as the new floor peak: the operator has seen the loss, and the next floor is measured
from what is left. The real peak is never touched.

**External flows** (`apply_flow`). A recognised deposit or withdrawal changes the equity without
a gain or a loss, so every peak of the scope is scaled by the same factor as the equity
(`(equity + amount) / equity`): the drawdowns in percent are what they were before the flow. A
plain shift of the peaks by the amount would turn a large withdrawal into a deeper drawdown
(100,000 peak, 80,000 equity, 40,000 withdrawn: 33 % instead of 20 %) and halt the scope for
taking money out. Each flow carries its time; a flow not later than the last one applied is
taken as already applied, so a retried run does not count it twice.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from algotrading.domain.breaker import (
    BreakerState,
    BreakerThresholds,
    Override,
    ScopeEquity,
    Transition,
    TransitionKind,
    suspended_status,
)
from algotrading.domain.money import ZERO, to_decimal
from algotrading.domain.scopes import PORTFOLIO
from algotrading.errors import AppError
from algotrading.portfolio.breaker_steps import make_transition, resumed

_MONEY = Decimal("0.00000001")  # the scale of the stored peaks (NUMERIC(24, 8))


class MissingOperator(AppError, ValueError):
    """A force-resume without a who or a why: it lifts a protection, so both are required."""


class InvalidFlow(AppError, ValueError):
    """An external flow that cannot be applied (zero, or an equity it cannot scale)."""


def apply_override(
    state: BreakerState,
    override: Override | str,
    equity: ScopeEquity,
    thresholds: BreakerThresholds,
    now_ms: int,
    *,
    by: int | None = None,
    note: str | None = None,
    actor: str | None = None,
) -> tuple[BreakerState, list[Transition]]:
    """An operator's force_pause or force_resume (module docstring). `actor` names who (or
    `by`, a user id); a force_resume without a who or a reason raises `MissingOperator` and
    changes nothing. Forcing what is already in force returns the state and no transition."""
    override = Override(override)
    who = (actor or "").strip() or (f"user {by}" if by is not None else "")
    why = (note or "").strip()
    if override is Override.FORCE_RESUME and not (who and why):
        missing = " and ".join(n for n, v in (("an actor", who), ("a reason", why)) if not v)
        raise MissingOperator(f"a force-resume of {state.scope} needs {missing}")
    reason = (
        f"{state.scope} {override}" + (f" by {who}" if who else "") + (f": {why}" if why else "")
    )
    reading = (state.measured_equity(equity), state.peak_equity, state.drawdown_pct(equity))
    if override is Override.FORCE_RESUME:
        if not state.suspended:
            return state, []
        if state.floored:
            reason += f"; hard floor re-based to live equity {equity.live}"
        new = _forced_resume(state, equity, now_ms, reason, (who, why))
        new = replace(new, override_by=by)
        kind = TransitionKind.FORCED_RESUME
        return new, [
            make_transition(state, new, kind, reading, None, now_ms, reason, live=equity.live,
                            by=by)
        ]  # fmt: skip
    return _forced_pause(state, equity, thresholds, now_ms, reason, by)


def _forced_pause(
    state: BreakerState,
    equity: ScopeEquity,
    thresholds: BreakerThresholds,
    now_ms: int,
    reason: str,
    by: int | None,
) -> tuple[BreakerState, list[Transition]]:
    """Suspended now and sticky; the shadow track starts unless it is already running."""
    if state.override is Override.FORCE_PAUSE:
        return state, []
    reading = (state.measured_equity(equity), state.peak_equity, state.drawdown_pct(equity))
    new = replace(
        state, status=suspended_status(state.scope), override=Override.FORCE_PAUSE,
        override_by=by, reason=reason, changed_ms=now_ms,
    )  # fmt: skip
    if not state.suspended:  # start the shadow track now
        new = replace(new, shadow_base=equity.shadow_pnl, shadow_equity=equity.live)
    halting = state.scope == PORTFOLIO and not state.suspended
    close = thresholds.close_positions_on_halt and halting
    kind = TransitionKind.FORCED_PAUSE
    return new, [
        make_transition(state, new, kind, reading, None, now_ms, reason, live=equity.live,
                        by=by, close_positions=close)
    ]  # fmt: skip


def _forced_resume(
    state: BreakerState, equity: ScopeEquity, now_ms: int, reason: str, who_why: tuple[str, str]
) -> BreakerState:
    """Resumed, the operator recorded, and a floored scope's floor re-based to the equity."""
    who, why = who_why
    if state.floored:
        state = replace(state, floored=False, floor_peak=equity.live)
    new = resumed(state, equity, now_ms, reason)
    return replace(new, resumed_by=who, resumed_reason=why, resumed_ms=now_ms)


@dataclass(frozen=True, slots=True)
class ExternalFlow:
    """A recognised deposit (+) or withdrawal (-) of one scope, in USDT, at `time_ms`."""

    amount: Decimal
    time_ms: int

    def __post_init__(self) -> None:
        try:
            amount = to_decimal(self.amount, "flow amount")
        except ValueError as exc:
            raise InvalidFlow(str(exc)) from None
        if amount == ZERO:
            raise InvalidFlow("a flow of 0 is no flow")
        object.__setattr__(self, "amount", amount)


def apply_flow(state: BreakerState, flow: ExternalFlow, equity_before: Decimal) -> BreakerState:
    """Scale the scope's peaks by `(equity_before + amount) / equity_before` (module docstring).

    `equity_before` is the scope's live equity just before the flow; it and the equity after
    must be positive (a flow that empties the scope leaves nothing to measure a drawdown on).
    The shadow equity moves by the amount, as the live equity under it does."""
    if state.last_flow_ms is not None and flow.time_ms <= state.last_flow_ms:
        return state
    before = to_decimal(equity_before, "equity before the flow")
    after = before + flow.amount
    if before <= ZERO or after <= ZERO:
        raise InvalidFlow(
            f"{state.scope}: a flow of {flow.amount} on an equity of {before} leaves {after};"
            " peaks can only be scaled between positive equities"
        )
    factor = after / before
    shadow = None if state.shadow_equity is None else state.shadow_equity + flow.amount
    return replace(
        state,
        real_peak=(state.real_peak * factor).quantize(_MONEY),
        floor_peak=(state.floor_peak * factor).quantize(_MONEY),
        peak_equity=(state.peak_equity * factor).quantize(_MONEY),
        shadow_equity=shadow,
        last_flow_ms=flow.time_ms,
    )
