"""Instrument filters for replayed symbols: tick size, quantity step, minimums, leverage.

The data files carry prices only, so the filters are derived from each symbol's price level (the
median close of its tape) by fixed rules that give values of Bybit's order of magnitude
(`market.instruments`, shared with the portfolio backtest). They are plausible, not Bybit's own;
docs/simulator.md lists the rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from algotrading.local.bybit_sim.envelope import text
from algotrading.local.bybit_sim.market import SymbolTape
from algotrading.market.instruments import MIN_NOTIONAL, derive_filters, price_level


@dataclass(frozen=True, slots=True)
class InstrumentInfo:
    symbol: str
    base_coin: str
    tick: Decimal
    qty_step: Decimal
    max_qty: Decimal
    max_market_qty: Decimal
    max_leverage: Decimal
    funding_interval_min: int
    launch_ms: int

    @property
    def min_qty(self) -> Decimal:
        return self.qty_step

    @property
    def price_scale(self) -> int:
        return max(0, -self.tick.as_tuple().exponent)  # type: ignore[operator]

    @property
    def qty_scale(self) -> int:
        return max(0, -self.qty_step.as_tuple().exponent)  # type: ignore[operator]

    def on_tick(self, price: Decimal) -> bool:
        return price % self.tick == 0

    def on_step(self, qty: Decimal) -> bool:
        return qty % self.qty_step == 0

    def round_price(self, price: Decimal, up: bool) -> Decimal:
        rounding = ROUND_CEILING if up else ROUND_FLOOR
        return (price / self.tick).to_integral_value(rounding=rounding) * self.tick

    def price_text(self, price: Decimal | float | None) -> str:
        return text(price, self.price_scale)

    def qty_text(self, qty: Decimal) -> str:
        return text(qty, self.qty_scale)


def derive_instrument(tape: SymbolTape) -> InstrumentInfo:
    """The tape's filters by the rules of `market.instruments.derive_filters` (median close of
    the finest series), which the portfolio backtest applies as well."""
    try:
        f = derive_filters(price_level(tape.finest_bars.close))
    except ValueError as exc:
        raise ValueError(f"{tape.symbol}: {exc}") from None
    return InstrumentInfo(
        symbol=tape.symbol,
        base_coin=tape.symbol.removesuffix("USDT"),
        tick=f.tick,
        qty_step=f.qty_step,
        max_qty=f.max_qty,
        max_market_qty=f.max_market_qty,
        max_leverage=f.max_leverage,
        funding_interval_min=tape.funding_interval_min(),
        launch_ms=int(tape.bars.start_ms[0]),
    )


def instrument_row(info: InstrumentInfo, funding_interval_min: int | None = None) -> dict[str, Any]:
    """The instruments-info entry, shaped like Bybit's linear example; `funding_interval_min`
    is the interval in force now (the tape's), when the caller knows it."""
    return {
        "symbol": info.symbol,
        "contractType": "LinearPerpetual",
        "status": "Trading",
        "baseCoin": info.base_coin,
        "quoteCoin": "USDT",
        "launchTime": str(info.launch_ms),
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": str(info.price_scale),
        "leverageFilter": {
            "minLeverage": "1",
            "maxLeverage": text(info.max_leverage, 2),
            "leverageStep": "0.01",
        },
        "priceFilter": {
            "minPrice": info.price_text(info.tick),
            "maxPrice": info.price_text(info.tick * 10**9),
            "tickSize": info.price_text(info.tick),
        },
        "lotSizeFilter": {
            "maxOrderQty": info.qty_text(info.max_qty),
            "minOrderQty": info.qty_text(info.min_qty),
            "qtyStep": info.qty_text(info.qty_step),
            "postOnlyMaxOrderQty": info.qty_text(info.max_qty),
            "maxMktOrderQty": info.qty_text(info.max_market_qty),
            "minNotionalValue": text(MIN_NOTIONAL),
        },
        "unifiedMarginTrade": True,
        "fundingInterval": funding_interval_min or info.funding_interval_min,
        "settleCoin": "USDT",
        "copyTrading": "none",
        "upperFundingRate": "0.005",
        "lowerFundingRate": "-0.005",
        "isPreListing": False,
        "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.1"},
        "symbolType": "",
    }
