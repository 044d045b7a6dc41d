"""Work units: a portfolio run split into independent pieces, and the piece's computation.

`plan(config)` lists the units: per strategy, its symbols in chunks (momentum ranks across its
whole universe, so it is one unit). `run_unit(spec, blobs)` loads the unit's data, computes the
strategy's signals and every candidate trade's outcome without capital (`outcomes.py`), puts
the arrays into the blob store and returns a small message of keys. Specs and results are plain
JSON (`to_json` / `from_json`): the same functions run in a local process pool and as Step
Functions tasks. Nothing in a unit depends on another unit or on how units are scheduled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from algotrading.backtest.candidates import WalkSettings
from algotrading.backtest.config import BacktestInputError
from algotrading.backtest.data import (
    FileMarketData,
    cut_history,
    load_history,
    symbols_in_data,
)
from algotrading.backtest.portfolio.blobs import BlobStore
from algotrading.backtest.portfolio.config import PortfolioConfig
from algotrading.backtest.portfolio.outcomes import candidate_outcomes
from algotrading.backtest.trades import Bars
from algotrading.domain.intervals import DAY_MS
from algotrading.market.datafiles import DataSet
from algotrading.portfolio.allocation import STRATEGY_IDS
from algotrading.strategies.registry import get_strategy


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """One unit of work: a strategy over some symbols of a data set and span."""

    unit_id: str
    strategy: str
    params: dict[str, Any]
    symbols: list[str]
    data_dirs: list[str]
    start_ms: int | None
    end_ms: int
    fee_rate: float
    slippage_bps: float

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitSpec:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class UnitResult:
    """Per symbol: the first bar of its span, and the blob keys of its candle closes (for
    marking) and candidate tables; plus the unit's counts."""

    unit_id: str
    strategy: str
    interval: str
    symbols: dict[str, dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitResult:
        return cls(**data)


def plan(config: PortfolioConfig) -> list[UnitSpec]:
    """The units of a run, in a fixed order (strategy in allocation order, then chunk)."""
    data = DataSet(list(config.data_dirs))
    universe = DataSet(list(config.universe_dirs))
    chosen = {s: _symbols(config, s, data, universe) for s in STRATEGY_IDS if config.enabled(s)}
    end = config.end_ms if config.end_ms is not None else _data_end(chosen, config)
    units = []
    for strategy, symbols in chosen.items():
        dirs = config.universe_dirs if strategy == "momentum" else config.data_dirs
        size = len(symbols) if strategy == "momentum" else config.chunk
        params = dict(config.spec(strategy).get("params") or {})
        for k in range(0, len(symbols), size):
            part = symbols[k : k + size]
            units.append(UnitSpec(
                f"{strategy}-{k // size:03d}", strategy, params, part, list(dirs),
                config.start_ms, end, config.fee_rate, config.slippage_bps,
            ))  # fmt: skip
    return units


def _symbols(config: PortfolioConfig, strategy: str, data: DataSet, universe: DataSet) -> list[str]:
    """The strategy's symbols that the data has (live skips symbols the exchange lacks);
    momentum: every symbol of the universe with candles."""
    instance = get_strategy(strategy, config.spec(strategy).get("params"))
    if strategy == "momentum":
        have = [s for s in universe.symbols() if _daily(universe, s)]
        if not have:
            dirs = ", ".join(str(d) for d in universe.dirs)
            raise BacktestInputError(f"--universe-dir {dirs}: no candles that resample to 1d")
        benchmark = instance.params.benchmark
        if benchmark not in have:
            raise BacktestInputError(f"--universe-dir: no candles of the benchmark {benchmark}")
        return have
    wanted = config.spec(strategy).get("symbols") or instance.default_symbols
    return symbols_in_data(wanted, data)


def _daily(data: DataSet, symbol: str) -> bool:
    """The symbol has candles of an interval that divides a day (resamplable to 1d)."""
    return any(DAY_MS % iv.ms == 0 for iv in data.intervals(symbol))


def _data_end(chosen: dict[str, list[str]], config: PortfolioConfig) -> int:
    """The last close every chosen symbol's entry-timeframe data reaches."""
    ends = []
    for strategy, symbols in chosen.items():
        dirs = config.universe_dirs if strategy == "momentum" else config.data_dirs
        market = FileMarketData(DataSet(list(dirs)))
        iv = get_strategy(strategy, config.spec(strategy).get("params")).entry_interval
        for symbol in symbols:
            candles = market.candles(symbol, iv, None)
            if len(candles):
                ends.append(int(candles.start_ms[-1]) + iv.ms)
    if not ends:
        raise BacktestInputError("no strategy has any symbol in the data")
    return min(ends)


def run_unit(spec: UnitSpec, blobs: BlobStore) -> UnitResult:
    """Signals and candidate outcomes of the unit's symbols (module docstring)."""
    strategy = get_strategy(spec.strategy, spec.params)
    market = FileMarketData(DataSet(spec.data_dirs))
    histories = {
        s: cut_history(load_history(strategy, s, market, None), spec.end_ms) for s in spec.symbols
    }
    frames = strategy.signals(histories)
    settings = WalkSettings(slippage_bps=spec.slippage_bps)
    iv = strategy.entry_interval
    out: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for symbol in spec.symbols:
        candles = histories[symbol].require(iv, strategy.id)
        first = _first_bar(frames[symbol].settled, frames[symbol].close_ms, spec.start_ms)
        if first is None or first >= len(candles):
            continue
        bars = Bars.of(symbol, iv, candles, first)
        got = candidate_outcomes(frames[symbol], bars, strategy.policy, settings,
                                 histories[symbol].funding, spec.fee_rate)  # fmt: skip
        for name, value in got.counts.items():
            counts[name] = counts.get(name, 0) + value
        marks = np.column_stack([bars.close_ms[first:], bars.close[first:]]).astype(np.float64)
        out[symbol] = {
            "first_ms": int(bars.start_ms[first]),
            "marks": blobs.put(marks),
            "trades": blobs.put(got.trades),
            "legs": blobs.put(got.legs),
            "funding": blobs.put(got.funding),
        }
    return UnitResult(spec.unit_id, spec.strategy, str(iv), out, dict(sorted(counts.items())))


def _first_bar(settled: np.ndarray, close_ms: np.ndarray, start_ms: int | None) -> int | None:
    """The symbol's first bar of the span: after its first settled row and at or after the
    span's start. Each symbol starts on its own (not the strategy's latest), so a unit's result
    never depends on which symbols share it."""
    rows = np.flatnonzero(settled)
    if len(rows) == 0:
        return None
    row = int(rows[0])
    if start_ms is not None:
        row = max(row, int(np.searchsorted(close_ms, start_ms, side="left")))
    return row + 1
