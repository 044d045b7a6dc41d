"""The portfolio report's tables: strategies, breaker transitions, monthly returns per sleeve,
the trade list, the per-symbol breakdown, correlations, correlated drawdowns and decisions.
Each says why when it has no row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from algotrading.backtest.metrics import format_metric
from algotrading.backtest.portfolio.result import PortfolioResult
from algotrading.backtest.reporting.common import TRADE_COLUMNS, trade_cells
from algotrading.backtest.reporting.model import Section, table
from algotrading.backtest.reporting.series import drawdown_percent, real_months
from algotrading.domain.breaker import BreakerThresholds
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import ms_to_iso


def strategies_section(strategies: Mapping[str, Mapping[str, Any]]) -> Section:
    """Per strategy its status, live and shadow trades, exposure and, when idle, why."""
    rows = [
        [
            name,
            str(s["status"]),
            str(s["trades"]),
            str(s["shadow_trades"]),
            format_metric("exposure", s["exposure"]),
            str(len(s["idle"])),
            "; ".join(s["idle"]) if s["status"] == "idle" else "",
        ]
        for name, s in strategies.items()
    ]
    return table(
        "Strategies: trades, exposure, idle",
        ["strategy", "status", "trades", "shadow trades", "exposure", "idle reasons", "why idle"],
        rows,
        empty="No strategy ran.",
        note="trades: live positions opened (closed or open at the end); shadow trades: "
        "taken on paper while a breaker paused the sleeve; exposure: share of the "
        "span's 15-minute closes with at least one live position of the strategy "
        "open.",
    )


def transitions_section(result: PortfolioResult) -> Section:
    rows = [
        [
            ms_to_iso(int(t["time_ms"])),
            str(t["scope"]),
            str(t["kind"]),
            str(t["new_status"]),
            f"{t['drawdown_pct']:.2f} %",
            f"{t['real_drawdown_pct']:.2f} %",
            str(t["reason"]),
        ]
        for t in result.transitions
    ]
    return table(
        "Breaker transitions",
        ["time", "scope", "kind", "new status", "drawdown", "real drawdown", "reason"],
        rows,
        empty=_calm_breakers(result),
    )


def _calm_breakers(result: PortfolioResult) -> str:
    """Why no breaker fired: each scope's deepest drawdown against the warning levels (half-way
    between resume and trigger, `portfolio.breakers`)."""
    th = BreakerThresholds()
    sleeve, portfolio = (
        (th.resume_pct + trigger) / 2 for trigger in (th.sleeve_pause_pct, th.portfolio_halt_pct)
    )
    depth = {
        name: abs(float(drawdown_percent(c).min()))
        for name, c in {PORTFOLIO: result.equity, **result.sleeves}.items()
    }
    text = ", ".join(f"{name} {d:.2f} %" for name, d in depth.items())
    return (
        f"No breaker fired: no scope's drawdown reached its warning level (sleeve {sleeve:g} %, "
        f"portfolio {portfolio:g} %). Deepest drawdowns from the running peak: {text}."
    )


def monthly_section(result: PortfolioResult) -> Section:
    """One row per month, a column for the portfolio and for each sleeve."""
    scopes = {PORTFOLIO: result.metrics, **result.sleeve_metrics}
    last = int(result.times[-1])
    by_scope = {
        s: {m["month"]: m["return"] for m in real_months(figures.get("monthly_returns", []), last)}
        for s, figures in scopes.items()
    }
    months = list(by_scope[PORTFOLIO])
    rows = [
        [month, *(format_metric("total_return", by_scope[s].get(month)) for s in scopes)]
        for month in months
    ]
    return table(
        "Monthly returns per sleeve",
        ["month", *scopes],
        rows,
        empty="The span holds no month.",
        note="Each UTC calendar month's close over "
        "the previous month's close (the first month: over the start of the span).",
    )


def trades_section(trades: list[dict[str, Any]]) -> Section:
    rows = [
        [str(t["strategy"]), *trade_cells(_iso(t)), "shadow" if t.get("shadow") else "live"]
        for t in trades
    ]
    return table(
        "Trades",
        ["strategy", *TRADE_COLUMNS, "track"],
        rows,
        empty="No trade, live or shadow: see the strategies and idle sections.",
        note="Live trades and the shadow trades taken on paper while a breaker paused "
        "a sleeve (never money). PnL net of fees and funding.",
    )


def symbols_section(trades: list[dict[str, Any]]) -> Section:
    """Live trades grouped by strategy and symbol: count, wins, net PnL, fees, funding."""
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for t in trades:
        if not t.get("shadow"):
            groups.setdefault((t["strategy"], t["symbol"]), []).append(t)
    rows = [_symbol_row(key, group) for key, group in sorted(groups.items())]
    return table(
        "Per symbol",
        [
            "strategy",
            "symbol",
            "trades",
            "open at the end",
            "wins",
            "net pnl (USDT)",
            "fees (USDT)",
            "funding (USDT)",
        ],
        rows,
        empty="No live trade: every entry was refused, shadowed or never signalled "
        "(see the decisions and idle sections).",
        note="Live trades only; net PnL of the closed ones.",
    )


def _symbol_row(key: tuple[str, str], group: list[dict[str, Any]]) -> list[str]:
    closed = [t["pnl"] for t in group if t["pnl"] is not None]
    money = [sum(t[k] for t in group) for k in ("fees", "funding")]
    return [
        key[0],
        key[1],
        str(len(group)),
        str(len(group) - len(closed)),
        str(sum(p > 0 for p in closed)),
        format_metric("net_pnl", sum(closed)),
        *(format_metric("fees_paid", v) for v in money),
    ]


def correlation_section(result: PortfolioResult) -> Section:
    corr = result.correlation
    names = corr["sleeves"]
    rows = [
        [n, *("-" if v is None else f"{v:.2f}" for v in row)]
        for n, row in zip(names, corr["matrix"], strict=True)
    ]
    flat = [n for n, row in zip(names, corr["matrix"], strict=True) if all(v is None for v in row)]
    why = (
        f" '-': {', '.join(flat)} never moved (no trade), and a flat curve has no correlation."
        if flat
        else ""
    )
    title = "Correlation of sleeve daily returns"
    if corr["days"] < 2:
        return table(title, [], [], empty=f"{corr['days']} daily returns: too few to correlate.")
    return table(title, ["", *names], rows, empty="", note=f"{corr['days']} daily returns.{why}")


def correlated_drawdowns_section(result: PortfolioResult) -> Section:
    keys = ("start", "end", "duration_days", "sleeves", "max_combined_depth", "deepest_at")
    rows = [[_cell(e.get(k)) for k in keys] for e in result.correlated_drawdowns]
    moving = [s for s, v in result.strategies.items() if v["trades"] or v["shadow_trades"]]
    why = (
        "No two sleeves were under water at the same time."
        if len(moving) > 1
        else f"Fewer than two sleeves traded ({', '.join(moving) or 'none'}): nothing to coincide."
    )
    return table(
        "Correlated drawdowns (two or more sleeves under water at once)",
        [k.replace("_", " ") for k in keys],
        rows,
        empty=why,
    )


def decisions_section(
    decisions: Mapping[str, Mapping[str, int]], strategies: Mapping[str, Any]
) -> Section:
    """What the executor decided on each entry signal, per strategy (counts)."""
    kinds = sorted({k for d in decisions.values() for k in d})
    rows = [
        [name, *(str(decisions.get(name, {}).get(k, 0)) for k in kinds)]
        for name in strategies
        if name in decisions
    ]
    silent = [name for name in strategies if name not in decisions]
    note = "Counts of the executor's decisions on entry signals."
    if silent:
        note += f" No decision for {', '.join(silent)}: no entry signal reached the executor."
    return table(
        "Decisions",
        ["strategy", *kinds],
        rows,
        note=note,
        empty="No entry signal reached the executor in the span.",
    )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    return str(value)


def _iso(t: dict[str, Any]) -> dict[str, Any]:
    """A trade of `PortfolioResult.trades` (times in ms) with the ISO times the list shows."""
    out = dict(t)
    for key in ("entry", "exit"):
        ms = t.get(f"{key}_ms")
        out[f"{key}_time"] = None if ms is None else ms_to_iso(int(ms))
    return out
