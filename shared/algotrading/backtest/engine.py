"""The backtest engine: one strategy over its symbols and a span, with the live system's code.

    config -> strategy (registry) -> histories (files or exchange) -> span and warm-up checks
    -> signals (the strategy's own vectorized `signals`, once over the whole history)
    -> walk per symbol (`walk.py`: the position policy stepper, or its fixed-level fast path)
    -> funding at the settlement times -> sizing in entry order across symbols
    -> money per position, the equity curve, metrics -> `BacktestResult`

Nothing about a strategy is written here: entries and exits are the strategy's frames, position
management is `strategies.policy`, prices and money are `domain.fills`, figures are
`portfolio.metrics`. What is the backtest's own is the order of work that lets all of it run at
numpy speed, and the assumptions it records (`assumptions.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from algotrading.backtest.assumptions import assumptions
from algotrading.backtest.candidates import WalkSettings
from algotrading.backtest.config import (
    BacktestConfig,
    BacktestInputError,
    BacktestSizing,
    SizingMode,
    default_sizing,
)
from algotrading.backtest.data import BacktestMarketData, cut_history, history_needed_ms
from algotrading.backtest.equity import attributed, combine, contribution, exposure
from algotrading.backtest.funding import FundingFlows, funding_flows, select_flows
from algotrading.backtest.idle import (
    IdleCode,
    IdleReason,
    in_order,
    input_gap,
    load_checked,
    never_settles,
    no_signal,
    nothing_to_trade,
    warm_up,
)
from algotrading.backtest.metrics import Ledger, curve_metrics, ledger_of
from algotrading.backtest.pnl import UnitResults, unit_results
from algotrading.backtest.result import BacktestResult, SymbolOutcome, new_run_id
from algotrading.backtest.sizing import NEVER, UnitBook, size_positions, unit_risk
from algotrading.backtest.span import resolve_end, resolve_start
from algotrading.backtest.trades import F64, Bars, WalkedTrades, leg_done_ms, select
from algotrading.backtest.walk import walk
from algotrading.strategies.base import (
    MarketHistory,
    PolicySizing,
    PositionPolicy,
    SignalFrame,
    Strategy,
)
from algotrading.strategies.registry import get_strategy

Progress = Callable[[str], None]
"""Called once per step (`progress_steps` of them), with what was just done."""


def progress_steps(symbols: int) -> int:
    """Loading and walking each symbol, signals, results."""
    return 2 * symbols + 2


@dataclass(frozen=True, slots=True)
class Walked:
    """One symbol after the walk and funding, before sizing."""

    bars: Bars
    walked: WalkedTrades
    flows: FundingFlows
    units: UnitResults


def run_backtest(
    config: BacktestConfig, market: BacktestMarketData, progress: Progress | None = None
) -> BacktestResult:
    """Load the data, then `simulate`. A symbol whose data lacks what the strategy reads is
    idle (`idle.py`) and the others go on; a symbol asked for by name that the data does not
    have at all is a typo, refused."""
    strategy = get_strategy(config.strategy, config.params)
    symbols = config.symbols or strategy.default_symbols
    since = None if config.start_ms is None else config.start_ms - history_needed_ms(strategy)
    histories, idle = {}, []
    for symbol in symbols:
        got = load_checked(strategy, symbol, market, since)
        if isinstance(got, IdleReason):
            if got.code is IdleCode.NOT_IN_DATA and config.symbols:
                raise BacktestInputError(f"unknown symbol {symbol!r}: not in the data")
            idle.append(got)
            _tick(progress, f"idle {symbol}")  # in place of its walk
        else:
            histories[symbol] = got
        _tick(progress, f"loaded {symbol}")
    result = simulate(strategy, histories, config, market.describe(), progress, idle)
    return replace(result, idle=tuple(in_order(result.idle, symbols)))


def simulate(
    strategy: Strategy[Any],
    histories: Mapping[str, MarketHistory],
    config: BacktestConfig,
    data: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    idle: Sequence[IdleReason] = (),
) -> BacktestResult:
    """Run `strategy` over already loaded histories (the engine proper); `idle`: symbols
    already found idle while loading."""
    found = list(idle)
    usable = _usable(strategy, histories, found, progress)
    end = resolve_end(strategy, usable, config.end_ms)
    cut = {s: cut_history(h, end) for s, h in usable.items()}
    frames = strategy.signals(cut)
    _tick(progress, "signals")
    cut, frames = _settled(strategy, cut, frames, end, found, progress)
    start = resolve_start(strategy, cut, frames, config.start_ms, end)
    sizing = resolve_sizing(config.sizing, strategy.policy)
    settings = WalkSettings(slippage_bps=config.slippage_bps, path=config.path)
    walked: dict[str, Walked] = {}
    for symbol, history in cut.items():
        walked[symbol] = _walk(strategy, frames[symbol], history, start, settings, config)
        if len(walked[symbol].walked) == 0:
            unusable = walked[symbol].walked.counts.get("entry_rows_unusable", 0)
            found.append(no_signal(strategy.id, frames[symbol], walked[symbol].bars.first,
                                   unusable))  # fmt: skip
        _tick(progress, f"walked {symbol}")
    qty, unfunded = _size(walked, sizing, config, strategy.policy.leverage)
    walked, qty = _funded(walked, qty)
    result = _result(strategy, config, cut, walked, qty, start, end, sizing, data or {})
    result.metrics["entries"] = {**_counts(walked), "entries_unfunded": unfunded}
    _tick(progress, "results")
    return replace(result, idle=tuple(in_order(found, [*_symbols(idle), *histories])))


def _symbols(idle: Sequence[IdleReason]) -> list[str]:
    return [r.symbol for r in idle if r.symbol is not None]


def _walk(
    strategy: Strategy[Any],
    frame: SignalFrame,
    history: MarketHistory,
    start: int,
    settings: WalkSettings,
    config: BacktestConfig,
) -> Walked:
    """One symbol's positions per unit of quantity, with funding and money per unit."""
    iv = strategy.entry_interval
    candles = history.require(iv, strategy.id)
    first = int(np.searchsorted(candles.start_ms, start, side="left"))
    bars = Bars.of(history.symbol, iv, candles, first)
    trades = walk(frame, bars, strategy.policy, settings)
    flows = funding_flows(trades, bars, history.funding)
    return Walked(bars, trades, flows, unit_results(trades, flows, config.fee_rate))


