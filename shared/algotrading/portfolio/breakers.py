"""Circuit breakers: a pure state machine per scope (the portfolio, and each strategy's sleeve).

States: a strategy is `active` or `paused`; the portfolio is `active` or `halted`, and a halted
portfolio halts every strategy (`blocking_scope`). Only new entries are blocked: exits, stop
updates and reduce-only orders of open positions go on, since they only lower the risk.

What the drawdown is measured on, in percent of the scope's peak (`money.drawdown_pct`):

- **active**: the scope's live equity (unrealized PnL included). The peak follows it upwards.
  Drawdown > trigger (portfolio 25 %, sleeve 15 %) suspends the scope. Drawdown > the warning
  level (half-way between resume and trigger: 17.5 % / 12.5 %) raises one warning, re-armed
  once the drawdown is back under the resume level.
- **paused / halted**: the *shadow track*. The strategy keeps trading on paper at the same
  prices, and shadow equity = live equity + the net PnL its paper trades made since the
  suspension (`ScopeEquity.shadow_pnl` minus the `shadow_base` noted at the suspension). The peak
  is frozen. Shadow drawdown < resume (10 %) resumes the scope automatically; between 10 % and
  the trigger it stays suspended (hysteresis).
- **on resume** the shadow track is dropped and the peak is re-based to the live equity at that
  moment: the paper gains were never real money, and measuring the live equity against the old
  peak would suspend it again at once. So the next suspension needs a fresh 15 % (25 %) loss;
  the portfolio breaker stays the backstop for the sum.

Operator overrides (`apply_override`): `force_pause` suspends now and sticks, blocking the
automatic resume, until a `force_resume`. `force_resume` is one-shot: it resumes now, re-bases
the peak like an automatic resume and clears any override; from then on the normal rules apply,
so the breaker is never switched off, it only restarts from today's equity.

`close_positions_on_halt` (default False) is carried on portfolio halt transitions: open
positions already sit behind exchange-side stops that cap what they can still lose (the
portfolio-risk limit), and a market-wide liquidation in the middle of the crash that caused the
halt sells at the worst prices and pays taker fees. Strategy pauses never close positions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.errors import AppError
from algotrading.portfolio.allocation import PORTFOLIO
from algotrading.portfolio.money import HUNDRED, ZERO, Number, drawdown_pct, to_decimal


class BreakerStatus(StrEnum):
    """Matches the CHECK constraint of `portfolio_state.breaker_state`."""

    ACTIVE = "active"
    PAUSED = "paused"
    HALTED = "halted"


class Override(StrEnum):
    FORCE_PAUSE = "force_pause"
    FORCE_RESUME = "force_resume"


class TransitionKind(StrEnum):
    TRIGGERED = "triggered"
    RELEASED = "released"
    FORCED_PAUSE = "forced_pause"
    FORCED_RESUME = "forced_resume"
    WARNING = "warning"


class InvalidThresholds(AppError, ValueError):
    """Breaker thresholds that cannot work (e.g. resume level above the trigger)."""


@dataclass(frozen=True, slots=True)
class BreakerThresholds:
    """Percent drawdowns: suspend strictly above the trigger, resume strictly below `resume`."""

    portfolio_halt_pct: Decimal = Decimal(25)
    sleeve_pause_pct: Decimal = Decimal(15)
    resume_pct: Decimal = Decimal(10)
    close_positions_on_halt: bool = False

    def __post_init__(self) -> None:
        for name in ("portfolio_halt_pct", "sleeve_pause_pct", "resume_pct"):
            try:
                value = to_decimal(getattr(self, name), name)
            except ValueError as exc:
                raise InvalidThresholds(str(exc)) from None
            if not ZERO < value <= HUNDRED:
                raise InvalidThresholds(f"{name} must be in (0, 100], got {value}")
            object.__setattr__(self, name, value)
        for name in ("portfolio_halt_pct", "sleeve_pause_pct"):
            if self.resume_pct >= getattr(self, name):
                raise InvalidThresholds(
                    f"resume_pct ({self.resume_pct}) must be below {name} ({getattr(self, name)})"
                    ": without the gap a breaker would flap on every snapshot"
                )

    def trigger_pct(self, scope: str) -> Decimal:
        return self.portfolio_halt_pct if scope == PORTFOLIO else self.sleeve_pause_pct

    def warn_pct(self, scope: str) -> Decimal:
        """Half-way between the resume level and the trigger (17.5 % / 12.5 % by default)."""
        return (self.resume_pct + self.trigger_pct(scope)) / 2


@dataclass(frozen=True, slots=True)
class ScopeEquity:
    """A scope's money now: live equity, cumulative net PnL of its paper trades, start capital."""

    live: Decimal
    shadow_pnl: Decimal = ZERO
    base_capital: Decimal = ZERO

    def __post_init__(self) -> None:
        for name in ("live", "shadow_pnl", "base_capital"):
            value: Number = getattr(self, name)
            object.__setattr__(self, name, to_decimal(value, name))


