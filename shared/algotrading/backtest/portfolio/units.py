"""Work units: a portfolio run split into independent pieces, and the piece's computation.

`plan(config)` lists the units: per strategy, its symbols in chunks (a cross-sectional strategy such
as momentum ranks across its whole universe, so it is one unit). `run_unit(spec, blobs)` loads the
unit's data, computes the strategy's signals and every candidate trade's outcome without capital
(`outcomes.py`), puts the arrays into the blob store and returns a small message of keys. Specs and
results are plain JSON (`to_json` / `from_json`): the same functions run in a local process pool and
as Step Functions tasks. Nothing in a unit depends on another unit or on how units are scheduled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from algotrading.backtest.candidates import WalkSettings
from algotrading.backtest.config import BacktestInputError
from algotrading.backtest.data import FileMarketData, cut_history, symbols_in_data
from algotrading.backtest.idle import (
    IdleCode,
    IdleReason,
    in_order,
    load_checked,
    no_signal,
    warm_up,
)
from algotrading.backtest.portfolio.blobs import BlobStore
from algotrading.backtest.portfolio.config import PortfolioBacktestConfig
from algotrading.backtest.portfolio.outcomes import candidate_outcomes
from algotrading.backtest.trades import Bars
from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.domain.series import Candles
from algotrading.errors import DataFileError
from algotrading.market.datafiles import DataSet
from algotrading.market.scan import Scan
from algotrading.strategies.base import MarketHistory, PerSymbolStrategy, SignalFrame, Strategy
from algotrading.strategies.registry import get_strategy, profile_of, sleeve_ids


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
    marking) and candidate tables; plus the unit's counts and its idle symbols with the reason
    (`IdleReason.to_json`: a symbol whose inputs are missing is left out of `symbols`)."""

    unit_id: str
    strategy: str
    interval: str
    symbols: dict[str, dict[str, Any]]
    counts: dict[str, int] = field(default_factory=dict)
    idle: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnitResult:
        return cls(**data)


def plan(config: PortfolioBacktestConfig) -> list[UnitSpec]:
    """The units of a run, in a fixed order (strategy in allocation order, then chunk)."""
    chosen = choose(config).symbols
    end = config.end_ms if config.end_ms is not None else _data_end(chosen, config)
    units = []
    for strategy, symbols in chosen.items():
        dirs = _dirs(config, strategy)
        params = dict(config.spec(strategy).get("params") or {})
        per_symbol = isinstance(get_strategy(strategy, params), PerSymbolStrategy)
        size = config.chunk if per_symbol else max(len(symbols), 1)
        for k in range(0, len(symbols), size):
            part = symbols[k : k + size]
            units.append(UnitSpec(
                f"{strategy}-{k // size:03d}", strategy, params, part, list(dirs),
                config.start_ms, end, config.fee_rate, config.slippage_bps,
            ))  # fmt: skip
    return units


@dataclass(frozen=True, slots=True)
class Chosen:
    """Per enabled strategy the symbols its units run, and those found idle while planning."""

    symbols: dict[str, list[str]]
    idle: list[IdleReason]


def choose(config: PortfolioBacktestConfig) -> Chosen:
    """Each enabled strategy's symbols that the data has; the others are idle `not_in_data`
    (live skips symbols the exchange lacks, and says so in its log)."""
    data = DataSet(list(config.data_dirs))
    universe = DataSet(list(config.universe_dirs))
    chosen: dict[str, list[str]] = {}
    idle: list[IdleReason] = []
    for strategy in (s for s in sleeve_ids() if config.enabled(s)):
        instance = get_strategy(strategy, config.spec(strategy).get("params"))
        listed = config.spec(strategy).get("symbols")
        scan = profile_of(strategy).universe
        if scan is Scan.TURNOVER:
            chosen[strategy] = _universe(config, instance, universe, idle, listed)
            continue
        wanted = listed or (data.symbols() if scan is not None else instance.default_symbols)
        chosen[strategy] = symbols_in_data(wanted, data)
        idle += [IdleReason(strategy, s, IdleCode.NOT_IN_DATA, "not in the data")
                 for s in wanted if s not in chosen[strategy]]  # fmt: skip
        if not chosen[strategy]:
            idle.append(IdleReason(strategy, None, IdleCode.NOT_IN_DATA,
                                   "none of its symbols is in the data"))  # fmt: skip
    return Chosen(chosen, idle)


def _dirs(config: PortfolioBacktestConfig, strategy: str) -> tuple[str, ...]:
    """A turnover-scanned strategy reads its universe's data, the others the run's data."""
    scanned = profile_of(strategy).universe is Scan.TURNOVER
    return config.universe_dirs if scanned else config.data_dirs


def _universe(
    config: PortfolioBacktestConfig,
    strategy: Strategy[Any],
    universe: DataSet,
    idle: list[IdleReason],
    listed: list[str] | None = None,
) -> list[str]:
    """A turnover-scanned strategy (momentum) ranks every symbol of its universe with candles
    (the live scan's top 30 by turnover are among them and rank alike), or the account's
    `listed` symbols and its context symbols (the benchmark; as live: `universes.Membership`
    keeps only the listed ones' candidates). A universe without what it needs is refused when
    it was asked for (`--universe-dir`); when it is the run's data, the strategy is idle and the
    others go on."""
    context = strategy.context_symbols()
    names = universe.symbols() if not listed else dict.fromkeys([*listed, *context])
    have = [s for s in names if _daily(universe, s)]
    lacking = [s for s in context if s not in have]
    if have and not lacking:
        return have
    if not have:
        dirs = ", ".join(str(d) for d in universe.dirs)
        option, reason = f"--universe-dir {dirs}: ", "no candles that resample to 1d"
    else:
        option, reason = "--universe-dir: ", f"no candles of the benchmark {lacking[0]}"
    if config.universe_dirs != config.data_dirs:
        raise BacktestInputError(option + reason)
    idle.append(IdleReason(strategy.id, None, IdleCode.NOT_IN_DATA, f"the data has {reason}"))
    return []