def _usable(
    strategy: Strategy[Any],
    histories: Mapping[str, MarketHistory],
    idle: list[IdleReason],
    progress: Progress | None,
) -> dict[str, MarketHistory]:
    """The histories with every input the strategy reads; the others join `idle`. None left:
    the run cannot be done (one line naming each symbol and why)."""
    usable = {}
    for symbol, history in histories.items():
        gap = input_gap(strategy, history)
        if gap is None:
            usable[symbol] = history
            continue
        idle.append(gap)
        _tick(progress, f"idle {symbol}")
    if not usable:
        raise BacktestInputError(nothing_to_trade(idle))
    return usable


def _settled(
    strategy: Strategy[Any],
    cut: Mapping[str, MarketHistory],
    frames: Mapping[str, SignalFrame],
    end: int,
    idle: list[IdleReason],
    progress: Progress | None,
) -> tuple[dict[str, MarketHistory], dict[str, SignalFrame]]:
    """The symbols whose values settle before the span's end; the others are idle for their
    warm-up (how many candles it needs, how many the data has by the end)."""
    keep = [s for s in frames if not never_settles(frames[s])]
    for symbol in frames:
        if symbol not in keep:
            idle.append(warm_up(strategy, cut[symbol], end))
            _tick(progress, f"idle {symbol}")
    if not keep:
        raise BacktestInputError(nothing_to_trade(idle))
    return {s: cut[s] for s in keep}, {s: frames[s] for s in keep}


def resolve_sizing(sizing: BacktestSizing | None, policy: PositionPolicy) -> BacktestSizing:
    """The configured sizing, or the policy's; refuses one the strategy cannot use."""
    chosen = sizing or default_sizing(policy)
    if chosen.mode is SizingMode.RISK and not policy.initial_stop:
        raise BacktestInputError("risk sizing needs a strategy that places a stop")
    if chosen.mode is SizingMode.WEIGHT and policy.sizing is not PolicySizing.WEIGHT:
        raise BacktestInputError("weight sizing needs a strategy that sets weights (momentum)")
    return chosen


def _size(
    walked: Mapping[str, Walked], sizing: BacktestSizing, config: BacktestConfig, leverage: float
) -> tuple[dict[str, F64], int]:
    """Quantities per symbol, sized together in entry order (`sizing.py`)."""
    parts = list(walked.values())
    entry_ms = [p.bars.start_ms[p.walked.entry_bar] for p in parts]
    done_ms = [_done_ms(p) for p in parts]
    book = UnitBook(
        entry_ms=np.concatenate(entry_ms or [np.array([])]).astype(np.int64),
        done_ms=np.concatenate(done_ms or [np.array([])]).astype(np.int64),
        price=np.concatenate([p.walked.entry_price for p in parts] or [np.array([])]),
        unit_risk=np.concatenate(
            [unit_risk(p.walked.entry_price, p.walked.stop, config.fee_rate) for p in parts]
            or [np.array([])]
        ),
        weight=np.concatenate([p.walked.weight for p in parts] or [np.array([])]),
        net_unit=np.concatenate([p.units.net for p in parts] or [np.array([])]),
    )
    order = np.argsort(book.entry_ms, kind="stable")
    ordered = UnitBook(*(getattr(book, f)[order] for f in UnitBook.__slots__))
    sized, unfunded = size_positions(ordered, sizing, config.capital, leverage)
    qty = np.empty(len(book))
    qty[order] = sized
    out, at = {}, 0
    for symbol, part in walked.items():
        out[symbol] = qty[at : at + len(part.walked)]
        at += len(part.walked)
    return out, unfunded


