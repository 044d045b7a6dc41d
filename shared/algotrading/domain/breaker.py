"""The circuit breakers' value types: thresholds, a scope's money, its state, a transition.

Three peaks live side by side in a `BreakerState`, because they answer different questions
(docs/RISK.md, "Circuit breakers"):

- `real_peak`: the all-time high of the scope's live equity, adjusted for recognised deposits
  and withdrawals. Never re-based: it is the truth a dashboard's drawdown shows.
- `floor_peak`: where the **hard floor** is measured from. Equal to the real peak until an
  operator resumes a scope halted at its floor; that resume records the equity of the moment as
  the new floor peak (the operator has seen and accepted the loss). It follows the equity up.
- `peak_equity`: the **breaker's reference** for the soft rule (25 % / 15 %). It follows the
  equity up while active, is frozen while suspended and re-based to the live equity on a resume,
  so that the soft rule measures a fresh loss from where the scope came back.

These are values shared by the portfolio tier, which decides (the state machine is
`portfolio.breakers`, the operator's actions and external flows `portfolio.breaker_overrides`,
their shared steps `portfolio.breaker_steps`), and the database layer, which stores them
(`db.portfolio_state`, `db.snapshots`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from algotrading.domain.money import HUNDRED, ZERO, Number, drawdown_pct, to_decimal
from algotrading.domain.scopes import PORTFOLIO
from algotrading.errors import AppError


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
    FLOOR_BREACHED = "floor_breached"
    RELEASED = "released"
    FORCED_PAUSE = "forced_pause"
    FORCED_RESUME = "forced_resume"
    WARNING = "warning"


class InvalidThresholds(AppError, ValueError):
    """Breaker thresholds that cannot work (e.g. resume level above the trigger)."""


_PCT_FIELDS = (
    "portfolio_halt_pct",
    "sleeve_pause_pct",
    "resume_pct",
    "portfolio_floor_pct",
    "sleeve_floor_pct",
)


@dataclass(frozen=True, slots=True)
class BreakerThresholds:
    """Percent drawdowns: suspend strictly above the trigger, resume strictly below `resume`,
    halt for an operator at or beyond the hard floor (measured from `floor_peak`)."""

    portfolio_halt_pct: Decimal = Decimal(25)
    sleeve_pause_pct: Decimal = Decimal(15)
    resume_pct: Decimal = Decimal(10)
    close_positions_on_halt: bool = False
    portfolio_floor_pct: Decimal = Decimal(35)
    sleeve_floor_pct: Decimal = Decimal(25)

    def __post_init__(self) -> None:
        for name in _PCT_FIELDS:
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
        for floor, trigger in (
            ("portfolio_floor_pct", "portfolio_halt_pct"),
            ("sleeve_floor_pct", "sleeve_pause_pct"),
        ):
            if getattr(self, floor) <= getattr(self, trigger):
                raise InvalidThresholds(
                    f"{floor} ({getattr(self, floor)}) must be above {trigger}"
                    f" ({getattr(self, trigger)}): the hard floor is the last line, not the first"
                )

    def trigger_pct(self, scope: str) -> Decimal:
        return self.portfolio_halt_pct if scope == PORTFOLIO else self.sleeve_pause_pct

    def floor_pct(self, scope: str) -> Decimal:
        return self.portfolio_floor_pct if scope == PORTFOLIO else self.sleeve_floor_pct

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
    """One scope's breaker, as stored in `portfolio_state` (the three peaks: module docstring).

    `floored`: suspended at the hard floor; only an operator's force_resume lifts it.
    `resumed_by`, `resumed_reason`, `resumed_ms`: the last operator resume (who, why, when).
    `last_flow_ms`: time of the last external flow applied (a flow is applied once).
    A `real_peak` or `floor_peak` of 0 (a state stored before they existed) reads as the
    highest peak the state knows.
    """

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
    real_peak: Decimal = ZERO
    floor_peak: Decimal = ZERO
    floored: bool = False
    resumed_by: str | None = None
    resumed_reason: str | None = None
    resumed_ms: int | None = None
    last_flow_ms: int | None = None

    def __post_init__(self) -> None:
        if not self.scope:
            raise ValueError("a breaker state needs a scope")
        object.__setattr__(self, "status", BreakerStatus(self.status))
        if self.override is not None:
            object.__setattr__(self, "override", Override(self.override))
        allowed = (BreakerStatus.ACTIVE, suspended_status(self.scope))
        if self.status not in allowed:
            raise ValueError(f"scope {self.scope} cannot be {self.status}")
        if self.floored and self.status is BreakerStatus.ACTIVE:
            raise ValueError(f"scope {self.scope} cannot be active and floored")
        for name in ("peak_equity", "shadow_base", "real_peak", "floor_peak"):
            object.__setattr__(self, name, to_decimal(getattr(self, name), name))
        if self.floor_peak == ZERO:
            object.__setattr__(self, "floor_peak", max(self.real_peak, self.peak_equity))
        real = max(self.real_peak, self.floor_peak, self.peak_equity)
        object.__setattr__(self, "real_peak", real)

    @property
    def suspended(self) -> bool:
        return self.status is not BreakerStatus.ACTIVE

    def measured_equity(self, equity: ScopeEquity) -> Decimal:
        """Live equity when active, the shadow track when suspended."""
        if not self.suspended:
            return equity.live
        return equity.live + equity.shadow_pnl - self.shadow_base

    def drawdown_pct(self, equity: ScopeEquity) -> Decimal:
        """The breaker's view: measured equity against the breaker's reference."""
        return drawdown_pct(self.peak_equity, self.measured_equity(equity))

    def real_drawdown_pct(self, equity: ScopeEquity) -> Decimal:
        """The truth: live equity (unrealized PnL included) against the all-time real peak."""
        return drawdown_pct(max(self.real_peak, equity.live), equity.live)

    def floor_level(self, thresholds: BreakerThresholds) -> Decimal:
        """The live equity at or below which the scope halts for an operator."""
        return self.floor_peak * (HUNDRED - thresholds.floor_pct(self.scope)) / HUNDRED


@dataclass(frozen=True, slots=True)
class Transition:
    """A state change (or a drawdown warning) to store and to raise as an alert.

    `equity`, `peak_equity` and `drawdown_pct` are what the rule measured (the breaker's
    reference, or the floor peak for a floor breach); `real_peak` is the truth beside it."""

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
    real_peak: Decimal = ZERO
    live_equity: Decimal | None = None

    @property
    def real_drawdown_pct(self) -> Decimal:
        live = self.equity if self.live_equity is None else self.live_equity
        return drawdown_pct(max(self.real_peak, live), live)
