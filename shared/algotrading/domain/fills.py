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
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

TAKER_FEE_RATE = 0.00055
"""Bybit's base-tier taker fee on USDT perpetuals (0.055 %)."""
MAKER_FEE_RATE = 0.0002
"""Bybit's base-tier maker fee on USDT perpetuals (0.02 %)."""
MAINTENANCE_MARGIN_RATE = 0.005
"""Bybit's lowest risk tier for BTCUSDT/ETHUSDT (0.5 %); used for every symbol, see the docs."""
MARKET_SLIPPAGE_BPS = 2.0
"""What a market order pays against the taker unless configured otherwise: the simulator's
default, the backtest's default and the live paper path's, one number so the three agree."""

F64 = npt.NDArray[np.float64]
Num = TypeVar("Num", float, Decimal, F64)
"""Money arithmetic below works on floats and float arrays (backtest) and on Decimals (the
simulator's books)."""
Bools = npt.NDArray[np.bool_]


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


@overload
def trade_fee(value: F64, rate: float) -> F64: ...
@overload
def trade_fee(value: Num, rate: Num) -> Num: ...
def trade_fee(value: Any, rate: Any) -> Any:
    """Fee = |traded value| x rate, in the settle coin (a backtest's arrays at one float rate)."""
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


def trigger_fill_price(rising: bool, trigger: float, bar: Bar) -> float | None:
    """Where a conditional market order (a stop order) fills in `bar`, or None if it stays put.

    `rising` (Bybit's triggerDirection 1) fires when the price rises to `trigger`, falling
    (direction 2) when it falls to it. Once fired it is a market exit like a position's
    take-profit, so it gets exactly that rule from `resolve_exit` (a long's take-profit is a
    level above, a short's one below): a bar that opens at or past the level (a gap) fills at
    the open, one that only reaches it intrabar fills at the level itself. Sharing the rule
    keeps a stop order and a position stop at the same level filling at the same price.
    """
    found = resolve_exit(rising, bar, take_profit=trigger)
    return None if found is None else found.price


def _check_position(entry: float, leverage: float) -> None:
    if entry <= 0:
        raise ValueError(f"entry price must be positive, got {entry}")
    if leverage < 1:
        raise ValueError(f"leverage must be at least 1, got {leverage}")


# --- Array forms, for the backtest engine --------------------------------------------------------
# The backtest resolves thousands of fills at once; these are the rules above applied element-wise
# to numpy arrays (tests/unit/test_backtest_fills.py checks them against the scalar functions).

EXIT_NONE, EXIT_STOP_LOSS, EXIT_TAKE_PROFIT, EXIT_LIQUIDATION = 0, 1, 2, 3
"""Codes of `resolve_exits`; `EXIT_KINDS[code]` is the `ExitKind` (None for no exit)."""
EXIT_KINDS: tuple[ExitKind | None, ...] = (
    None, ExitKind.STOP_LOSS, ExitKind.TAKE_PROFIT, ExitKind.LIQUIDATION,
)  # fmt: skip


def market_fill_prices(prices: F64, is_buy: Bools, slippage_bps: float) -> F64:
    """`market_fill_price` without a tick, in float arithmetic: price x (1 ± bps / 10 000).

    The scalar function computes in decimal from the price's shortest repr; this one in binary
    floats, so the two can differ in the last two bits (relative 5e-16, far below any tick).
    The backtest prices every market fill with this one, whichever walk found the fill, so its
    results do not depend on the walk.
    """
    if slippage_bps < 0:
        raise ValueError(f"slippage must not be negative, got {slippage_bps}")
    factor = slippage_bps / 10_000.0
    p = np.asarray(prices, dtype=np.float64)
    return np.where(np.asarray(is_buy, dtype=bool), p * (1.0 + factor), p * (1.0 - factor))


def resolve_exits(
    sign: F64,
    open_: F64,
    high: F64,
    low: F64,
    stop_loss: F64,
    take_profit: F64,
    liquidation: F64,
    bankruptcy: F64,
) -> tuple[npt.NDArray[np.int8], F64]:
    """`resolve_exit` element-wise: (exit code, price), code `EXIT_NONE` with a NaN price where
    the bar triggers nothing. `sign` is +1 for a long, -1 for a short; a NaN level is an absent
    one (`None` in the scalar function), a NaN bankruptcy price liquidates at the liquidation
    price. The conditions are those of `resolve_exit`, tested in the same order."""
    s = np.asarray(sign, dtype=np.float64)
    has_stop, has_tp, has_liq = ~np.isnan(stop_loss), ~np.isnan(take_profit), ~np.isnan(liquidation)
    long = s > 0
    worst, best = np.where(long, low, high), np.where(long, high, low)
    with np.errstate(invalid="ignore"):
        stop_nearer = ~has_liq | (has_stop & (s * (stop_loss - liquidation) >= 0))
        conditions = [
            has_liq & (s * (open_ - liquidation) <= 0),
            has_stop & (s * (open_ - stop_loss) <= 0),
            has_tp & (s * (open_ - take_profit) >= 0),
            has_stop & stop_nearer & (s * (worst - stop_loss) <= 0),
            has_liq & (s * (worst - liquidation) <= 0),
            has_tp & (s * (best - take_profit) >= 0),
        ]
    liq_price = np.where(np.isnan(bankruptcy), liquidation, bankruptcy)
    codes = [EXIT_LIQUIDATION, EXIT_STOP_LOSS, EXIT_TAKE_PROFIT,
             EXIT_STOP_LOSS, EXIT_LIQUIDATION, EXIT_TAKE_PROFIT]  # fmt: skip
    prices = [liq_price, open_, open_, stop_loss, liq_price, take_profit]
    code = np.select(conditions, codes, EXIT_NONE).astype(np.int8)
    price = np.select(conditions, prices, np.nan)
    return code, price