def _funded(
    walked: Mapping[str, Walked], qty: Mapping[str, F64]
) -> tuple[dict[str, Walked], dict[str, F64]]:
    """Drop the positions sizing could not fund: they never traded (counted apart)."""
    out_walked, out_qty = {}, {}
    for symbol, part in walked.items():
        keep = qty[symbol] > 0
        if keep.all():
            out_walked[symbol], out_qty[symbol] = part, qty[symbol]
            continue
        out_walked[symbol] = Walked(
            part.bars,
            select(part.walked, keep),
            select_flows(part.flows, keep),
            part.units.select(keep, part.walked.leg_trade),
        )
        out_qty[symbol] = qty[symbol][keep]
    return out_walked, out_qty


def _done_ms(part: Walked) -> np.ndarray:
    """When each position's result and margin are free for sizing: its last leg's
    `leg_done_ms` (never if open), so a stop inside the bar whose open fills another entry
    does not fund it, as in the portfolio backtest."""
    w = part.walked
    done = np.where(w.open_fraction > 0, NEVER, 0).astype(np.int64)
    closed_legs = w.open_fraction[w.leg_trade] == 0
    np.maximum.at(done, w.leg_trade[closed_legs], leg_done_ms(w, part.bars)[closed_legs])
    return done


def _outcome(part: Walked, qty: F64, capital: float) -> SymbolOutcome:
    w, u, bars = part.walked, part.units, part.bars
    last = float(bars.close[-1])
    unrealized = w.open_fraction * w.side * (last - w.entry_price) * qty
    gross, fees, funding = qty * u.gross, qty * u.fees, qty * u.funding
    curve = capital + contribution(w, bars, qty, u, part.flows)
    return SymbolOutcome(bars, w, qty, gross, fees, funding, gross - fees + funding + unrealized,
                         curve)  # fmt: skip


def _result(
    strategy: Strategy[Any],
    config: BacktestConfig,
    histories: Mapping[str, MarketHistory],
    walked: Mapping[str, Walked],
    qty: Mapping[str, F64],
    start: int,
    end: int,
    sizing: BacktestSizing,
    data: Mapping[str, Any],
) -> BacktestResult:
    outcomes = {s: _outcome(p, qty[s], config.capital) for s, p in walked.items()}
    closes = [o.bars.close_ms[o.bars.first :] for o in outcomes.values()]
    parts = [o.equity - config.capital for o in outcomes.values()]
    times, equity, on_grid = combine(start, config.capital, closes, parts)
    spans = {s: (p.bars.start_ms[p.walked.entry_bar], p.walked.held_until_ms)
             for s, p in walked.items()}  # fmt: skip
    metrics = curve_metrics(times, equity, _ledger(outcomes.values(), walked.values()),
                            exposure(list(spans.values()), start, end))  # fmt: skip
    metrics["net_pnl"] = float(equity[-1] - equity[0])
    metrics["per_symbol"] = {
        s: _symbol_metrics(o, walked[s], spans[s], (times, equity, part), end)
        if len(outcomes) > 1
        else dict(metrics)
        for (s, o), part in zip(outcomes.items(), on_grid, strict=True)
    }
    return BacktestResult(
        run_id=new_run_id(),
        created_ms=int(time.time() * 1000),
        strategy=strategy.id,
        title=strategy.title,
        params=strategy.params.as_dict(),
        symbols=tuple(walked),
        interval=str(strategy.entry_interval),
        start_ms=start,
        end_ms=end,
        initial_capital=config.capital,
        assumptions=assumptions(strategy, config, sizing, histories, data, start),
        metrics=metrics,
        equity_times=times,
        equity=equity,
        outcomes=outcomes,
    )


def _symbol_metrics(
    outcome: SymbolOutcome,
    part: Walked,
    span: tuple[np.ndarray, np.ndarray],
    curve: tuple[np.ndarray, F64, F64],
    end: int,
) -> dict[str, Any]:
    """One symbol of several: its trades, fees and funding, and the curve-based figures on its
    return-attributed curve (`equity.attributed`). (A run of one symbol has its figures.)"""
    times, equity, pnl = curve
    ledger = _ledger([outcome], [part])
    own = attributed(float(equity[0]), equity, pnl)
    out = curve_metrics(times, own, ledger, exposure([span], int(times[0]), end))
    return {**out, "net_pnl": float(pnl[-1])}


def _ledger(outcomes: Iterable[SymbolOutcome], parts: Iterable[Walked]) -> Ledger:
    """The money of these symbols' positions, sized (closed ones' net PnL for the statistics)."""
    outs, walks = list(outcomes), list(parts)
    return ledger_of(
        [o.marked[o.closed] for o in outs],
        sum(float(o.fees.sum()) for o in outs),
        [p.flows.per_unit * o.qty[p.flows.trade] for o, p in zip(outs, walks, strict=True)],
        sum(int((~o.closed).sum()) for o in outs),
        sum(float(o.gross.sum()) for o in outs),
    )


def _counts(walked: Mapping[str, Walked]) -> dict[str, int]:
    total: dict[str, int] = {}
    for part in walked.values():
        for name, value in part.walked.counts.items():
            total[name] = total.get(name, 0) + value
    return total


def _tick(progress: Progress | None, what: str) -> None:
    if progress is not None:
        progress(what)