def _daily(data: DataSet, symbol: str) -> bool:
    """The symbol has candles of an interval that divides a day (resamplable to 1d)."""
    return any(DAY_MS % iv.ms == 0 for iv in data.intervals(symbol))


def _data_end(chosen: dict[str, list[str]], config: PortfolioBacktestConfig) -> int:
    """The last close every chosen symbol's entry-timeframe data reaches (a symbol without
    that timeframe is idle in its unit and sets no end)."""
    ends = []
    for strategy, symbols in chosen.items():
        market = FileMarketData(DataSet(list(_dirs(config, strategy))))
        iv = get_strategy(strategy, config.spec(strategy).get("params")).entry_interval
        for symbol in symbols:
            try:
                candles = market.candles(symbol, iv, None)
            except DataFileError:
                continue
            if len(candles):
                ends.append(int(candles.start_ms[-1]) + iv.ms)
    if not ends:
        raise BacktestInputError("no strategy has any symbol in the data")
    return min(ends)


def run_unit(spec: UnitSpec, blobs: BlobStore) -> UnitResult:
    """Signals and candidate outcomes of the unit's symbols (module docstring)."""
    strategy = get_strategy(spec.strategy, spec.params)
    market = FileMarketData(DataSet(spec.data_dirs))
    histories, idle = {}, []
    for symbol in spec.symbols:
        got = load_checked(strategy, symbol, market, None)
        if isinstance(got, IdleReason):
            idle.append(got)
        else:
            histories[symbol] = cut_history(got, spec.end_ms)
    frames = strategy.signals(histories) if histories else {}
    out: dict[str, dict[str, Any]] = {}
    counts: dict[str, int] = {}
    for symbol, history in histories.items():
        first = _first_bar(frames[symbol].settled, frames[symbol].close_ms, spec.start_ms)
        if first is None or first >= len(history.require(strategy.entry_interval, strategy.id)):
            idle.append(warm_up(strategy, history, spec.end_ms))
            continue
        own = history.require(strategy.entry_interval, strategy.id)
        since = int(own.start_ms[first])
        marks = mark_closes(market, symbol, (own, strategy.entry_interval), since, spec.end_ms)
        out[symbol] = _symbol_outcomes(spec, strategy, frames[symbol], history, first, blobs)
        out[symbol]["marks"] = blobs.put(marks)
        for name, value in out[symbol].pop("counts").items():
            counts[name] = counts.get(name, 0) + value
        if "idle" in out[symbol]:
            idle.append(out[symbol].pop("idle"))
    reasons = [r.to_json() for r in in_order(idle, spec.symbols)]
    iv = str(strategy.entry_interval)
    return UnitResult(spec.unit_id, spec.strategy, iv, out, dict(sorted(counts.items())), reasons)


def _symbol_outcomes(
    spec: UnitSpec,
    strategy: Strategy[Any],
    frame: SignalFrame,
    history: MarketHistory,
    first: int,
    blobs: BlobStore,
) -> dict[str, Any]:
    """One symbol's blobs (first bar, candidate tables), its counts and, when it has no
    candidate at all, its `no_signal` reason."""
    iv = strategy.entry_interval
    bars = Bars.of(history.symbol, iv, history.require(iv, strategy.id), first)
    settings = WalkSettings(slippage_bps=spec.slippage_bps, close_at_end=True)
    got = candidate_outcomes(frame, bars, strategy.policy, settings, history.funding,
                             spec.fee_rate)  # fmt: skip
    out: dict[str, Any] = {
        "first_ms": int(bars.start_ms[first]),
        "trades": blobs.put(got.trades),
        "legs": blobs.put(got.legs),
        "funding": blobs.put(got.funding),
        "counts": got.counts,
    }
    if len(got.trades) == 0:
        out["idle"] = no_signal(strategy.id, frame, first, got.counts.get("entry_rows_unusable", 0))
    return out


def mark_closes(
    market: FileMarketData,
    symbol: str,
    own: tuple[Candles, Interval],
    from_ms: int,
    end_ms: int,
) -> np.ndarray:
    """(close time, close) at which an open position is marked, from `from_ms` to `end_ms`: the
    symbol's finest candles, and the strategy's own (`own`) before the finest begin. The
    exchange marks at its last price (the simulator at its finest bar's close) and the
    executor's snapshot reads it at every 15-minute close, so a daily position is not marked at
    daily closes only: a crash inside the day moves the breakers live, and must here too."""
    finest = market.dataset.intervals(symbol)[0]
    parts = []
    for candles, interval in (own, (market.candles(symbol, finest, None), finest)):
        close_ms = candles.start_ms + interval.ms
        parts.append((close_ms, candles.close))
    (own_ms, own_close), (fine_ms, fine_close) = parts
    begins = fine_ms[0] if len(fine_ms) else end_ms + 1
    early = (own_ms >= from_ms) & (own_ms < begins)
    late = (fine_ms >= from_ms) & (fine_ms <= end_ms)
    times = np.concatenate([own_ms[early], fine_ms[late]])
    closes = np.concatenate([own_close[early], fine_close[late]])
    return np.column_stack([times, closes]).astype(np.float64)


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
