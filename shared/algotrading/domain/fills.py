"""The fill model: how an order, a stop, a liquidation and a funding settlement turn into money.

One pure module (no I/O, no clock) shared by the loopback simulator and the backtest engine, so a
strategy sees the same fills whichever of the two runs it. Floats in, floats out: the backtest
works on float columns; the simulator keeps its books in `Decimal` and quantizes what it gets from
here (prices to the tick, money to 1e-8 USDT). Rules and formulas: docs/fill-model.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import TypeVar

TAKER_FEE_RATE = 0.00055
"""Bybit's base-tier taker fee on USDT perpetuals (0.055 %)."""
MAKER_FEE_RATE = 0.0002
"""Bybit's base-tier maker fee on USDT perpetuals (0.02 %)."""
MAINTENANCE_MARGIN_RATE = 0.005
"""Bybit's lowest risk tier for BTCUSDT/ETHUSDT (0.5 %); used for every symbol, see the docs."""

Num = TypeVar("Num", float, Decimal)
"""Money arithmetic below works on floats (backtest) and on Decimals (the simulator's books)."""


@dataclass(frozen=True, slots=True)
class FeeSchedule:
    """Fee rates as fractions of traded value; a maker adds liquidity, a taker removes it."""

    taker: float = TAKER_FEE_RATE
    maker: float = MAKER_FEE_RATE

    def rate(self, is_maker: bool) -> float:
        return self.maker if is_maker else self.taker

    def fee(self, value: float, is_maker: bool) -> float:
        """The fee on `value` USDT traded; always paid (no rebates at these rates)."""
        return trade_fee(value, self.rate(is_maker))


def trade_fee(value: Num, rate: Num) -> Num:
    """Fee = |traded value| x rate, in the settle coin."""
    return abs(value) * rate


BYBIT_FEES = FeeSchedule()


@dataclass(frozen=True, slots=True)
class Bar:
    """One candle of the finest data the fills are checked against."""

    open: float
    high: float
    low: float
    close: float


class ExitKind(StrEnum):
    STOP_LOSS = "StopLoss"
    TAKE_PROFIT = "TakeProfit"
    LIQUIDATION = "Liquidation"


@dataclass(frozen=True, slots=True)
class Exit:
    """A position exit found in a bar: why, and the price the whole position leaves at."""

    kind: ExitKind
    price: float


def round_to_tick(price: float, tick: float, up: bool) -> float:
    """`price` moved onto the tick grid, up or down. Done in decimal so that a price already on
    the grid stays put (binary floats would push 100020.0000000001 a whole tick up)."""
    if tick <= 0:
        raise ValueError(f"tick must be positive, got {tick}")
    steps = (Decimal(repr(price)) / Decimal(repr(tick))).to_integral_value(
        rounding=ROUND_CEILING if up else ROUND_FLOOR
    )
    return float(steps * Decimal(repr(tick)))


def market_fill_price(
    price: float, is_buy: bool, slippage_bps: float = 0.0, tick: float | None = None
) -> float:
    """A market order's fill: the current price moved against the taker by `slippage_bps`
    (a buy pays up, a sell gets less), then onto the tick grid, again against the taker."""
    if price <= 0:
        raise ValueError(f"price must be positive, got {price}")
    if slippage_bps < 0:
        raise ValueError(f"slippage must not be negative, got {slippage_bps}")
    factor = Decimal(repr(slippage_bps)) / Decimal(10_000)
    moved = Decimal(repr(price)) * (1 + factor if is_buy else 1 - factor)
    if tick is None:
        return float(moved)
    return round_to_tick(float(moved), tick, up=is_buy)


def limit_is_marketable(is_buy: bool, limit: float, price: float) -> bool:
    """A limit order that would trade at once against the current price (it takes liquidity)."""
    return limit >= price if is_buy else limit <= price


def limit_touched(is_buy: bool, limit: float, bar: Bar) -> bool:
    """A resting limit order is reached when the bar trades at or through its price."""
    return bar.low <= limit if is_buy else bar.high >= limit


