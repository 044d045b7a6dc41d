"""An open position as the exit policy sees it, between bars: side, levels, what is left.

Stepped by `strategies.policy`, stored between runs by `db.strategy_state` (as
`PositionState.as_dict`) and restored by the executor: a value type the strategies tier and the
database layer share, so it lives here with its side and the reasons a position is left.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import Any


class PositionSide(StrEnum):
    LONG = "long"
    SHORT = "short"

    @property
    def sign(self) -> int:
        """+1 for a long, -1 for a short: profit = sign x (exit - entry) x qty."""
        return 1 if self is PositionSide.LONG else -1


class ExitReason(StrEnum):
    """Why (part of) a position was closed: `trades.exit_reason`, a backtest leg's reason.

    The first six are the exit policy's (`strategies.policy`); the rest are not the policy's
    choice: the exchange liquidated it, it was closed outside the executor, a portfolio halt
    closed everything, or an operator flattened the scope (`execution.flatten`). Order matters:
    the backtests code a leg's reason by its position here (a new member goes last).
    """

    STOP_LOSS = "stop_loss"
    TRAILING_STOP = "trailing_stop"
    TAKE_PROFIT = "take_profit"
    PARTIAL_TAKE_PROFIT = "partial_take_profit"
    SIGNAL = "signal"
    TIME_STOP = "time_stop"
    LIQUIDATION = "liquidation"
    EXTERNAL = "external"
    PORTFOLIO_HALT = "portfolio_halt"
    FLATTEN = "flatten"


def parse_exit_reason(text: str) -> ExitReason | str:
    """The member `text` names, else `text` itself: a cancelled trade's `exit_reason` is the
    free text of why its entry never filled, not one of the reasons a position is left."""
    member = ExitReason._value2member_map_.get(text)
    return member if isinstance(member, ExitReason) else text


@dataclass(frozen=True, slots=True)
class PositionState:
    """An open position as the policy sees it; levels are prices, None = not set.

    `entry_close_ms` is the close time of the signal bar (the position opened at the next open);
    `last_close_ms` the close time of the last bar stepped, so a bar can never be stepped twice.
    `qty_fraction` is what is left of the initial quantity (0 = closed).
    """

    side: PositionSide
    entry_price: float
    entry_close_ms: int
    last_close_ms: int
    stop: float | None
    take_profit: float | None
    target: float | None
    trail_distance: float | None
    best_price: float
    time_stop_bars: int | None
    qty_fraction: float = 1.0
    trail_active: bool = False
    trail_stop: float | None = None
    partial_done: bool = False
    bars_held: int = 0

    @property
    def is_open(self) -> bool:
        return self.qty_fraction > 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready, for `strategy_state.extra`: the executor restores it with `from_dict`."""
        return {f.name: getattr(self, f.name) for f in fields(self)} | {"side": self.side.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PositionState:
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ValueError(f"unknown position state field {unknown[0]!r}")
        return cls(**{**data, "side": PositionSide(data["side"])})

    @property
    def is_long(self) -> bool:
        return self.side is PositionSide.LONG

    def active_stop(self) -> tuple[float | None, ExitReason]:
        """The stop in force: the tighter of the initial and the trailing stop."""
        if self.trail_stop is None or not self.trail_active:
            return self.stop, ExitReason.STOP_LOSS
        if self.stop is None:
            return self.trail_stop, ExitReason.TRAILING_STOP
        tighter = self.side.sign * (self.trail_stop - self.stop) > 0
        if tighter:
            return self.trail_stop, ExitReason.TRAILING_STOP
        return self.stop, ExitReason.STOP_LOSS