def suspended_status(scope: str) -> BreakerStatus:
    return BreakerStatus.HALTED if scope == PORTFOLIO else BreakerStatus.PAUSED


@dataclass(frozen=True, slots=True)
class BreakerState:
    """One scope's breaker, as stored in `portfolio_state` (see the module docstring)."""

    scope: str
    status: BreakerStatus = BreakerStatus.ACTIVE
    peak_equity: Decimal = ZERO
    shadow_base: Decimal = ZERO
    shadow_equity: Decimal | None = None
    override: Override | None = None
    override_by: int | None = None
    reason: str | None = None
    changed_ms: int | None = None
    warned: bool = False

    def __post_init__(self) -> None:
        if not self.scope:
            raise ValueError("a breaker state needs a scope")
        object.__setattr__(self, "status", BreakerStatus(self.status))
        if self.override is not None:
            object.__setattr__(self, "override", Override(self.override))
        allowed = (BreakerStatus.ACTIVE, suspended_status(self.scope))
        if self.status not in allowed:
            raise ValueError(f"scope {self.scope} cannot be {self.status}")

    @property
    def suspended(self) -> bool:
        return self.status is not BreakerStatus.ACTIVE

    def measured_equity(self, equity: ScopeEquity) -> Decimal:
        """Live equity when active, the shadow track when suspended."""
        if not self.suspended:
            return equity.live
        return equity.live + equity.shadow_pnl - self.shadow_base

    def drawdown_pct(self, equity: ScopeEquity) -> Decimal:
        return drawdown_pct(self.peak_equity, self.measured_equity(equity))


def initial_state(scope: str, equity: ScopeEquity) -> BreakerState:
    """A scope seen for the first time: its peak is at least its starting capital, so a sleeve
    first evaluated after it already lost money is not credited with a fresh peak."""
    return BreakerState(scope, peak_equity=max(equity.live, equity.base_capital))


@dataclass(frozen=True, slots=True)
class Transition:
    """A state change (or a drawdown warning) to store and to raise as an alert."""

    scope: str
    kind: TransitionKind
    old_status: BreakerStatus
    new_status: BreakerStatus
    equity: Decimal
    peak_equity: Decimal
    drawdown_pct: Decimal
    threshold_pct: Decimal | None
    time_ms: int
    reason: str
    by: int | None = None
    close_positions: bool = False


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
        if state.suspended:
            new_state, events = _step_suspended(state, equity, thresholds, now_ms)
        else:
            new_state, events = _step_active(state, equity, thresholds, now_ms)
        result[scope] = new_state
        transitions.extend(events)
    return result, transitions


def _step_active(
    state: BreakerState, equity: ScopeEquity, th: BreakerThresholds, now_ms: int
) -> tuple[BreakerState, list[Transition]]:
    peak = max(state.peak_equity, equity.live)
    drawdown = drawdown_pct(peak, equity.live)
    trigger, warn = th.trigger_pct(state.scope), th.warn_pct(state.scope)
    if drawdown > trigger:
        new_status = suspended_status(state.scope)
        reason = f"{state.scope} {new_status}: drawdown {_pct(drawdown)} > {trigger} %"
        new = replace(
            state, status=new_status, peak_equity=peak, shadow_base=equity.shadow_pnl,
            shadow_equity=equity.live, override=None, override_by=None, reason=reason,
            changed_ms=now_ms, warned=True,
        )  # fmt: skip
        close = th.close_positions_on_halt and state.scope == PORTFOLIO
        reading = (equity.live, peak, drawdown)
        return new, [
            _transition(state, new, TransitionKind.TRIGGERED, reading, trigger, now_ms, reason,
                        close_positions=close)
        ]  # fmt: skip
    if drawdown > warn and not state.warned:
        reason = f"{state.scope} drawdown {_pct(drawdown)} > warning level {warn} %"
        new = replace(state, peak_equity=peak, warned=True)
        reading = (equity.live, peak, drawdown)
        return new, [_transition(state, new, TransitionKind.WARNING, reading, warn, now_ms, reason)]
    warned = state.warned and drawdown >= th.resume_pct
    return replace(state, peak_equity=peak, warned=warned), []


def _step_suspended(
    state: BreakerState, equity: ScopeEquity, th: BreakerThresholds, now_ms: int
) -> tuple[BreakerState, list[Transition]]:
    shadow = state.measured_equity(equity)
    drawdown = drawdown_pct(state.peak_equity, shadow)
    if state.override is Override.FORCE_PAUSE or drawdown >= th.resume_pct:
        return replace(state, shadow_equity=shadow), []
    reason = (
        f"{state.scope} resumed: shadow drawdown {_pct(drawdown)} < {th.resume_pct} %;"
        f" peak re-based to live equity {equity.live}"
    )
    new = _resumed(state, equity, now_ms, reason)
    reading = (shadow, state.peak_equity, drawdown)
    kind = TransitionKind.RELEASED
    return new, [_transition(state, new, kind, reading, th.resume_pct, now_ms, reason)]


