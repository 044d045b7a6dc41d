"""The portfolio's per-candidate outcomes, chained as an unconstrained single strategy takes
them, are the single-strategy engine's trades.

A work unit (`portfolio/units.py`) walks every candidate entry on its own because the combine
step decides later which are taken. With no capital limit and no other strategy competing, one
strategy takes a candidate whenever the symbol is flat: the first candidate, then the first
whose signal bar closes at or after the close that decided the previous position's exit (exits
before entries), until one is still open at the span's end. Chained that way on real data, the
unit's tables must give the engine's trades exactly: entry and exit times, sides, prices, exit
reasons and the per-unit money. A difference here is a difference between the portfolio
backtest and the single-strategy backtest that the portfolio docs do not promise.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from execution_support import SCALPER_ENTRY
from strategy_support import DERIVS

from algotrading.backtest import BacktestConfig
from algotrading.backtest.config import BacktestSizing, SizingMode
from algotrading.backtest.data import FileMarketData
from algotrading.backtest.engine import run_backtest
from algotrading.backtest.portfolio.blobs import LocalBlobStore
from algotrading.backtest.portfolio.outcomes import LEG_COLUMNS, TRADE_COLUMNS
from algotrading.backtest.portfolio.units import UnitSpec, run_unit
from algotrading.backtest.result import SymbolOutcome
from algotrading.backtest.trades import REASONS
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet

# Whole runs of the engine and of the work units over years of real data: seconds each.
pytestmark = pytest.mark.slow

T = {name: i for i, name in enumerate(TRADE_COLUMNS)}
L = {name: i for i, name in enumerate(LEG_COLUMNS)}
ONE = BacktestSizing(SizingMode.UNITS, units=1.0)
"""One unit per position: the engine funds (and so keeps) every position the walk found."""

Trade = tuple[Any, ...]


@dataclass
class Summary:
    """Over all symbols: positions compared, candidates the chain passed over (the symbol was
    held), and the exit reasons met."""

    trades: int = 0
    passed_over: int = 0
    reasons: set[str] = field(default_factory=set)

    def add(self, candidates: int, chained: list[Trade]) -> None:
        self.trades += len(chained)
        self.passed_over += candidates - len(chained)
        self.reasons |= {leg[3] for t in chained for leg in t[3]}


def chain(trades: np.ndarray, legs: np.ndarray) -> list[Trade]:
    """The candidates a strategy alone takes, described as `engine_trades` describes them."""
    out: list[Trade] = []
    free_from = -np.inf
    for k in range(len(trades)):
        row = trades[k]
        if row[T["signal_ms"]] < free_from:
            continue  # the symbol is still held: a hold, or refused (opposite side)
        mine = legs[legs[:, L["trade"]] == k]
        exits = [
            (int(g[L["time_ms"]]), float(g[L["price"]]), float(g[L["fraction"]]),
             REASONS[int(g[L["reason"]])])
            for g in mine
        ]  # fmt: skip
        out.append((
            int(row[T["entry_ms"]]), int(row[T["side"]]), float(row[T["entry_price"]]), exits,
            float(row[T["open_fraction"]]), int(row[T["held_until_ms"]]),
        ))  # fmt: skip
        if row[T["open_fraction"]] > 0:
            break  # still open when the span ends: nothing after it is taken
        free_from = row[T["held_until_ms"]]
    return out


def engine_trades(o: SymbolOutcome) -> list[Trade]:
    """The engine's positions of one symbol: entry, side, entry price, exit legs (time, price,
    fraction, reason), the fraction still open, held until."""
    w, bars = o.walked, o.bars
    out: list[Trade] = []
    for k in range(len(w)):
        mine = np.flatnonzero(w.leg_trade == k)
        exits = [
            (int(bars.start_ms[w.leg_bar[j]]), float(w.leg_price[j]), float(w.leg_fraction[j]),
             REASONS[int(w.leg_reason[j])])
            for j in mine
        ]  # fmt: skip
        out.append((
            int(bars.start_ms[w.entry_bar[k]]), int(w.side[k]), float(w.entry_price[k]), exits,
            float(w.open_fraction[k]), int(w.held_until_ms[k]),
        ))  # fmt: skip
    return out


def compare(
    strategy: str,
    data: Path,
    symbols: tuple[str, ...],
    span: tuple[str | None, str | None],
    tmp_path: Path,
    params: dict[str, Any] | None = None,
) -> Summary:
    """Run the engine and one work unit over the same span; assert every symbol's chained
    outcomes are the engine's trades. Returns what was compared, so a test can require that
    the comparison was not vacuous."""
    start, end = (None if t is None else parse_time(t) for t in span)
    config = BacktestConfig(strategy, params=params or {}, symbols=symbols, start_ms=start,
                            end_ms=end, sizing=ONE)  # fmt: skip
    result = run_backtest(config, FileMarketData(DataSet([data])))
    assert result.metrics["entries"]["entries_unfunded"] == 0
    spec = UnitSpec(
        "u-000", strategy, dict(params or {}), list(symbols), [str(data)], result.start_ms,
        result.end_ms, config.fee_rate, config.slippage_bps,
    )  # fmt: skip
    blobs = LocalBlobStore(tmp_path)
    unit = run_unit(spec, blobs)
    summary = Summary()
    for symbol in symbols:
        keys = unit.symbols[symbol]
        trades, legs = blobs.get(keys["trades"]), blobs.get(keys["legs"])
        outcome = result.outcomes[symbol]
        assert keys["first_ms"] == int(outcome.bars.start_ms[outcome.bars.first])
        ours, theirs = chain(trades, legs), engine_trades(outcome)
        assert ours == theirs, (
            f"{strategy} {symbol}: first difference at {_first_diff(ours, theirs)}"
        )
        _assert_money(trades, ours, outcome)
        summary.add(len(trades), ours)
    return summary


def _assert_money(trades: np.ndarray, chained: list[Trade], o: SymbolOutcome) -> None:
    """Per-unit gross, fees and funding of the taken candidates equal the engine's per-unit."""
    entry = trades[:, T["entry_ms"]]
    taken = np.searchsorted(entry, [t[0] for t in chained])
    for name, sized in (("gross_u", o.gross), ("fees_u", o.fees), ("funding_u", o.funding)):
        assert trades[taken, T[name]] == pytest.approx(sized / o.qty, rel=1e-9, abs=1e-12)


