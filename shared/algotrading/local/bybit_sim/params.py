"""Reading request parameters the way Bybit does: strings or JSON values, refused with 10001.

GET parameters arrive as strings, POST bodies as JSON where numbers may be strings (pybit sends
qty and price as strings) or numbers. Anything malformed becomes retCode 10001 naming the field;
nothing raises past this module as a Python error.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from algotrading.local.bybit_sim.envelope import params_error

CATEGORY = "linear"


class Params:
    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = dict(raw)

    def has(self, name: str) -> bool:
        return self.raw.get(name) not in (None, "")

    def text(
        self, name: str, *, required: bool = False, choices: Iterable[str] | None = None
    ) -> str | None:
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise params_error(f"params error: {name} is required")
            return None
        if not isinstance(value, str):
            raise params_error(f"params error: {name} must be a string")
        allowed = tuple(choices) if choices is not None else None
        if allowed is not None and value not in allowed:
            raise params_error(f"params error: {name} must be one of {', '.join(allowed)}")
        return value

    def required_text(self, name: str, choices: Iterable[str] | None = None) -> str:
        value = self.text(name, required=True, choices=choices)
        assert value is not None
        return value

    def integer(self, name: str, default: int | None = None, lo: int = 0, hi: int = 2**62) -> int:
        value = self.raw.get(name)
        if value is None or value == "":
            if default is None:
                raise params_error(f"params error: {name} is required")
            return default
        if isinstance(value, bool):
            raise params_error(f"params error: {name} must be an integer")
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise params_error(f"params error: {name} must be an integer") from None
        if not lo <= number <= hi:
            raise params_error(f"params error: {name} must lie in [{lo}, {hi}]")
        return number

    def optional_integer(self, name: str) -> int | None:
        return self.integer(name) if self.has(name) else None

    def decimal(self, name: str, *, required: bool = False) -> Decimal | None:
        """A non-negative finite number."""
        value = self.raw.get(name)
        if value is None or value == "":
            if required:
                raise params_error(f"params error: {name} is required")
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise params_error(f"params error: {name} must be a number")
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            raise params_error(f"params error: {name} must be a number") from None
        if not number.is_finite() or number < 0:
            raise params_error(f"params error: {name} must be a finite number >= 0")
        return number

    def tick_price(self, name: str, tick: Decimal) -> Decimal:
        """A required price above 0 on the instrument's tick grid: limit and trigger prices get
        the same check, so both are refused with the same words."""
        price = self.decimal(name, required=True)
        assert price is not None
        if price <= 0:
            raise params_error(f"params error: {name} must be greater than 0")
        if price % tick != 0:
            raise params_error(f"params error: {name} must be a multiple of tickSize {tick}")
        return price

    def boolean(self, name: str) -> bool:
        value = self.raw.get(name)
        if value in (None, "", False, 0, "false", "0"):
            return False
        if value in (True, 1, "true", "1"):
            return True
        raise params_error(f"params error: {name} must be true or false")

    def category(self, required: bool = True) -> str:
        value = self.text("category", required=required) or CATEGORY
        if value != CATEGORY:
            raise params_error(f"params error: category {value} is not supported (linear only)")
        return value

    def window(self, now_ms: int, default_ms: int, max_ms: int) -> tuple[int, int]:
        """startTime/endTime as Bybit reads them: neither -> the last `default_ms`; one -> that
        span from it; both -> at most `max_ms` apart."""
        start = self.optional_integer("startTime")
        end = self.optional_integer("endTime")
        if start is None and end is None:
            return now_ms - default_ms, now_ms
        if start is None:
            assert end is not None
            return end - default_ms, end
        if end is None:
            return start, start + default_ms
        if end < start:
            raise params_error("params error: endTime must not be before startTime")
        if end - start > max_ms:
            days = max_ms // 86_400_000
            raise params_error(f"params error: endTime - startTime must be <= {days} days")
        return start, end

    def cursor(self) -> int:
        """Our cursors are offsets into the filtered list, written as text."""
        value = self.raw.get("cursor")
        if value in (None, ""):
            return 0
        try:
            offset = int(str(value))
        except ValueError:
            raise params_error("params error: cursor invalid") from None
        if offset < 0:
            raise params_error("params error: cursor invalid")
        return offset


def page(rows: list[Any], params: Params, default: int, maximum: int) -> tuple[list[Any], str]:
    """One page of `rows` and the next cursor ("" at the end)."""
    limit = params.integer("limit", default, 1, maximum)
    offset = params.cursor()
    chunk = rows[offset : offset + limit]
    more = offset + limit < len(rows)
    return chunk, str(offset + limit) if more else ""
