"""How the scalper's default `setup_window_bars` was chosen (docs/STRATEGIES.md, section 7).

For each setup window 1..8 the scalper runs through the backtest engine (`algo backtest run
--strategy scalper` with all the bundled symbols and the CLI's defaults: 10,000 USDT, 5.5 bps
taker fee, 2 bps slippage, the risk module's sizing) over the bundled development data, and
this prints the settled entry signals and the trades per window, then the trades per symbol and
month at the chosen window. PnL is not printed: the window is chosen on counts alone, before
anyone looks at whether its trades make money.

The choice: the smallest window whose trades reach a scalper's cadence, `CADENCE` trades per
symbol per week averaged over the symbols (a scalper holds at most 12 bars of 15m, 3 hours;
"several trades per symbol per week" is the least that makes it one, and 2 is the smallest count
that is "several"). When no window reaches it, the window is not what holds the scalper back, and
the choice is the smallest window after which one more bar adds fewer than `SATURATION` more
entry signals: up to there each bar admits the Stochastic RSI turn that follows its washed-out
bar; past it only the background rate of an old setup meeting an unrelated cross remains.

    .venv/bin/python -m bench.scalper_window
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from algotrading.backtest import BacktestConfig, FileMarketData, simulate
from algotrading.backtest.data import load_history
from algotrading.domain.timefmt import ms_to_iso
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, get_strategy

WINDOWS = range(1, 9)
CADENCE = 2.0
"""Trades per symbol per week, averaged over the symbols."""
SATURATION = 0.10
"""Share of more entry signals below which one more bar of window no longer counts as a gain."""
WEEK_MS = 7 * 24 * 3600 * 1000


@dataclass(frozen=True, slots=True)
class Measured:
    """One window's counts over the span the engine resolved (first settled bar .. data end)."""

    window: int
    span: tuple[int, int]
    """The engine's span (ms): the first bar every symbol is settled .. the end of the data."""
    signals: dict[str, int]
    """Settled entry rows (long or short) inside the span, per symbol."""
    trades: dict[str, Counter[str]]
    """Trades per symbol, per month of their entry ("2025-10")."""

    @property
    def weeks(self) -> float:
        return (self.span[1] - self.span[0]) / WEEK_MS

    @property
    def trade_total(self) -> int:
        return sum(sum(months.values()) for months in self.trades.values())

    def per_symbol_week(self, symbol: str) -> float:
        return sum(self.trades[symbol].values()) / self.weeks

    @property
    def mean_per_symbol_week(self) -> float:
        return self.trade_total / len(self.trades) / self.weeks


def histories(dataset: DataSet) -> dict[str, MarketHistory]:
    """Every bundled symbol's 15m and 1h candles and funding (the window changes none of it)."""
    market, strategy = FileMarketData(dataset), get_strategy("scalper")
    return {s: load_history(strategy, s, market, None) for s in dataset.symbols()}


def measure(window: int, loaded: dict[str, MarketHistory]) -> Measured:
    """One engine run at `window`; signals re-read from the strategy's own frames."""
    params = {"setup_window_bars": window}
    strategy = get_strategy("scalper", params)
    config = BacktestConfig("scalper", params=params, symbols=tuple(loaded))
    result = simulate(strategy, loaded, config)
    frames = strategy.signals(loaded)
    signals = {}
    for symbol, f in frames.items():
        inside = (f.close_ms >= result.start_ms) & (f.close_ms <= result.end_ms) & f.settled
        signals[symbol] = int(((f.entry_long | f.entry_short) & inside).sum())
    trades = {}
    for symbol, outcome in result.outcomes.items():
        entered = outcome.bars.start_ms[outcome.walked.entry_bar]
        trades[symbol] = Counter(month(int(ms)) for ms in entered)
    return Measured(window, (result.start_ms, result.end_ms), signals, trades)


def month(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m")


def window_table(runs: list[Measured]) -> list[str]:
    """Markdown: per window, signals, trades and trades per symbol per week (mean, min)."""
    lines = [
        "| window | entry signals | trades | trades / symbol / week (mean) | (fewest symbol) |",
        "|---:|---:|---:|---:|---:|",
    ]
    for m in runs:
        fewest = min(m.per_symbol_week(s) for s in m.trades)
        lines.append(
            f"| {m.window} | {sum(m.signals.values())} | {m.trade_total} | "
            f"{m.mean_per_symbol_week:.2f} | {fewest:.2f} |"
        )
    return lines


def month_table(m: Measured) -> list[str]:
    """Markdown: trades per symbol (rows) and month of entry (columns) at one window."""
    months = sorted({mo for counts in m.trades.values() for mo in counts})
    lines = [
        "| symbol | " + " | ".join(months) + " | all | per week |",
        "|---|" + "---:|" * (len(months) + 2),
    ]
    for symbol, counts in m.trades.items():
        cells = " | ".join(str(counts.get(mo, 0)) for mo in months)
        total = sum(counts.values())
        lines.append(f"| {symbol} | {cells} | {total} | {total / m.weeks:.1f} |")
    column = [sum(c.get(mo, 0) for c in m.trades.values()) for mo in months]
    sums = " | ".join(str(n) for n in column)
    lines.append(f"| all | {sums} | {m.trade_total} | {m.trade_total / m.weeks:.1f} |")
    return lines


def chosen(runs: list[Measured]) -> tuple[Measured, str]:
    """The smallest window with the cadence, else the smallest saturated one (module docstring),
    else the widest measured; with the reason."""
    for m in runs:
        if m.mean_per_symbol_week >= CADENCE:
            return m, f"the smallest window with >= {CADENCE:g} trades per symbol per week"
    for m, wider in pairwise(runs):
        if sum(wider.signals.values()) < (1 + SATURATION) * sum(m.signals.values()):
            return m, (
                f"no window reaches {CADENCE:g} trades per symbol per week; the smallest after "
                f"which one more bar adds < {SATURATION:.0%} entry signals"
            )
    return runs[-1], "no window reaches the cadence or saturates: the widest measured"


def main() -> int:
    dataset = DataSet()
    loaded = histories(dataset)
    runs = [measure(w, loaded) for w in WINDOWS]
    first = runs[0]
    start, end = (ms_to_iso(t) for t in first.span)
    print(f"bundled data: {len(loaded)} symbols, span {start} .. {end} ({first.weeks:.1f} weeks)")
    print("\n".join(window_table(runs)))
    pick, why = chosen(runs)
    print(f"\nchosen window {pick.window}: {why}")
    print("\n".join(month_table(pick)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
