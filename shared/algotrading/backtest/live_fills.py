"""Where the executor's orders fill on the simulator, for a fill the backtest found off the tick.

The backtest's fills come from bars alone (no instrument filters), so a market fill is the bar's
open slipped by the backtest's slippage and a stop fills at the policy's level, both off the
tick grid. The executor sends orders the exchange accepts and the simulator fills them on the
tick (docs/BACKTESTING.md, "Live parity"):

* a market order (entry, signal or time-stop exit) fills at the current price slipped against
  the taker, then moved onto the tick against the taker (`domain.fills.market_fill_price`); the
  backtest's price already carries the slippage, so only the tick rounding is added;
* the stop is the backtest's stop distance taken from the ticked entry fill, rounded to the
  tick towards the entry (`risk.sizing.round_stop`); a bar that gaps through it fills at
  the bar's open, as the backtest's own fill already is; a trailing stop at its level rounded
  the same way;
* a take-profit or partial take-profit rests at its level rounded towards the entry
  (`round_take_profit`); a liquidation stays where the fill model put it.

Paper (shadow) trades send no order: the live paper path (`execution.paper`) fills a market
order at its price slipped by `MARKET_SLIPPAGE_BPS` onto the tick, its entry at the signal bar's
close, and books stops and targets at the stepper's level, unrounded.

One copy of these rules: the combine step prices each position it takes with them
(`backtest.portfolio.pricing`), and `backtest.parity` puts a result's prices there before it
compares (a no-op on prices already on the tick).
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from algotrading.domain.fills import MARKET_SLIPPAGE_BPS, market_fill_price, round_to_tick

MARKET_EXITS = frozenset({"signal", "time_stop"})
STOPS = frozenset({"stop_loss", "trailing_stop"})
SNAP = 1e-14
"""A float within this relative distance of a tick is on it: the backtest slips in binary floats
(`market_fill_prices`), the simulator in decimal; the float product can sit an ulp past a tick
the decimal one lands on exactly, and rounding up would then add a whole tick. A price of up
to ten significant digits slipped by whole basis points is otherwise at least 1e-14 relative
away from any tick."""


def taker_tick(price: float, tick: Decimal, is_buy: bool) -> float:
    """A slipped market fill moved onto the tick against the taker: a buy up, a sell down."""
    ticks = Decimal(repr(price)) / tick
    nearest = ticks.to_integral_value()
    if abs(ticks - nearest) * tick <= Decimal(SNAP) * abs(Decimal(repr(price))):
        return float(nearest * tick)
    return round_to_tick(price, float(tick), is_buy)


def toward_entry(price: Decimal, tick: Decimal, long: bool, *, stop: bool) -> float:
    """To the tick towards the entry: up for a long's stop, down for a long's take-profit."""
    rounding = ROUND_CEILING if stop == long else ROUND_FLOOR
    return float((price / tick).to_integral_value(rounding=rounding) * tick)


def live_entry(price: float, tick: Decimal, long: bool) -> float:
    """The simulator's fill of the backtest's (slipped) market entry."""
    return taker_tick(price, tick, long)


def live_exit(
    reason: str, price: float, entry: float, stop: float, long: bool, tick: Decimal
) -> float:
    """Where the simulator fills the backtest's exit leg at `price`, by how the executor sends
    it; `entry` and `stop` are the backtest's own (off the tick, or already on it)."""
    if reason in MARKET_EXITS:
        return taker_tick(price, tick, not long)
    if reason == "stop_loss":
        if _gapped(price, stop, long):
            return price
        ticked = Decimal(repr(live_entry(entry, tick, long)))
        distance = abs(Decimal(repr(entry)) - Decimal(repr(stop)))
        return toward_entry(ticked - distance if long else ticked + distance, tick, long, stop=True)
    if reason in STOPS or reason in ("take_profit", "partial_take_profit"):
        return toward_entry(Decimal(repr(price)), tick, long, stop=reason in STOPS)
    return price


def paper_entry(signal_close: float, tick: Decimal, long: bool) -> float:
    """The live paper fill of an entry: the signal bar's close, slipped, on the tick."""
    return market_fill_price(signal_close, long, MARKET_SLIPPAGE_BPS, float(tick))


def paper_exit(
    reason: str, price: float, entry: float, stop: float, paper: float, long: bool, tick: Decimal
) -> float:
    """The live paper fill of the backtest's exit leg at `price`: a market exit slipped onto the
    tick; the stop at the backtest's distance (`entry` to `stop`) from the paper entry `paper`,
    unrounded (the stepper's level); every other level, and a gap, where the backtest found it."""
    if reason in MARKET_EXITS:
        return taker_tick(price, tick, not long)
    if reason == "stop_loss" and not _gapped(price, stop, long):
        distance = abs(entry - stop)
        return paper - distance if long else paper + distance
    return price


def _gapped(price: float, stop: float, long: bool) -> bool:
    """The leg filled beyond its stop (a bar that opened through it): at the bar's open."""
    beyond = stop - price if long else price - stop
    return beyond > 1e-12 * abs(stop)
