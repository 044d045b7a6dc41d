"""Exact money for the risk and portfolio rules.

Equities, limits and drawdowns are compared against thresholds that decide whether real money
moves, so they are `Decimal`: a binary float can put a 15.000000000000002 % drawdown on the wrong
side of a 15 % line. Callers that work in floats (the backtests) may pass floats; they enter
through `to_decimal`, which takes the float's shortest repr (0.1 becomes Decimal('0.1')).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from algotrading.errors import AppError

ZERO = Decimal(0)
HUNDRED = Decimal(100)

Number = Decimal | int | float | str


def to_decimal(value: Number, what: str) -> Decimal:
    """`value` as a finite Decimal, or ValueError naming `what` (booleans are refused)."""
    if isinstance(value, bool):
        raise ValueError(f"{what} must be a number, got {value!r}")
    try:
        result = (
            value
            if isinstance(value, Decimal)
            else Decimal(repr(value) if isinstance(value, float) else value)
        )
    except (InvalidOperation, TypeError, ValueError):
        raise ValueError(f"{what} must be a number, got {value!r}") from None
    if not result.is_finite():
        raise ValueError(f"{what} must be finite, got {value!r}")
    return result


def drawdown_pct(peak: Decimal, equity: Decimal) -> Decimal:
    """How far `equity` is below `peak`, in percent of the peak; 0 at or above the peak.

    A peak at or below zero has no meaningful drawdown (a sleeve with nothing allocated), so it
    reports 0 rather than dividing by zero or flipping the sign.
    """
    if peak <= ZERO or equity >= peak:
        return ZERO
    return (peak - equity) / peak * HUNDRED


def coerce_decimals(obj: object, names: tuple[str, ...], error: type[AppError]) -> None:
    """Each named field of the frozen dataclass `obj` as a Decimal (None stays None); a value
    that is not a finite number raises `error` naming the field (validation in __post_init__)."""
    for name in names:
        value: Number | None = getattr(obj, name)
        if value is None:
            continue
        try:
            object.__setattr__(obj, name, to_decimal(value, name))
        except ValueError as exc:
            raise error(str(exc)) from None
