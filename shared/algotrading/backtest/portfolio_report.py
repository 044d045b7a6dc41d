"""A portfolio run's report: one self-contained HTML file (plotly.js inlined, opens offline).

Contents: the metrics (portfolio and each sleeve side by side), per strategy its trades,
exposure and status, the idle strategies and symbols with their reasons, the portfolio and
sleeve equity curves with every circuit-breaker transition marked on them (a vertical line and
a labelled marker at the scope's curve), the correlation matrix of the sleeves' daily returns,
the correlated-drawdown episodes, the decisions per sleeve and the assumptions.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import numpy as np

from algotrading.backtest.metrics import SUMMARY_METRICS, metric_text
from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.report import (
    IDLE_TITLE,
    STYLE,
    figure_div,
    idle_html,
    report_cell,
    thin_series,
)
from algotrading.domain.jsonsafe import plain
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import ms_to_iso

_COLOURS = {"triggered": "#c0392b", "released": "#27ae60", "warning": "#e67e22"}


def write_portfolio_report(result: PortfolioResult, path: Path) -> Path:
    path.write_text(render_portfolio(result), encoding="utf-8")
    return path


def render_portfolio(result: PortfolioResult) -> str:
    from plotly.offline import get_plotlyjs

    parts = [
        "<h1>Portfolio backtest: trend, scalper, carry, momentum on one capital</h1>",
        f"<p>Run {html.escape(result.run_id)}, {ms_to_iso(result.start_ms)} to "
        f"{ms_to_iso(result.end_ms)}, capital {result.initial_capital:,.2f} USDT, sleeves "
        + ", ".join(f"{s} {p:g} %" for s, p in result.allocation.items()) + ".</p>",
        "<h2>Metrics</h2>", metrics_html(result),
        "<h2>Strategies: trades, exposure, idle</h2>", strategies_html(result.strategies),
        f"<h2>{IDLE_TITLE}</h2>", idle_html(result.idle),
        figure_div(equity_figure(result)),
        "<h2>Breaker transitions</h2>", _rows_html(result.transitions, ("time_ms", "scope", "kind",
            "new_status", "drawdown_pct", "real_drawdown_pct", "reason")),
        "<h2>Correlation of sleeve daily returns</h2>", _correlation_html(result.correlation),
        "<h2>Correlated drawdowns (two or more sleeves under water at once)</h2>",
        _rows_html(result.correlated_drawdowns, ("start", "end", "duration_days", "sleeves",
                                                 "max_combined_depth", "deepest_at")),
        "<h2>Decisions</h2>", f"<pre>{html.escape(json.dumps(result.decisions, indent=2))}</pre>",
        "<h2>Assumptions</h2>",
        f"<pre>{html.escape(json.dumps(plain(result.assumptions), indent=2))}</pre>",
    ]  # fmt: skip
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>Portfolio backtest {html.escape(result.run_id)}</title><style>{STYLE}</style>"
        f'<script type="text/javascript">{get_plotlyjs()}</script></head>\n<body>\n'
        + "\n".join(parts) + "\n</body></html>\n"
    )  # fmt: skip


def metrics_html(result: PortfolioResult) -> str:
    columns = {PORTFOLIO: result.metrics, **result.sleeve_metrics}
    head = "".join(f"<th>{html.escape(c)}</th>" for c in ["metric", *columns])
    body = "".join(
        f"<tr><td>{k}</td>"
        + "".join(f"<td>{html.escape(metric_text(k, m))}</td>" for m in columns.values())
        + "</tr>"
        for k in SUMMARY_METRICS
    )  # fmt: skip
    return f"<table><tr>{head}</tr>{body}</table>"


def strategies_html(strategies: dict[str, dict[str, Any]]) -> str:
    """Per strategy its status, live positions, exposure and count of idle reasons."""
    head = "".join(f"<th>{c}</th>" for c in ("strategy", "status", "trades", "shadow trades",
                                             "exposure", "idle reasons"))  # fmt: skip
    rows = "".join(
        f"<tr><td>{html.escape(name)}</td><td>{html.escape(s['status'])}</td>"
        f"<td>{s['trades']}</td><td>{s['shadow_trades']}</td>"
        f"<td>{report_cell('exposure', s['exposure'])}</td><td>{len(s['idle'])}</td></tr>"
        for name, s in strategies.items()
    )
    note = (
        "<p>trades: live positions opened (closed or open at the end); shadow trades: taken on "
        "paper while a breaker paused the sleeve; exposure: share of the span's 15-minute closes "
        "with at least one live position of the strategy open.</p>"
    )
    return f"<table><tr>{head}</tr>{rows}</table>{note}"


def equity_figure(result: PortfolioResult) -> Any:
    """Portfolio and sleeve curves; each breaker transition a dashed line plus a marker."""
    import plotly.graph_objects as go

    fig = go.Figure()
    curves = {PORTFOLIO: result.equity, **result.sleeves}
    for name, curve in curves.items():
        x, y = thin_series(result.times, curve)
        fig.add_trace(go.Scatter(x=x, y=y, name=name, line={"width": 1.2}))
    for t in result.transitions:
        at = int(np.searchsorted(result.times, t["time_ms"], side="left"))
        y_at = float(curves[t["scope"]][min(at, len(result.times) - 1)])
        colour = _COLOURS.get(t["kind"], "#7f8c8d")
        fig.add_vline(x=ms_to_iso(t["time_ms"]), line={"dash": "dash", "color": colour})
        fig.add_trace(go.Scatter(x=[ms_to_iso(t["time_ms"])], y=[y_at], mode="markers+text",
                                 marker={"size": 10, "color": colour, "symbol": "x"},
                                 text=[f"{t['scope']} {t['kind']}"], textposition="top center",
                                 showlegend=False))  # fmt: skip
    fig.update_layout(height=560, title="Equity (USDT) with breaker transitions",
                      margin={"t": 40, "b": 30})  # fmt: skip
    return fig


def _correlation_html(corr: dict[str, Any]) -> str:
    names = corr["sleeves"]
    head = "".join(f"<th>{html.escape(n)}</th>" for n in ["", *names])
    rows = "".join(
        f"<tr><td>{n}</td>" + "".join("<td>-</td>" if v is None else f"<td>{v:.2f}</td>"
                                       for v in row) + "</tr>"
        for n, row in zip(names, corr["matrix"], strict=True)
    )  # fmt: skip
    return f"<table><tr>{head}</tr>{rows}</table><p>{corr['days']} daily returns.</p>"


def _rows_html(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{k}</th>" for k in keys)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(k, r.get(k)))}</td>" for k in keys) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _cell(key: str, value: Any) -> str:
    if key == "time_ms":
        return ms_to_iso(int(value))
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)