def bankruptcy_price(entry: float, is_long: bool, leverage: float) -> float:
    """The price at which an isolated position has lost exactly its initial margin."""
    _check_position(entry, leverage)
    return entry * (1 - 1 / leverage) if is_long else entry * (1 + 1 / leverage)


def liquidation_price(
    entry: float, is_long: bool, leverage: float, mmr: float = MAINTENANCE_MARGIN_RATE
) -> float:
    """Isolated margin: liquidated when the loss eats the initial margin down to the maintenance
    margin. Long: entry * (1 - 1/leverage + mmr); short: entry * (1 + 1/leverage - mmr)."""
    _check_position(entry, leverage)
    if not 0 <= mmr < 1 / leverage:
        raise ValueError(f"maintenance margin rate {mmr} must lie in [0, 1/leverage)")
    if is_long:
        return entry * (1 - 1 / leverage + mmr)
    return entry * (1 + 1 / leverage - mmr)


def liquidated(is_long: bool, liq_price: float, bar: Bar) -> bool:
    """Whether the bar's adverse extreme reaches the liquidation price."""
    return bar.low <= liq_price if is_long else bar.high >= liq_price


def realized_pnl(entry: Num, exit_price: Num, qty: Num, is_long: bool) -> Num:
    """Profit of closing `qty` of a position opened at `entry` (before fees)."""
    move = exit_price - entry
    return move * qty if is_long else -move * qty


def funding_payment(position_value: Num, rate: Num, is_long: bool) -> Num:
    """What the position holder receives (positive) or pays (negative) at a settlement.

    `position_value` = size x mark price at the settlement. With a positive rate longs pay
    shorts; with a negative rate shorts pay longs."""
    paid_by_longs = abs(position_value) * rate
    return -paid_by_longs if is_long else paid_by_longs


def resolve_exit(
    is_long: bool,
    bar: Bar,
    stop_loss: float | None = None,
    take_profit: float | None = None,
    liquidation: float | None = None,
    bankruptcy: float | None = None,
) -> Exit | None:
    """The first exit a bar triggers for a position, or None.

    * A bar that opens beyond a level (a gap) exits at the open; a level touched intrabar exits
      at the level itself.
    * Adverse before favourable: when a bar touches the stop (or the liquidation price) and the
      take-profit, the stop is taken: we cannot know the path inside a bar, so we assume the
      worse one.
    * Between stop and liquidation, the one nearer the price comes first; a gap through the
      liquidation price liquidates. A liquidation closes at the bankruptcy price (the whole
      isolated margin is lost) when `bankruptcy` is given, else at the liquidation price.
    """
    sign = 1 if is_long else -1

    def adverse(price: float, level: float) -> bool:  # at or past the level, against us
        return sign * (price - level) <= 0

    def favourable(price: float, level: float) -> bool:  # at or past the level, for us
        return sign * (price - level) >= 0

    liq_exit: Exit | None = None
    if liquidation is not None:
        liq_exit = Exit(ExitKind.LIQUIDATION, liquidation if bankruptcy is None else bankruptcy)
        if adverse(bar.open, liquidation):
            return liq_exit
    if stop_loss is not None and adverse(bar.open, stop_loss):
        return Exit(ExitKind.STOP_LOSS, bar.open)
    if take_profit is not None and favourable(bar.open, take_profit):
        return Exit(ExitKind.TAKE_PROFIT, bar.open)
    worst = bar.low if is_long else bar.high
    best = bar.high if is_long else bar.low
    stop_nearer = liquidation is None or (
        stop_loss is not None and favourable(stop_loss, liquidation)
    )
    if stop_loss is not None and stop_nearer and adverse(worst, stop_loss):
        return Exit(ExitKind.STOP_LOSS, stop_loss)
    if liq_exit is not None and liquidation is not None and adverse(worst, liquidation):
        return liq_exit
    if take_profit is not None and favourable(best, take_profit):
        return Exit(ExitKind.TAKE_PROFIT, take_profit)
    return None


def _check_position(entry: float, leverage: float) -> None:
    if entry <= 0:
        raise ValueError(f"entry price must be positive, got {entry}")
    if leverage < 1:
        raise ValueError(f"leverage must be at least 1, got {leverage}")
