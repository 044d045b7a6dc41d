"""Sections both report kinds share: metrics, idle, monthly returns, trades, assumptions."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from algotrading.backtest.idle import IdleReason, idle_lines
from algotrading.backtest.metrics import SUMMARY_METRICS, format_metric, metric_text
from algotrading.backtest.reporting.model import Section, SectionKind, chart, metrics, table
from algotrading.backtest.reporting.series import colour_bound, real_months

IDLE_TITLE = "Idle strategies and symbols"
IDLE_NOTE = (
    "A symbol is idle when its inputs keep it from trading: not in the data, a timeframe the "
    "data cannot give, funding or open interest the strategy needs and the data lacks (carry "
    "requires open interest unless require_open_interest is false), a warm-up longer than the "
    "data (candles needed against candles present), or, though it ran and settled, no entry "
    "signal in the span. Such a symbol is named here, never left out silently; the others ran "
    'without it. docs/BACKTESTING.md, "Idle".'
)
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
TRADE_COLUMNS = [
    "symbol",
    "side",
    "entry time",
    "entry price",
    "exit time",
    "exit price",
    "exit reason",
    "pnl (USDT)",
]


def metrics_section(columns: Mapping[str, Mapping[str, Any]]) -> Section:
    """The summary figures, one column per scope (run, symbol, portfolio, sleeve)."""
    rows = [
        [key, *(metric_text(key, dict(m)) for m in columns.values())] for key in SUMMARY_METRICS
    ]
    return metrics("Metrics", ["metric", *columns], rows)


def idle_section(reasons: Sequence[IdleReason]) -> Section:
    """What idle means, then each reason as the CLI prints it, or that there is none."""
    lines = idle_lines(reasons)
    if not lines:
        return Section(
            IDLE_TITLE,
            SectionKind.NOTE,
            empty="None: every strategy and symbol had "
            "its inputs and at least one entry signal in the span.",
            note=IDLE_NOTE,
        )
    return Section(IDLE_TITLE, SectionKind.NOTE, {"text": "", "items": lines}, note=IDLE_NOTE)


def monthly_heatmap(monthly: list[dict[str, Any]], last_ms: int) -> Section:
    """Years down, months across, percent in each cell; the colour scale symmetric around 0."""
    months = real_months(monthly, last_ms)
    if not months:
        return Section("Monthly returns", SectionKind.CHART, empty="The span holds no month.")
    years = sorted({m["month"][:4] for m in months})
    z: list[list[float | None]] = [[None] * 12 for _ in years]
    for m in months:
        if m["return"] is not None:
            z[years.index(m["month"][:4])][int(m["month"][5:7]) - 1] = 100 * m["return"]
    bound = colour_bound([v for row in z for v in row])
    content = {
        "type": "heatmap",
        "unit": "%",
        "x": MONTHS,
        "y": years,
        "z": z,
        "zmin": -bound,
        "zmax": bound,
    }
    return chart(
        "Monthly returns",
        content,
        note="Each UTC calendar month's return, close "
        "over the previous month's close (the first month: over the starting capital).",
    )


def trade_cells(t: Mapping[str, Any]) -> list[str]:
    """One trade as the trade list shows it: symbol, side, entry, exit, reason, PnL."""
    pnl = t["pnl"] if t["pnl"] is not None else t.get("marked_pnl")
    return [
        str(t["symbol"]),
        str(t["side"]),
        _time(t["entry_time"]),
        _price(t["entry_price"]),
        _time(t["exit_time"]) if t["exit_time"] else "open at the end",
        _price(t["exit_price"]),
        str(t["exit_reason"] or "-"),
        format_metric("net_pnl", pnl) + (" (marked)" if t["pnl"] is None else ""),
    ]


def assumptions_section(assumptions: Mapping[str, Any]) -> Section:
    """Every assumption as a row `key: value`; nested keys joined by dots, paths shortened."""
    rows = [[key, value] for key, value in _flatten("", assumptions)]
    return table(
        "Assumptions",
        ["assumption", "value"],
        rows,
        empty="The run recorded none.",
        note="Folders are named by their last part: the data set is yours to place.",
    )


def short_path(text: str) -> str:
    """An absolute path as its folder or file name (`/home/x/data/bundled` -> `bundled`)."""
    path = PurePath(text)
    return path.name or text if path.is_absolute() else text


def _flatten(prefix: str, value: Any) -> list[tuple[str, str]]:
    if isinstance(value, Mapping):
        if not value:
            return [(prefix, "none")] if prefix else []
        return [
            row
            for k, v in value.items()
            for row in _flatten(f"{prefix}.{k}" if prefix else str(k), v)
        ]
    if isinstance(value, list | tuple):
        return [(prefix, ", ".join(_scalar(v) for v in value) or "none")]
    return [(prefix, _scalar(value))]


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return short_path(value)
    if isinstance(value, float) and not math.isfinite(value):
        return "-"
    if isinstance(value, Mapping | list | tuple):
        return "; ".join(f"{k} {v}" for k, v in _flatten("", value))
    return str(value)


def _time(iso: str) -> str:
    return iso.replace("T", " ").replace(":00Z", "")


def _price(value: float | None) -> str:
    return "-" if value is None else f"{value:.6g}"