def _resumed(state: BreakerState, equity: ScopeEquity, now_ms: int, reason: str) -> BreakerState:
    return replace(
        state, status=BreakerStatus.ACTIVE, peak_equity=equity.live, shadow_base=ZERO,
        shadow_equity=None, override=None, override_by=None, reason=reason, changed_ms=now_ms,
        warned=False,
    )  # fmt: skip


def apply_override(
    state: BreakerState,
    override: Override | str,
    equity: ScopeEquity,
    thresholds: BreakerThresholds,
    now_ms: int,
    *,
    by: int | None = None,
    note: str | None = None,
) -> tuple[BreakerState, list[Transition]]:
    """An operator's force_pause or force_resume (see the module docstring for how long each
    lasts). Forcing what is already in force changes nothing and returns no transition."""
    override = Override(override)
    who = f" by user {by}" if by is not None else ""
    why = f": {note.strip()}" if note and note.strip() else ""
    reason = f"{state.scope} {override}{who}{why}"
    reading = (state.measured_equity(equity), state.peak_equity, state.drawdown_pct(equity))
    if override is Override.FORCE_RESUME:
        if not state.suspended:
            return state, []
        new = replace(_resumed(state, equity, now_ms, reason), override_by=by)
        kind = TransitionKind.FORCED_RESUME
        return new, [_transition(state, new, kind, reading, None, now_ms, reason, by)]
    if state.override is Override.FORCE_PAUSE:
        return state, []
    new = replace(
        state, status=suspended_status(state.scope), override=Override.FORCE_PAUSE,
        override_by=by, reason=reason, changed_ms=now_ms,
    )  # fmt: skip
    if not state.suspended:  # start the shadow track now
        new = replace(new, shadow_base=equity.shadow_pnl, shadow_equity=equity.live)
    halting = state.scope == PORTFOLIO and not state.suspended
    close = thresholds.close_positions_on_halt and halting
    kind = TransitionKind.FORCED_PAUSE
    return new, [_transition(state, new, kind, reading, None, now_ms, reason, by, close)]


def _transition(
    old: BreakerState,
    new: BreakerState,
    kind: TransitionKind,
    reading: tuple[Decimal, Decimal, Decimal],
    threshold: Decimal | None,
    now_ms: int,
    reason: str,
    by: int | None = None,
    close_positions: bool = False,
) -> Transition:
    """`reading` is (measured equity, the peak it was measured against, drawdown %)."""
    equity, peak, drawdown = reading
    return Transition(
        old.scope, kind, old.status, new.status, equity, peak, drawdown, threshold, now_ms,
        reason, by, close_positions,
    )  # fmt: skip


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01'))} %"


def effective_status(statuses: Mapping[str, BreakerStatus], strategy: str) -> BreakerStatus:
    """halted if the portfolio is halted, else the strategy's own status (missing = active)."""
    if statuses.get(PORTFOLIO, BreakerStatus.ACTIVE) is BreakerStatus.HALTED:
        return BreakerStatus.HALTED
    return BreakerStatus(statuses.get(strategy, BreakerStatus.ACTIVE))


def statuses(states: Mapping[str, BreakerState]) -> dict[str, BreakerStatus]:
    """scope -> status, the form the risk rules and the snapshot rows take."""
    return {scope: state.status for scope, state in states.items()}


_ALERT = {
    TransitionKind.TRIGGERED: (AlertKind.BREAKER_TRIGGERED, AlertLevel.CRITICAL),
    TransitionKind.FORCED_PAUSE: (AlertKind.BREAKER_TRIGGERED, AlertLevel.WARNING),
    TransitionKind.RELEASED: (AlertKind.BREAKER_RELEASED, AlertLevel.INFO),
    TransitionKind.FORCED_RESUME: (AlertKind.BREAKER_RELEASED, AlertLevel.WARNING),
    TransitionKind.WARNING: (AlertKind.DRAWDOWN_WARNING, AlertLevel.WARNING),
}
"""An automatic trip needs a human now; an operator's own override only needs the others told,
and a forced resume is flagged because it overrides a protection."""


def transition_alert(transition: Transition, account_id: int) -> AlertEvent:
    """The alert event of a transition; its dedupe key makes storing it twice a no-op."""
    kind, level = _ALERT[transition.kind]
    message = transition.reason
    if transition.close_positions:
        message += "; closing all open positions (close_positions_on_halt)"
    details = {
        "scope": transition.scope,
        "transition": transition.kind,
        "from": transition.old_status,
        "to": transition.new_status,
        "equity": transition.equity,
        "peak_equity": transition.peak_equity,
        "drawdown_pct": transition.drawdown_pct.quantize(Decimal("0.0001")),
        "threshold_pct": transition.threshold_pct,
        "by_user": transition.by,
        "close_positions": transition.close_positions,
    }
    key = f"breaker:{transition.scope}:{transition.kind}:{transition.time_ms}"
    return AlertEvent.create(
        kind,
        message,
        account_id=account_id,
        details={k: v for k, v in details.items() if v is not None},
        level=level,
        time_ms=transition.time_ms,
        dedupe_key=key,
    )
