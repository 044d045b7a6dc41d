"""Position sizing: from the risk per trade and the stop distance (or momentum's weight), then
capped by the risk rules and rounded to what the instrument accepts. Pure Decimal arithmetic.

Risk sizing: the quantity whose loss at the stop, fees included, is the risk budget:

    qty = sizing capital x risk % / (|entry - stop| + (entry + stop) x taker fee rate)

which is exactly the "loss at the stop" the risk module measures (docs/RISK.md), so a strategy
asking for the account's maximum risk per trade is never reduced by that rule. Weight sizing
(momentum): the position's margin is its weight of the sleeve, `qty = capital x weight x
leverage / entry`; such a proposal is marked `weight_sized`, so the risk-per-trade cap (a rule
about a stop-sized trade) does not cut it, while the sleeve, leverage, conflict, absolute-loss
and portfolio-risk rules still bound it (docs/RISK.md, "which caps apply"). A basket member that
cannot be entered has its weight re-spread over the members that can (`respread`), so the sleeve
is not silently under-invested. The caps are applied by `risk.validate`; afterwards the quantity
is floored to the instrument's step (flooring keeps every cap satisfied) and refused below the
minimum quantity or notional.

`entry_quantity` and `respread` are the one sizing code of the executor
(`execution.processor`) and the portfolio backtest (`backtest.portfolio.combine`): the parity of
the two paths rests on it. It sits in `risk`, below both, because the two paths are siblings that
may not import each other, and sizing is the risk budget turned into a quantity.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from algotrading.exchange.types import SymbolInfo
from algotrading.strategies.base import PolicySizing, PositionPolicy

ZERO = Decimal(0)
HUNDRED = Decimal(100)


def dec(value: float | int | str | Decimal) -> Decimal:
    """A float as its shortest decimal (0.1 is 0.1, not 0.1000000000000000055...)."""
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def risk_quantity(
    capital: Decimal, risk_pct: Decimal, entry: Decimal, stop: Decimal, fee_rate: Decimal
) -> Decimal:
    """The quantity that loses `risk_pct` % of `capital` at the stop, fees included."""
    if capital <= ZERO or risk_pct <= ZERO:
        return ZERO
    unit = abs(entry - stop) + (entry + stop) * fee_rate
    if unit <= ZERO:
        raise ValueError(f"no risk per unit between entry {entry} and stop {stop}")
    return capital * risk_pct / HUNDRED / unit


def weight_quantity(
    capital: Decimal, weight: Decimal, leverage: Decimal, entry: Decimal
) -> Decimal:
    """The quantity whose margin is `weight` of `capital` at `leverage`."""
    if capital <= ZERO or weight <= ZERO:
        return ZERO
    return capital * weight * leverage / entry


def entry_quantity(
    policy: PositionPolicy,
    capital: Decimal,
    price: Decimal,
    stop: Decimal,
    weight: Decimal | None,
    fee_rate: Decimal,
    default_risk_pct: Decimal,
) -> Decimal:
    """The raw quantity of an entry before the risk caps: the weight of the sleeve at the
    policy's leverage for a weight-sized strategy (`weight` None or not positive: nothing), else
    the policy's risk % (the account's `default_risk_pct` when it has none) over the stop."""
    if policy.sizing is PolicySizing.WEIGHT:
        if weight is None or not weight.is_finite():
            return ZERO
        return weight_quantity(capital, weight, dec(policy.leverage), price)
    pct = policy.risk_per_trade_pct
    risk_pct = dec(pct) if pct is not None else default_risk_pct
    return risk_quantity(capital, risk_pct, price, stop, fee_rate)


def respread(weights: Mapping[str, float], enterable: Collection[str]) -> dict[str, Decimal]:
    """Each enterable member's weight over the sum of the enterable members' weights.

    A basket's weights sum to 1 over its members; a member that cannot be entered (another
    strategy holds the symbol, warm-up, no candle) would leave its share of the sleeve idle.
    Dividing by what the enterable members hold re-spreads that share over them in proportion,
    so they sum to 1 again. A member already held counts as enterable: its share is invested.
    Members with a missing or non-positive weight are left out; none enterable: empty.
    """
    usable = {
        s: dec(w) for s, w in weights.items() if s in enterable and math.isfinite(w) and w > 0
    }
    total = sum(usable.values(), ZERO)
    if total <= ZERO:
        return {}
    return {s: w / total for s, w in usable.items()}


def stop_level(entry: Decimal, distance: Decimal, is_long: bool) -> Decimal:
    return entry - distance if is_long else entry + distance


@dataclass(frozen=True, slots=True)
class Rounded:
    """A quantity the exchange accepts, or why there is none."""

    qty: Decimal
    refusal: str | None = None


def to_instrument(qty: Decimal, price: Decimal, info: SymbolInfo) -> Rounded:
    """Floor to the step; refuse below the minimum quantity or notional (an opening order)."""
    limit = min(info.max_market_qty, info.max_qty) if info.max_market_qty > 0 else info.max_qty
    floored = info.floor_qty(min(qty, limit) if limit > 0 else qty)
    if floored <= ZERO or floored < info.min_qty:
        return Rounded(ZERO, f"below_minimum: qty {qty} < minimum {info.min_qty} {info.symbol}")
    if floored * price < info.min_notional:
        return Rounded(
            ZERO,
            f"below_minimum: notional {floored * price} < minimum {info.min_notional} USDT",
        )
    return Rounded(floored)


def round_stop(stop: Decimal, is_long: bool, info: SymbolInfo) -> Decimal:
    """To the tick, towards the entry: a rounded stop never risks more than was sized."""
    return _tick(stop, info, ROUND_CEILING if is_long else ROUND_FLOOR)


def round_take_profit(level: Decimal, is_long: bool, info: SymbolInfo) -> Decimal:
    """To the tick, towards the entry: a rounded take-profit is never further than asked."""
    return _tick(level, info, ROUND_FLOOR if is_long else ROUND_CEILING)


def _tick(price: Decimal, info: SymbolInfo, rounding: str) -> Decimal:
    step = info.tick_size
    if step <= ZERO:
        return price
    return ((price / step).to_integral_value(rounding=rounding) * step).quantize(step)


def exit_quantity(open_qty: Decimal, fraction_of_open: Decimal, info: SymbolInfo) -> Decimal:
    """A partial exit floored to the step; the whole position when the rest would be dust."""
    wanted = info.floor_qty(open_qty * fraction_of_open)
    rest = open_qty - wanted
    if wanted <= ZERO or rest < info.min_qty:
        return open_qty
    return wanted
