"""The portfolio run's report model: the single-strategy report's depth for every sleeve.

Curves are drawn in percent of their own start, so a sleeve of 600 USDT and a portfolio of
3,000 share one scale and a -1 % move shows; each sleeve also gets a small chart of its own.
The drawdown chart carries the breaker levels and every transition, tables follow
(`portfolio_tables`).
"""

from __future__ import annotations

from typing import Any

from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.reporting import portfolio_tables as tables
from algotrading.backtest.reporting.common import assumptions_section, idle_section, metrics_section
from algotrading.backtest.reporting.model import Report, Section, SectionKind, chart
from algotrading.backtest.reporting.series import drawdown_percent, percent_of_start, thin
from algotrading.domain.breaker import BreakerThresholds
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import ms_to_iso


def portfolio_report(result: PortfolioResult) -> Report:
    """The model of a portfolio run (`render_html` draws it)."""
    summary = (
        f"Run {result.run_id}, {ms_to_iso(result.start_ms)} to {ms_to_iso(result.end_ms)}, "
        f"capital {result.initial_capital:,.2f} USDT, sleeves "
        + ", ".join(f"{s} {p:g} %" for s, p in result.allocation.items())
        + "."
    )
    sections = [
        metrics_section({PORTFOLIO: result.metrics, **result.sleeve_metrics}),
        tables.strategies_section(result.strategies),
        idle_section(result.idle),
        _equity_section(result),
        *(_sleeve_section(result, name) for name in result.sleeves),
        _drawdown_section(result),
        tables.transitions_section(result),
        tables.monthly_section(result),
        tables.trades_section(result.trades),
        tables.symbols_section(result.trades),
        tables.correlation_section(result),
        tables.correlated_drawdowns_section(result),
        tables.decisions_section(result.decisions, result.strategies),
        assumptions_section(result.assumptions),
    ]
    title = "Portfolio backtest: " + ", ".join(result.allocation) + " on one capital"
    return Report("portfolio", title, summary, result.run_id, sections)


def _events(result: PortfolioResult) -> list[dict[str, Any]]:
    return [
        {"time_ms": int(t["time_ms"]), "kind": str(t["kind"]), "label": f"{t['scope']} {t['kind']}"}
        for t in result.transitions
    ]


def _equity_section(result: PortfolioResult) -> Section:
    curves = {PORTFOLIO: result.equity, **result.sleeves}
    series = [
        {"name": name, "style": "line", **thin(result.times, percent_of_start(curve))}
        for name, curve in curves.items()
    ]
    panel = {"title": "Equity (% of each scope's starting equity)", "unit": "%", "series": series}
    return chart(
        "Equity",
        {"type": "lines", "height": 460, "panels": [panel], "events": _events(result)},
        note="Each curve in percent gained since the start of the span; dashed lines "
        "mark the breaker transitions.",
    )


def _sleeve_section(result: PortfolioResult, name: str) -> Section:
    """A small chart of one sleeve; an idle sleeve (no trade, live or shadow) says why instead."""
    title = f"Sleeve {name}: equity (%)"
    summary = result.strategies.get(name, {})
    if summary.get("trades", 0) == 0 and summary.get("shadow_trades", 0) == 0:
        reasons = "; ".join(summary.get("idle", []))
        why = f" Idle reasons: {reasons}." if reasons else ""
        status = summary.get("status", "unknown")
        text = f"{name} placed no trade, live or shadow, in the span (status {status}): "
        return Section(title, SectionKind.CHART, empty=text + f"its curve stays flat.{why}")
    series = [
        {
            "name": name,
            "style": "line",
            **thin(result.times, percent_of_start(result.sleeves[name])),
        }
    ]
    events = [e for e in _events(result) if e["label"].startswith(f"{name} ")]
    panel = {"title": title, "unit": "%", "series": series}
    return chart(title, {"type": "lines", "height": 260, "panels": [panel], "events": events})


def _drawdown_section(result: PortfolioResult) -> Section:
    curves = {PORTFOLIO: result.equity, **result.sleeves}
    series = [
        {"name": name, "style": "line", **thin(result.times, drawdown_percent(curve))}
        for name, curve in curves.items()
    ]
    panel = {
        "title": "Drawdown from the running peak (%)",
        "unit": "%",
        "series": series,
        "levels": _levels(BreakerThresholds()),
    }
    return chart(
        "Drawdown and circuit breakers",
        {"type": "lines", "height": 460, "panels": [panel], "events": _events(result)},
        note="Horizontal lines: the breaker levels the backtest applies (a sleeve pauses "
        "beyond its pause level and resumes under the resume level measured on its "
        "shadow track; the hard floors need an operator). The breakers measure from "
        "their own reference peak, re-based on resume, so a transition can sit "
        "above the level drawn here.",
    )


def _levels(th: BreakerThresholds) -> list[dict[str, Any]]:
    """The breaker levels as drawdowns (negative percent); equal levels share one line."""
    named = [
        (th.resume_pct, "resume"),
        (th.sleeve_pause_pct, "sleeve pause"),
        (th.sleeve_floor_pct, "sleeve floor"),
        (th.portfolio_halt_pct, "portfolio halt"),
        (th.portfolio_floor_pct, "portfolio floor"),
    ]
    labels: dict[float, list[str]] = {}
    for pct, name in named:
        labels.setdefault(float(pct), []).append(name)
    return [
        {"value": -pct, "label": f"{' / '.join(names)} {pct:g} %"} for pct, names in labels.items()
    ]
