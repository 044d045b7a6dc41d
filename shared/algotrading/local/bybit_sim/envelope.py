"""Bybit's answer shapes: the REST envelope, its error codes and its string-typed numbers.

Every number Bybit sends is a string (quirk 12); clients parse them, so the simulator must never
send `1E+1` or a float's binary noise. Money is kept as `Decimal` and rendered here.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

MONEY_STEP = Decimal("0.00000001")
ZERO = Decimal(0)


class BybitError(Exception):
    """A refusal as Bybit words it: retCode, retMsg and the HTTP status it travels with."""

    def __init__(self, ret_code: int, ret_msg: str, http_status: int = 200) -> None:
        super().__init__(f"{ret_code}: {ret_msg}")
        self.ret_code = ret_code
        self.ret_msg = ret_msg
        self.http_status = http_status


def params_error(message: str) -> BybitError:
    """retCode 10001, Bybit's catch-all for a missing or malformed parameter."""
    return BybitError(10001, message)


def envelope(result: Any, time_ms: int, ret_code: int = 0, ret_msg: str = "OK") -> dict[str, Any]:
    """The V5 envelope; errors carry an empty `result` object, as Bybit's do."""
    return {
        "retCode": ret_code,
        "retMsg": ret_msg,
        "result": {} if result is None else result,
        "retExtInfo": {},
        "time": time_ms,
    }


def error_envelope(error: BybitError, time_ms: int) -> dict[str, Any]:
    return envelope({}, time_ms, error.ret_code, error.ret_msg)


def money(value: Decimal) -> Decimal:
    """USDT amounts are kept to 8 decimals, rounded half up."""
    return value.quantize(MONEY_STEP, rounding=ROUND_HALF_UP)


def dec(value: float | int | str | Decimal) -> Decimal:
    """A float from the data files as the decimal it was written as (shortest round trip)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def text(value: Decimal | float | int | None, places: int | None = None) -> str:
    """A number as Bybit writes it: plain digits; `places` fixes the decimals (prices, sizes),
    otherwise trailing zeros are dropped (money). None is the empty string."""
    if value is None:
        return ""
    number = dec(value)
    if places is not None:
        return format(number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP), "f")
    if number == 0:
        return "0"
    rendered = format(number, "f")
    if "." in rendered:
        rendered = rendered.rstrip("0").rstrip(".")
    return rendered


def float_text(value: float, places: int = 8) -> str:
    """A computed float (a sum of volumes, a percentage) without its binary noise."""
    return text(Decimal(repr(round(value, places))))
