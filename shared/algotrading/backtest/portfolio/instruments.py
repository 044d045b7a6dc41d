"""The replayed symbols' lot, tick and minimum order, as the executor meets them on the simulator.

`algo paper replay` trades on the loopback simulator, whose instruments carry filters derived
from the data (`market.instruments`: median close of the finest series). The executor rounds its
stop to that tick before sizing, floors the quantity to the lot step and refuses an order below
the minimum quantity or 5 USDT (`risk.sizing.round_stop`, `to_instrument`). The combine step
does the same with the same numbers, in the shape the executor reads them (`SymbolInfo`), so the
two paths size alike (docs/BACKTESTING.md, "Live parity").
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from algotrading.exchange.types import SymbolInfo
from algotrading.market.datafiles import DataSet
from algotrading.market.instruments import Filters, data_filters


def symbol_info(symbol: str, f: Filters) -> SymbolInfo:
    """The filters as the exchange adapter parses the simulator's instruments-info row."""
    return SymbolInfo(
        symbol=symbol, base_coin=symbol.removesuffix("USDT"), quote_coin="USDT",
        settle_coin="USDT", status="Trading", tick_size=f.tick, qty_step=f.qty_step,
        min_qty=f.min_qty, max_qty=f.max_qty, max_market_qty=f.max_market_qty,
        min_notional=f.min_notional, min_leverage=Decimal(1), max_leverage=f.max_leverage,
        leverage_step=Decimal("0.01"), funding_interval_hours=None, launch_ms=0,
    )  # fmt: skip


def instrument_infos(dirs: Sequence[str], symbols: Iterable[str]) -> dict[str, SymbolInfo]:
    """Each symbol's filters derived from the data directories the simulator would replay."""
    dataset = DataSet(list(dirs))
    return {s: symbol_info(s, data_filters(dataset, s)) for s in sorted(set(symbols))}
