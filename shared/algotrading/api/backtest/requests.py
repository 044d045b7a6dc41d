"""Checking a backtest request before anything is stored: every problem the request itself
shows (an unknown strategy or parameter, a symbol the data lacks, a span outside the data) is
a 400 naming the field, and no row is written. What only the run can find (a span too short
for the strategy's warm-up) ends the run `failed` with the engine's message."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from algotrading.api.errors import bad_request
from algotrading.api.market.data import MarketData
from algotrading.api.schemas.backtest import BacktestCreate
from algotrading.backtest.data import symbols_in_data
from algotrading.domain.intervals import DAY_MS
from algotrading.domain.timefmt import ms_to_iso
from algotrading.strategies.params import StrategyConfigError
from algotrading.strategies.registry import STRATEGIES, get_strategy


@dataclass(frozen=True, slots=True)
class CheckedRun:
    """A request that can run; `span` is what the placeholder row shows until it is done."""

    kind: str
    strategy: str | None
    symbols: tuple[str, ...] | None
    params: dict[str, Any]
    span: tuple[int, int]


def _strategy(body: BacktestCreate) -> tuple[str, tuple[str, ...]]:
    """The strategy id and its default symbols; 400 for an unknown id or parameter."""
    if body.strategy is None:
        raise bad_request("a strategy run needs a strategy", "strategy")
    if body.strategy not in STRATEGIES:
        known = ", ".join(sorted(STRATEGIES))
        raise bad_request(f"unknown strategy {body.strategy}; known: {known}", "strategy")
    try:
        strategy = get_strategy(body.strategy, body.params or {})
    except StrategyConfigError as exc:
        raise bad_request(str(exc), "params") from None
    return strategy.id, tuple(strategy.default_symbols)


def _symbols(market: MarketData, given: list[str] | None, defaults: tuple[str, ...]) -> list[str]:
    if given is None:
        found = symbols_in_data(defaults, market.dataset)
        if not found:
            raise bad_request("none of the strategy's symbols is in the data", "symbols")
        return found
    chosen = [s.strip().upper() for s in given]
    for symbol in chosen:
        if not market.dataset.intervals(symbol):
            raise bad_request(f"symbol {symbol} has no candles in the data", "symbols")
    return chosen


def _span(market: MarketData, symbols: list[str], body: BacktestCreate) -> tuple[int, int]:
    """The span asked for, inside the daily data of `symbols`; defaults filled from the data."""
    daily = market.daily()
    series = [daily[s] for s in symbols if s in daily and len(daily[s])]
    if not series:
        raise bad_request("the data has no daily candles for these symbols", "symbols")
    first = min(int(c.start_ms[0]) for c in series)
    last = max(int(c.start_ms[-1]) for c in series) + DAY_MS
    start = first if body.start is None else body.start
    end = last if body.end is None else body.end
    if start >= end:
        raise bad_request("start must be before end", "start")
    if start >= last:
        raise bad_request(f"start is after the end of the data ({ms_to_iso(last)})", "start")
    if end <= first:
        raise bad_request(f"end is before the start of the data ({ms_to_iso(first)})", "end")
    return start, end


def check(body: BacktestCreate, market: MarketData) -> CheckedRun:
    if body.kind == "portfolio":
        for name in ("strategy", "symbols", "params"):
            if getattr(body, name) is not None:
                raise bad_request(f"a portfolio run takes no {name}", name)
        span = _span(market, market.dataset.symbols(), body)
        return CheckedRun("portfolio", None, None, {}, span)
    strategy, defaults = _strategy(body)
    symbols = _symbols(market, body.symbols, defaults)
    span = _span(market, symbols, body)
    return CheckedRun("strategy", strategy, tuple(symbols), body.params or {}, span)
