"""Words and numbers a trader reads (docs/output.md): counts with the right plural ("1 trade",
"2 trades"), quantities and prices at the instrument's lot and tick, money at two decimals in
tables and never as `0E-8`. Presentation only: the stored values stay exact."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal


def plural(word: str, n: int = 2, many: str | None = None) -> str:
    """`word` for one, else `many` (default: `word` + "s")."""
    return word if n == 1 else (many or word + "s")


def count(n: int, word: str, many: str | None = None) -> str:
    """`1 trade`, `2 trades`, `2,929 closes`."""
    return f"{n:,} {plural(word, n, many)}"


def plain(value: Decimal) -> str:
    """Fixed notation, never an exponent (`0E-8` is `0.00000000`)."""
    return format(value, "f")


def on_step(text: str, step: str) -> str:
    """A quantity or price as text at the instrument's step (lot or tick): `0.033400000000` on
    `0.0001` is `0.0334`. Lossless: a value off the step keeps its digits (without trailing
    zeros), so nothing stored is misread."""
    value, exact = Decimal(text), Decimal(step).normalize()
    exponent = exact.as_tuple().exponent
    if not isinstance(exponent, int):  # NaN or infinity is no step
        raise ValueError(f"not an instrument step: {step!r}")
    stepped = value.quantize(exact) if exponent < 0 else value.quantize(1)
    return plain(stepped if stepped == value else value.normalize())


def money(text: str) -> str:
    """USDT as exact text with at least two decimals and no padding beyond: `0E-8` is `0.00`,
    `10000.00000000` is `10000.00`, `4.39774861` stays."""
    value = Decimal(text).normalize()
    places = max(2, -int(value.as_tuple().exponent))
    return plain(value.quantize(Decimal(1).scaleb(-places)))


def money_cell(value: float | None) -> str:
    """USDT in a table: two decimals, thousands separated; `-` for none."""
    return "-" if value is None else f"{value:,.2f}"


def step_cell(value: float | None, step: Decimal | None) -> str:
    """A quantity or price in a table at the instrument's step, rounded to it (a backtest's
    risk-sized 204.939030638 on a lot of 0.1 is 204.9); no step known: 12 significant digits."""
    if value is None:
        return "-"
    if step is None:
        return f"{value:.12g}"
    return plain(Decimal(repr(value)).quantize(step.normalize(), rounding=ROUND_HALF_EVEN))
