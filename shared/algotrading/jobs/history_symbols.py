"""Which symbols the market history keeps: every symbol the strategies or the stream may need.

No scan of its own: the scanned universes are the executor's (`execution.universe.scanned`,
momentum's weekly turnover scan and carry's daily funding scan, taken with each strategy's
default parameters at the scan in force at the scheduled time), the other strategies add their
default symbols, and the market stream its symbols (ALGO_STREAM_SYMBOLS). Only symbols the
exchange lists as trading are kept, so a delisted or (on the simulator) absent symbol is not
asked for. A warm process keeps one `CloseMarketData` per exchange, so a scan is taken once per
scan time, not at every hourly run.
"""

from __future__ import annotations

import threading

from algotrading.exchange.port import ExchangeService
from algotrading.execution.inputs import CloseMarketData
from algotrading.execution.universe import scanned
from algotrading.settings import Settings
from algotrading.strategies.registry import get_strategy, profile_of, sleeve_ids

_MARKETS: dict[int, CloseMarketData] = {}
_LOCK = threading.Lock()


def market_of(exchange: ExchangeService) -> CloseMarketData:
    """This process's market-data cache for `exchange` (kept while the exchange object lives)."""
    with _LOCK:
        found = _MARKETS.get(id(exchange))
        if found is None or found.exchange is not exchange:
            found = _MARKETS[id(exchange)] = CloseMarketData(exchange)
        return found


def history_symbols(exchange: ExchangeService, time_ms: int, settings: Settings) -> list[str]:
    """The symbols whose history is kept at `time_ms`, sorted (module docstring)."""
    active = exchange.get_active_symbols()
    market = market_of(exchange)
    wanted = {s for s in settings.stream_symbols.split(",") if s}
    for strategy_id in sleeve_ids():
        strategy = get_strategy(strategy_id)
        if profile_of(strategy_id).universe is None:
            wanted.update(strategy.default_symbols)
        else:
            wanted.update(scanned(market, strategy, active, time_ms))
    listed = set(active)
    return sorted(s for s in wanted if s in listed)
