"""The single-strategy run's report model: metrics (run and per symbol), idle symbols, equity
with its drawdown, monthly returns, each symbol's price with its trades, the trade list and
the assumptions."""

from __future__ import annotations

from algotrading.backtest.reporting.common import (
    TRADE_COLUMNS,
    assumptions_section,
    idle_section,
    metrics_section,
    monthly_heatmap,
    trade_cells,
)
from algotrading.backtest.reporting.model import Report, Section, chart, table
from algotrading.backtest.reporting.series import drawdown_percent, thin
from algotrading.backtest.result import BacktestResult, SymbolOutcome
from algotrading.domain.timefmt import ms_to_iso


def strategy_report(result: BacktestResult) -> Report:
    """The model of one strategy's run (`render_html` draws it)."""
    title = f"{result.title}: {', '.join(result.symbols)} ({result.interval})"
    summary = (
        f"Run {result.run_id}, {ms_to_iso(result.start_ms)} to {ms_to_iso(result.end_ms)}, "
        f"capital {result.initial_capital:,.2f} USDT."
    )
    last = int(result.equity_times[-1])
    sections = [
        metrics_section({"run": result.metrics, **result.metrics.get("per_symbol", {})}),
        idle_section(result.idle),
        _equity_section(result),
        monthly_heatmap(result.metrics.get("monthly_returns", []), last),
        *(_price_section(o) for o in result.outcomes.values()),
        _trades_section(result),
        assumptions_section(result.assumptions),
    ]
    return Report("strategy", title, summary, result.run_id, sections)


def _equity_section(result: BacktestResult) -> Section:
    times, equity = result.equity_times, result.equity
    panels = [
        {
            "title": "Equity (USDT)",
            "unit": "USDT",
            "series": [{"name": "equity", "style": "line", **thin(times, equity)}],
        },
        {
            "title": "Drawdown (%)",
            "unit": "%",
            "series": [
                {"name": "drawdown", "style": "area", **thin(times, drawdown_percent(equity))}
            ],
        },
    ]
    return chart("Equity and drawdown", {"type": "lines", "height": 560, "panels": panels})


def _price_section(outcome: SymbolOutcome) -> Section:
    """The close with each entry (triangle up long, down short) and each exit leg (cross)."""
    bars, w = outcome.bars, outcome.walked
    series = [
        {
            "name": "close",
            "style": "line",
            **thin(bars.close_ms[bars.first :], bars.close[bars.first :]),
        }
    ]
    for side, name, symbol in (
        (1, "long entry", "triangle-up"),
        (-1, "short entry", "triangle-down"),
    ):
        pick = w.side == side
        series.append(
            {
                "name": name,
                "style": "markers",
                "symbol": symbol,
                "time_ms": bars.start_ms[w.entry_bar[pick]].tolist(),
                "values": w.entry_price[pick].tolist(),
            }
        )
    series.append(
        {
            "name": "exit",
            "style": "markers",
            "symbol": "x",
            "time_ms": bars.start_ms[w.leg_bar].tolist(),
            "values": w.leg_price.tolist(),
        }
    )
    content = {
        "type": "lines",
        "height": 420,
        "panels": [{"title": f"{w.symbol}: price and trades", "unit": "USDT", "series": series}],
    }
    return chart(f"{w.symbol}: price and trades", content)


def _trades_section(result: BacktestResult) -> Section:
    rows = [trade_cells(t) for t in result.trade_rows()]
    return table(
        "Trades",
        TRADE_COLUMNS,
        rows,
        note="By entry time; PnL net of fees and funding.",
        empty="No trade: no entry signal in the span (see the idle section).",
    )
