"""Instrument filters of a replayed symbol: tick size, lot step, minimums, leverage.

The data files carry prices only, so the filters are derived from the symbol's price level (the
median close of its finest kline series, all of it) by fixed rules that give values of Bybit's
order of magnitude. They are plausible, not Bybit's own; docs/simulator.md lists the rules.

Derived here, below both users, so that the loopback simulator (`local.bybit_sim`, which answers
`instruments-info` with them and enforces them on every order) and the portfolio backtest (which
rounds its stops and quantities as the executor does on that exchange) use one set of numbers:
identical trades in `algo paper replay` and `algo backtest portfolio` rest on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from algotrading.market.datafiles import DataSet

MIN_NOTIONAL = Decimal(5)
MAX_MARKET_VALUE = 2_000_000
"""USDT worth of the largest market order (Bybit: ~55 M for BTC, far less for small coins)."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What an order on the symbol must respect (min quantity = one lot step)."""

    tick: Decimal
    qty_step: Decimal
    max_qty: Decimal
    max_market_qty: Decimal
    max_leverage: Decimal
    min_notional: Decimal = MIN_NOTIONAL

    @property
    def min_qty(self) -> Decimal:
        return self.qty_step


def derive_filters(price_level: float) -> Filters:
    """Filters from the price level p:

    * tick = 10^(floor(log10 p) - 5), at most 0.1 (BTC 0.1, ETH 0.01, SOL 0.001);
    * qty step = smallest power of ten worth at least 5 USDT, at most 1; min qty = one step;
    * max market qty ~ 2 M USDT, max qty ~ 10 M USDT; min notional 5 USDT;
    * max leverage 100 when p >= 1000, 50 when p >= 10, else 25.
    """
    p = float(price_level)
    if not p > 0:
        raise ValueError(f"prices must be positive, got a price level of {price_level}")
    tick = min(Decimal("0.1"), Decimal(1).scaleb(math.floor(math.log10(p)) - 5))
    step = min(Decimal(1), Decimal(1).scaleb(math.ceil(math.log10(5 / p))))
    max_market = _steps(MAX_MARKET_VALUE / p, step)
    leverage = 100 if p >= 1000 else 50 if p >= 10 else 25
    return Filters(tick, step, max_market * 5, max_market, Decimal(leverage))


def price_level(closes: np.ndarray) -> float:
    """The median close: the level the filters are derived from."""
    return float(np.median(closes))


def data_filters(dataset: DataSet, symbol: str) -> Filters:
    """The filters the simulator derives for `symbol` from this data set (its finest series)."""
    intervals = dataset.intervals(symbol)
    if not intervals:
        raise ValueError(f"{symbol}: no kline files, no instrument filters")
    return derive_filters(price_level(dataset.candles(symbol, intervals[0]).close))


def _steps(qty: float, step: Decimal) -> Decimal:
    whole = max(1, int(Decimal(repr(qty)) / step))
    return whole * step
