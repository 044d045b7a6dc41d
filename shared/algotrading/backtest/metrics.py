"""A run's figures: `portfolio.metrics` (one definition for live and backtests) plus what only a
backtest has - exposure, fees, funding split into paid and received, monthly returns - for the
run and for each symbol.

Per symbol, the curve-based figures are computed on the symbol's return-attributed curve
(`equity.attributed`). Trade statistics count closed positions only (net of fees and funding);
a position still open at the end is in the equity (marked at the last close) and in
`open_at_end`, not in the statistics.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from algotrading.backtest.trades import F64, I64
from algotrading.domain.intervals import DAY_MS
from algotrading.domain.performance import Period
from algotrading.domain.timefmt import ms_to_iso
from algotrading.portfolio.metrics import (
    cagr,
    daily_returns,
    max_drawdown,
    sharpe_ratio,
    sortino_ratio,
    trade_stats,
)
from algotrading.portfolio.performance import period_returns

SUMMARY_METRICS = (
    "final_equity", "net_pnl", "total_return", "cagr", "sharpe", "sortino", "calmar",
    "max_drawdown", "max_drawdown_duration_days", "win_rate", "profit_factor", "expectancy",
    "avg_win", "avg_loss", "exposure", "trades", "open_at_end", "fees_paid", "funding_paid",
    "funding_received",
)  # fmt: skip
"""The figures the CLI table and the report show, in that order."""
PERCENT_METRICS = frozenset({"total_return", "cagr", "max_drawdown", "win_rate", "exposure"})
"""Fractions shown as percentages."""
MONEY_METRICS = frozenset({"final_equity", "net_pnl", "expectancy", "avg_win", "avg_loss",
                           "fees_paid", "funding_paid", "funding_received"})  # fmt: skip
"""USDT amounts, shown at two decimals (docs/output.md)."""
ANNUALISED_METRICS = ("cagr", "sharpe", "sortino", "calmar")
MIN_ANNUALISED_DAYS = 30
"""Spans shorter than this get no annualised figures (`withhold_annualised`)."""


@dataclass(frozen=True, slots=True)
class Ledger:
    """The money of a set of positions (a run or one symbol), sized."""

    net_pnl_closed: F64
    """Net PnL of each closed position (price PnL - fees + funding)."""
    fees: float
    funding_flows: F64
    """Every settlement's amount (+ received, - paid)."""
    open_at_end: int
    gross_pnl: float


def curve_metrics(
    times: I64,
    equity: F64,
    ledger: Ledger,
    exposure: float,
    min_annualised_days: float = MIN_ANNUALISED_DAYS,
) -> dict[str, Any]:
    """Every figure of docs/BACKTESTING.md, "Metrics", JSON-ready (None where undefined; the
    annualised ones on a span under `min_annualised_days` too)."""
    returns = daily_returns(times, equity)
    growth = cagr(times, equity)
    dd = max_drawdown(times, equity)
    t = trade_stats(ledger.net_pnl_closed)
    flows = ledger.funding_flows
    out: dict[str, Any] = {
        "initial_equity": float(equity[0]),
        "final_equity": float(equity[-1]),
        "total_return": float(equity[-1] / equity[0] - 1.0),
        "cagr": growth,
        "sharpe": sharpe_ratio(returns),
        "sortino": sortino_ratio(returns),
        "calmar": calmar(growth, dd.max_drawdown),
        "max_drawdown": dd.max_drawdown,
        "max_drawdown_duration_days": dd.max_duration_ms / DAY_MS,
        "max_drawdown_peak": _iso(dd.peak_ms),
        "max_drawdown_trough": _iso(dd.trough_ms),
        "win_rate": t.win_rate,
        "profit_factor": t.profit_factor,
        "expectancy": t.expectancy,
        "avg_win": t.avg_win,
        "avg_loss": t.avg_loss,
        "trades": t.count,
        "wins": t.wins,
        "losses": t.losses,
        "open_at_end": ledger.open_at_end,
        "exposure": exposure,
        "gross_pnl": ledger.gross_pnl,
        "fees_paid": ledger.fees,
        "funding_paid": float(abs(flows[flows < 0].sum())),
        "funding_received": float(flows[flows > 0].sum()),
        "funding_net": float(flows.sum()),
    }
    out["monthly_returns"] = monthly_returns(times, equity)
    span_days = (int(times[-1]) - int(times[0])) / DAY_MS
    return withhold_annualised(out, span_days, min_annualised_days)


def withhold_annualised(
    metrics: dict[str, Any], span_days: float, min_days: float = MIN_ANNUALISED_DAYS
) -> dict[str, Any]:
    """CAGR, Sharpe, Sortino and Calmar extrapolate to a year: on a span shorter than
    `MIN_ANNUALISED_DAYS` they say nothing (a -1 % day is a CAGR of -97 %), so they are withheld
    (None) and `annualised` says why; tables show it beside the metric."""
    if span_days >= min_days:
        return metrics
    for key in ANNUALISED_METRICS:
        metrics[key] = None
    metrics["annualised"] = f"n/a: span under {min_days:g} days"
    return metrics


def calmar(growth: float | None, depth: float) -> float | None:
    """`portfolio.metrics.calmar_ratio` from figures already computed (the drawdown of a long
    curve is the costliest of them; a test pins the two together)."""
    if growth is None or depth <= 0:
        return None
    return growth / depth


def monthly_returns(times: I64, equity: F64) -> list[dict[str, Any]]:
    """Each UTC calendar month's return, "2025-10" style, first to last month of the curve."""
    return [
        {"month": ms_to_iso(r.start_ms)[:7], "return": r.value}
        for r in period_returns(times, equity, Period.MONTHLY)
    ]


def ledger_of(
    closed_net: Sequence[F64], fees: float, flows: Sequence[F64], open_at_end: int, gross: float
) -> Ledger:
    return Ledger(
        net_pnl_closed=np.concatenate(
            [np.asarray(a, dtype=float) for a in closed_net] or [np.array([])]
        ),
        fees=float(fees),
        funding_flows=np.concatenate([np.asarray(a, dtype=float) for a in flows] or [np.array([])]),
        open_at_end=open_at_end,
        gross_pnl=float(gross),
    )


def _iso(ms: int | None) -> str | None:
    return None if ms is None else ms_to_iso(ms)


def metric_text(key: str, metrics: dict[str, Any]) -> str:
    """`format_metric` of `metrics[key]`; a withheld annualised figure says why."""
    if key in ANNUALISED_METRICS and metrics.get("annualised"):
        return str(metrics["annualised"])
    return format_metric(key, metrics.get(key))


def format_metric(key: str, value: Any) -> str:
    """One metric as people read it, in the CLI tables and the HTML report alike."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if key in PERCENT_METRICS:
        return f"{100 * float(value):.2f}%"
    if key in MONEY_METRICS and isinstance(value, int | float):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) >= 100 else f"{value:.4g}"
    return str(value)
