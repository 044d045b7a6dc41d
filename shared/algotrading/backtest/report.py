"""A run's report: one self-contained HTML file that opens offline.

plotly.js comes from the plotly wheel and is written into the page once (no CDN, no network
access when the file is opened, years later, on any machine). Contents: the metrics (run and
per symbol), the idle symbols with their reasons, the equity curve with its drawdown, the
monthly returns as a heatmap, each symbol's price with the trades marked (entries as triangles,
exits as crosses), and the assumptions. Long series are thinned for drawing only (every k-th
point, at most `MAX_POINTS`); the figures in the tables are computed on every point.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from algotrading.backtest.idle import IdleReason, idle_lines
from algotrading.backtest.metrics import SUMMARY_METRICS, format_metric, metric_text
from algotrading.backtest.result import BacktestResult, SymbolOutcome
from algotrading.backtest.trades import F64, I64
from algotrading.domain.jsonsafe import plain
from algotrading.domain.timefmt import ms_to_iso

MAX_POINTS = 20_000
STYLE = """
body { font-family: system-ui, sans-serif; margin: 24px; color: #222; }
table { border-collapse: collapse; margin: 8px 0 24px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 8px; font-size: 12px; overflow-x: auto; }
"""


def write_report(result: BacktestResult, path: Path) -> Path:
    """Write the report to `path` (parent directories must exist) and return it."""
    path.write_text(render(result), encoding="utf-8")
    return path


def render(result: BacktestResult) -> str:
    from plotly.offline import get_plotlyjs

    parts = [
        f"<h1>{html.escape(result.title)}: {html.escape(', '.join(result.symbols))} "
        f"({result.interval})</h1>",
        f"<p>Run {html.escape(result.run_id)}, {ms_to_iso(result.start_ms)} to "
        f"{ms_to_iso(result.end_ms)}, capital {result.initial_capital:,.2f} USDT.</p>",
        "<h2>Metrics</h2>",
        _metrics_table(result),
        f"<h2>{IDLE_TITLE}</h2>",
        idle_html(result.idle),
        figure_div(_equity_figure(result)),
        figure_div(_monthly_figure(result.metrics.get("monthly_returns", []))),
    ]
    parts += [figure_div(_price_figure(o)) for o in result.outcomes.values()]
    assumptions = json.dumps(plain(result.assumptions), indent=2)
    parts += ["<h2>Assumptions</h2>", f"<pre>{html.escape(assumptions)}</pre>"]
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>Backtest {html.escape(result.run_id)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>\n<body>\n'
        + "\n".join(parts)
        + "\n</body></html>\n"
    )


IDLE_TITLE = "Idle strategies and symbols"
IDLE_NOTE = (
    "A symbol is idle when its inputs keep it from trading: not in the data, a timeframe the "
    "data cannot give, funding or open interest the strategy needs and the data lacks (carry "
    "requires open interest unless <code>require_open_interest</code> is false), a warm-up "
    "longer than the data (candles needed against candles present), or, though it ran and "
    "settled, no entry signal in the span. Such a symbol is named here, never left out silently; "
    'the others ran without it. docs/BACKTESTING.md, "Idle".'
)


def idle_html(reasons: Sequence[IdleReason]) -> str:
    """The idle section: what idle means, then each reason, or that there is none."""
    lines = idle_lines(reasons)
    if not lines:
        return (f"<p>{IDLE_NOTE}</p><p>None: every strategy and symbol had its inputs and "
                "at least one entry signal in the span.</p>")  # fmt: skip
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f'<p>{IDLE_NOTE}</p><ul class="idle">{items}</ul>'


def figure_div(figure: Any) -> str:
    return str(figure.to_html(full_html=False, include_plotlyjs=False))


def _metrics_table(result: BacktestResult) -> str:
    columns = {"run": result.metrics, **result.metrics.get("per_symbol", {})}
    head = "".join(f"<th>{html.escape(name)}</th>" for name in ["metric", *columns])
    rows = [
        f"<tr><td>{key}</td>"
        + "".join(f"<td>{html.escape(metric_text(key, m))}</td>" for m in columns.values())
        + "</tr>"
        for key in SUMMARY_METRICS
    ]
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def thin_series(times: I64, values: F64) -> tuple[np.ndarray, F64]:
    step = max(1, len(times) // MAX_POINTS + (len(times) % MAX_POINTS > 0))
    keep = np.arange(0, len(times), step)
    if len(times) and keep[-1] != len(times) - 1:
        keep = np.append(keep, len(times) - 1)
    return times[keep].astype("datetime64[ms]"), values[keep]


def _equity_figure(result: BacktestResult) -> Any:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    times, equity = result.equity_times, result.equity
    peak = np.maximum.accumulate(equity)
    drawdown = np.where(peak > 0, equity / peak - 1.0, 0.0) * 100
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.7, 0.3],
                        subplot_titles=("Equity (USDT)", "Drawdown (%)"))  # fmt: skip
    x, y = thin_series(times, equity)
    fig.add_trace(go.Scatter(x=x, y=y, name="equity", line={"width": 1.2}), row=1, col=1)
    x, y = thin_series(times, drawdown)
    fig.add_trace(go.Scatter(x=x, y=y, name="drawdown", fill="tozeroy",
                             line={"width": 1, "color": "#c0392b"}), row=2, col=1)  # fmt: skip
    fig.update_layout(height=560, showlegend=False, margin={"t": 40, "b": 30})
    return fig


def _monthly_figure(monthly: list[dict[str, Any]]) -> Any:
    import plotly.graph_objects as go

    years = sorted({m["month"][:4] for m in monthly})
    z = np.full((len(years), 12), np.nan)
    for m in monthly:
        if m["return"] is not None:
            z[years.index(m["month"][:4]), int(m["month"][5:7]) - 1] = 100 * m["return"]
    text = [["" if np.isnan(v) else f"{v:.1f}%" for v in row] for row in z]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    fig = go.Figure(go.Heatmap(z=z, x=months, y=years, text=text, texttemplate="%{text}",
                               colorscale="RdYlGn", zmid=0, colorbar={"title": "%"}))  # fmt: skip
    fig.update_layout(
        title="Monthly returns", height=140 + 40 * len(years), yaxis={"type": "category"}
    )
    return fig


def _price_figure(outcome: SymbolOutcome) -> Any:
    import plotly.graph_objects as go

    bars, w = outcome.bars, outcome.walked
    x, y = thin_series(bars.close_ms[bars.first :], bars.close[bars.first :])
    fig = go.Figure(go.Scatter(x=x, y=y, name="close", line={"width": 1, "color": "#555"}))
    for side, name, symbol, color in ((1, "long entry", "triangle-up", "#1e8449"),
                                      (-1, "short entry", "triangle-down", "#c0392b")):  # fmt: skip
        pick = w.side == side
        fig.add_trace(go.Scatter(
            x=bars.start_ms[w.entry_bar[pick]].astype("datetime64[ms]"), y=w.entry_price[pick],
            mode="markers", name=name, marker={"symbol": symbol, "size": 8, "color": color},
        ))  # fmt: skip
    fig.add_trace(go.Scatter(
        x=bars.start_ms[w.leg_bar].astype("datetime64[ms]"), y=w.leg_price, mode="markers",
        name="exit", marker={"symbol": "x", "size": 7, "color": "#2c3e50"},
    ))  # fmt: skip
    fig.update_layout(title=f"{w.symbol}: price and trades", height=420, margin={"t": 50, "b": 30})
    return fig


def report_cell(key: str, value: Any) -> str:
    return html.escape(format_metric(key, value))