def _first_diff(a: list[Trade], b: list[Trade]) -> str:
    for k, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"trade {k}: outcomes {x} engine {y}"
    return f"lengths {len(a)} vs {len(b)}"


BUNDLED = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "AVAXUSDT", "BNBUSDT", "ADAUSDT")
CASES: dict[str, tuple[str, dict[str, Any], int, set[str]]] = {
    # name: strategy, params, at least this many positions, these exit reasons among them
    "scalper": ("scalper", {}, 5, set()),
    "scalper-entry": ("scalper", SCALPER_ENTRY, 200, {"partial_take_profit", "stop_loss"}),
    "ema_cross": ("ema_cross", {}, 1000, {"signal"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_chained_outcomes_are_the_engine_trades_on_bundled_data(case: str, tmp_path: Path) -> None:
    strategy, params, least, reasons = CASES[case]
    got = compare(strategy, BUNDLED_DATA_DIR, BUNDLED, (None, None), tmp_path, params)
    assert got.trades >= least and reasons <= got.reasons


@pytest.mark.parametrize("case", list(CASES))
def test_chained_outcomes_are_the_engine_trades_on_shared_data(
    case: str, shared_data: Path, tmp_path: Path
) -> None:
    strategy, params, least, reasons = CASES[case]
    symbols = tuple(DataSet([shared_data]).symbols())
    got = compare(strategy, shared_data, symbols, (None, None), tmp_path, params)
    assert got.trades >= least and reasons <= got.reasons


DERIVS_CASES = {
    # carry enters on most bars while it holds: the chain passes over hundreds of candidates
    "carry": (("BTCUSDT", "ETHUSDT", "XRPUSDT", "DOGEUSDT"), 100, {"signal"}),
    "trend": (("BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT"), 20, {"stop_loss"}),
}


@pytest.mark.parametrize("strategy", list(DERIVS_CASES))
def test_chained_outcomes_are_the_engine_trades_on_derivatives_data(
    strategy: str, shared_data: Path, tmp_path: Path
) -> None:
    """Carry needs open interest and funding, trend years of 4h and 1d candles: the
    derivatives set has both."""
    symbols, least, reasons = DERIVS_CASES[strategy]
    got = compare(strategy, shared_data / DERIVS, symbols, (None, None), tmp_path)
    assert got.trades >= least and reasons <= got.reasons
    if strategy == "carry":
        assert got.passed_over >= 100
