"""A portfolio run end to end: plan, the units (in a local process pool), combine, figures.

The pool is the local stand-in for the Step Functions Map state: each worker gets a unit's JSON
spec and the blob store's location, returns the unit's JSON result. Results are put back in
plan order before the combine step, so `--workers 1` and `--workers 4` give the same bytes.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from algotrading.backtest.config import BacktestInputError
from algotrading.backtest.idle import IdleReason, nothing_to_trade
from algotrading.backtest.portfolio.analysis import (
    correlated_drawdowns,
    correlation,
    metrics_of,
    strategy_summary,
)
from algotrading.backtest.portfolio.blobs import LocalBlobStore
from algotrading.backtest.portfolio.combine import GRID_MS, combine, load_candidates
from algotrading.backtest.portfolio.config import PortfolioBacktestConfig
from algotrading.backtest.portfolio.instruments import instrument_infos
from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.portfolio.units import UnitResult, UnitSpec, choose, plan, run_unit
from algotrading.backtest.portfolio.universes import Membership
from algotrading.backtest.progress import Advance, Stage
from algotrading.backtest.result import new_run_id
from algotrading.strategies.registry import sleeve_ids


def work(spec: dict[str, Any], blob_dir: str) -> dict[str, Any]:
    """One unit, JSON in and out: what a Step Functions task (or a pool worker) runs."""
    return run_unit(UnitSpec.from_json(spec), LocalBlobStore(Path(blob_dir))).to_json()


def run_units(
    specs: list[UnitSpec], blob_dir: str, workers: int, advance: Advance | None = None
) -> list[UnitResult]:
    """The units' results in plan order, computed in `workers` processes (1: in this one);
    `advance(1)` as each is received."""
    if workers < 1:
        raise BacktestInputError(f"--workers must be at least 1, got {workers}")
    messages = [s.to_json() for s in specs]
    if workers == 1:
        done = [_ticked(work(m, blob_dir), advance) for m in messages]
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(messages) or 1)) as pool:
            done = [
                _ticked(d, advance) for d in pool.map(work, messages, [blob_dir] * len(messages))
            ]
    return [UnitResult.from_json(d) for d in done]


def _ticked(result: dict[str, Any], advance: Advance | None) -> dict[str, Any]:
    if advance is not None:
        advance(1)
    return result


def run_portfolio(
    config: PortfolioBacktestConfig,
    workers: int = 1,
    blob_dir: Path | None = None,
    run_id: str | None = None,
    created_ms: int | None = None,
    progress: Callable[[str], None] | None = None,
    stage: Stage | None = None,
) -> PortfolioResult:
    """Plan, run the units, combine; `blob_dir` None: a temporary directory; `stage`: the
    units, then the combine step's closes, as progress stages (`backtest.progress`)."""
    if workers < 1:
        raise BacktestInputError(f"--workers must be at least 1, got {workers}")
    specs = plan(config)
    with tempfile.TemporaryDirectory(prefix="blobs-") as tmp:
        root = str(blob_dir or tmp)
        advance = stage("units", len(specs), "unit") if stage is not None else None
        results = run_units(specs, root, workers, advance)
        _say(progress, f"{len(results)} units done")
        idle = _idle(choose(config).idle, results)
        made = (run_id or new_run_id(), created_ms or int(time.time() * 1000))
        blobs = LocalBlobStore(Path(root))
        return _finish(config, specs, results, blobs, idle, made, stage)


def _idle(planned: list[IdleReason], results: list[UnitResult]) -> tuple[IdleReason, ...]:
    """Every idle reason of the run: strategies in allocation order, then the order found
    (planning's `not_in_data` first, then each unit's in its symbol order)."""
    found = [*planned, *(IdleReason.from_json(r) for u in results for r in u.idle)]
    order = sleeve_ids()
    return tuple(sorted(found, key=lambda r: order.index(r.strategy)))


