"""Instrument filters for replayed symbols: tick size, quantity step, minimums, leverage.

The data files carry prices only, so the filters are derived from each symbol's price level (the
median close of its tape) by fixed rules that give values of Bybit's order of magnitude. They are
plausible, not Bybit's own; docs/simulator.md lists the rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

import numpy as np

from algotrading.local.bybit_sim.envelope import text
from algotrading.local.bybit_sim.market import SymbolTape

MIN_NOTIONAL = Decimal(5)
MAX_MARKET_VALUE = 2_000_000
"""USDT worth of the largest market order (Bybit: ~55 M for BTC, far less for small coins)."""


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
    """Filters from the price level p (median close of the tape):

    * tick = 10^(floor(log10 p) - 5), at most 0.1 (BTC 0.1, ETH 0.01, SOL 0.001);
    * qty step = smallest power of ten worth at least 5 USDT, at most 1; min qty = one step;
    * max market qty ~ 2 M USDT, max qty ~ 10 M USDT; min notional 5 USDT;
    * max leverage 100 when p >= 1000, 50 when p >= 10, else 25.
    """
    p = float(np.median(tape.bars.close))
    if not p > 0:
        raise ValueError(f"{tape.symbol}: prices must be positive")
    tick = min(Decimal("0.1"), Decimal(1).scaleb(math.floor(math.log10(p)) - 5))
    step = min(Decimal(1), Decimal(1).scaleb(math.ceil(math.log10(5 / p))))
    max_market = _steps(MAX_MARKET_VALUE / p, step)
    leverage = 100 if p >= 1000 else 50 if p >= 10 else 25
    return InstrumentInfo(
        symbol=tape.symbol,
        base_coin=tape.symbol.removesuffix("USDT"),
        tick=tick,
        qty_step=step,
        max_qty=max_market * 5,
        max_market_qty=max_market,
        max_leverage=Decimal(leverage),
        funding_interval_min=tape.funding_interval_min(),
        launch_ms=int(tape.bars.start_ms[0]),
    )


def _steps(qty: float, step: Decimal) -> Decimal:
    whole = max(1, int(Decimal(repr(qty)) / step))
    return whole * step


def instrument_row(info: InstrumentInfo) -> dict[str, Any]:
    """The instruments-info entry, shaped like Bybit's linear example."""
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
        "fundingInterval": info.funding_interval_min,
        "settleCoin": "USDT",
        "copyTrading": "none",
        "upperFundingRate": "0.005",
        "lowerFundingRate": "-0.005",
        "isPreListing": False,
        "preListingInfo": None,
        "riskParameters": {"priceLimitRatioX": "0.05", "priceLimitRatioY": "0.1"},
        "symbolType": "",
    }