def default_start(results: list[UnitResult]) -> int:
    """The first bar at which every sleeve with a settled symbol has begun: each strategy's
    first settled bar (its earliest symbol), the latest of those. A span starting earlier would
    open with some sleeves unable to decide (the bundled BTC, ETH and SOL daily history lets
    trend and momentum start months before the scalper's 15m data begins)."""
    firsts: dict[str, int] = {}
    for r in results:
        for v in r.symbols.values():
            firsts[r.strategy] = min(firsts.get(r.strategy, v["first_ms"]), v["first_ms"])
    return max(firsts.values())


def _finish(
    config: PortfolioBacktestConfig,
    specs: list[UnitSpec],
    results: list[UnitResult],
    blobs: LocalBlobStore,
    idle: tuple[IdleReason, ...],
    made: tuple[str, int],
    stage: Stage | None = None,
) -> PortfolioResult:
    """The combine step and the run's figures; `made`: the run's id and creation time."""
    params = {s: dict(config.spec(s).get("params") or {}) for s in sleeve_ids()}
    if not any(r.symbols for r in results):
        raise BacktestInputError(nothing_to_trade(idle))
    start = config.start_ms if config.start_ms is not None else default_start(results)
    start -= start % GRID_MS
    end = specs[0].end_ms
    members = Membership(config)
    candidates = members.keep(load_candidates(results, blobs, params))
    infos = instrument_infos(config.data_dirs, {c.symbol for c in candidates})
    allocation = config.allocation_table()
    done = combine(
        candidates, config.capital, start, end, config.fee_rate, params, infos, allocation, stage
    )
    live = [t for t in done.trades if not t["shadow"]]
    sleeve_metrics = {
        s: metrics_of(done.times, curve, [t for t in live if t["strategy"] == s])
        for s, curve in done.sleeves.items()
    }
    enabled = {s: config.enabled(s) for s in sleeve_ids()}
    return PortfolioResult(
        run_id=made[0], created_ms=made[1], start_ms=start, end_ms=end,
        initial_capital=config.capital,
        allocation={s: float(p) for s, p in allocation.as_dict().items()},
        units=[{"unit_id": s.unit_id, "strategy": s.strategy, "symbols": s.symbols,
                "traded": sorted(r.symbols), "counts": r.counts}
               for s, r in zip(specs, results, strict=True)],
        assumptions=_assumptions(config, specs),
        metrics=metrics_of(done.times, done.portfolio, live),
        sleeve_metrics=sleeve_metrics,
        correlation=correlation(done.times, done.sleeves),
        correlated_drawdowns=correlated_drawdowns(done.times, done.sleeves, config.capital),
        transitions=done.transitions, decisions=done.decisions, trades=done.trades,
        times=done.times, equity=done.portfolio, sleeves=done.sleeves,
        strategies=strategy_summary(enabled, _symbols(specs), idle, done.trades, sleeve_metrics),
        idle=idle,
    )  # fmt: skip


def _assumptions(config: PortfolioBacktestConfig, specs: list[UnitSpec]) -> dict[str, Any]:
    return {
        "grid": "every 15m close: book exits and funding, entries, then breaker snapshot",
        "fill_model": "algotrading.domain.fills (as the single-strategy backtest)",
        "entry": "market at the next bar's open, slipped against the taker",
        "sizing": "executor: risk % (or momentum weight) of sleeve sizing_capital from the "
                  "signal close to the stop on the tick, capped by risk.validate, floored to "
                  "the lot step, refused below the minimum quantity or 5 USDT (filters "
                  "derived from the data as the simulator derives them)",
        "conflicts": "risk.validate: a symbol held by one strategy is refused to the others",
        "breakers": "portfolio.breakers.evaluate at every close, shadow track for paper trades",
        "fee_rate": config.fee_rate, "slippage_bps": config.slippage_bps,
        "data_dirs": list(config.data_dirs), "universe_dirs": list(config.universe_dirs),
        "strategies": {s: dict(v) for s, v in sorted(config.strategies.items())},
        "symbols": {s.strategy: [] for s in specs} | _symbols(specs),
    }  # fmt: skip


def _symbols(specs: list[UnitSpec]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for s in specs:
        out.setdefault(s.strategy, []).extend(s.symbols)
    return out


def _say(progress: Callable[[str], None] | None, what: str) -> None:
    if progress is not None:
        progress(what)
