"""Figures of a portfolio run: metrics per curve, sleeve correlation, correlated drawdowns.

Metrics are the single-strategy backtest's (`backtest.metrics.curve_metrics`, itself the live
equity tracker's `portfolio.metrics`) on the portfolio curve and on each sleeve's own curve
(its allocation plus its live PnL, the sleeve ledger's equity). Correlation is Pearson over the
sleeves' daily returns (UTC day closes). A correlated drawdown episode is a stretch of grid
points in which two or more sleeves are below their running peak at once; its depth is the
largest combined loss from the sleeves' peaks, as a fraction of the portfolio's capital.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from algotrading.backtest.idle import IdleReason
from algotrading.backtest.metrics import Ledger, curve_metrics
from algotrading.domain.intervals import DAY_MS
from algotrading.domain.timefmt import ms_to_iso
from algotrading.portfolio.metrics import daily_returns
from algotrading.strategies.registry import sleeve_ids

DRAWDOWN_EPS = 1e-9
"""Below the peak by more than this (relative) counts as in drawdown (float noise does not)."""


def metrics_of(
    times: np.ndarray, equity: np.ndarray, trades: list[dict[str, Any]]
) -> dict[str, Any]:
    """`curve_metrics` for a curve and the live trades booked to it."""
    closed = [t for t in trades if not t["open"]]
    ledger = Ledger(
        net_pnl_closed=np.array([t["pnl"] for t in closed], dtype=float),
        fees=float(sum(t["fees"] for t in trades)),
        funding_flows=np.array([t["funding"] for t in trades], dtype=float),
        open_at_end=len(trades) - len(closed),
        gross_pnl=float(sum(t["gross_pnl"] for t in trades)),
    )
    exposure = _exposure(times, trades)
    out = curve_metrics(times, equity, ledger, exposure)
    out["net_pnl"] = float(equity[-1] - equity[0])
    return out


def _exposure(times: np.ndarray, trades: list[dict[str, Any]]) -> float:
    """Share of the grid with at least one position open."""
    held = np.zeros(len(times), dtype=bool)
    for t in trades:
        end = t["exit_ms"] if t["exit_ms"] is not None else int(times[-1]) + 1
        held |= (times >= t["entry_ms"]) & (times < end)
    return float(held.mean()) if len(times) else 0.0


def correlation(times: np.ndarray, sleeves: Mapping[str, np.ndarray]) -> dict[str, Any]:
    """Pearson correlation of daily returns; None where a sleeve never moved."""
    names = list(sleeves)
    returns = np.array([daily_returns(times, sleeves[s]) for s in names])
    matrix: list[list[float | None]] = []
    for a in range(len(names)):
        row: list[float | None] = []
        for b in range(len(names)):
            x, y = returns[a], returns[b]
            ok = len(x) > 1 and np.std(x) > 0 and np.std(y) > 0
            row.append(float(np.corrcoef(x, y)[0, 1]) if ok else None)
        matrix.append(row)
    return {"sleeves": names, "matrix": matrix, "days": int(returns.shape[1])}


def correlated_drawdowns(
    times: np.ndarray, sleeves: Mapping[str, np.ndarray], capital: float
) -> list[dict[str, Any]]:
    """Episodes with two or more sleeves under their peaks at once (module docstring)."""
    names = list(sleeves)
    curves = np.array([sleeves[s] for s in names])
    peaks = np.maximum.accumulate(curves, axis=1)
    under = curves < peaks * (1 - DRAWDOWN_EPS)
    together = under.sum(axis=0) >= 2
    loss = np.where(under, peaks - curves, 0.0).sum(axis=0)
    episodes = []
    edges = np.diff(np.concatenate([[0], together.astype(np.int8), [0]]))
    for lo, hi in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True):
        deepest = lo + int(np.argmax(loss[lo:hi]))
        end_ms = int(times[hi]) if hi < len(times) else int(times[-1])
        episodes.append({
            "start": ms_to_iso(int(times[lo])), "end": ms_to_iso(end_ms),
            "duration_days": (end_ms - int(times[lo])) / DAY_MS,
            "sleeves": [
                n for n, u in zip(names, np.any(under[:, lo:hi], axis=1).tolist(), strict=True) if u
            ],
            "max_sleeves": int(under[:, lo:hi].sum(axis=0).max()),
            "max_combined_depth": float(loss[deepest] / capital),
            "deepest_at": ms_to_iso(int(times[deepest])),
            "ongoing": bool(hi >= len(times)),
        })  # fmt: skip
    return episodes


def strategy_summary(
    enabled: Mapping[str, bool],
    symbols: Mapping[str, list[str]],
    idle: Sequence[IdleReason],
    trades: list[dict[str, Any]],
    sleeve_metrics: Mapping[str, dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Per strategy what a reader asks first: did it trade, how much, and if not, why.

    `trades` counts the live positions it opened (closed or still open at the end; the metrics'
    `trades` counts closed ones), `exposure` is its sleeve's: the share of the span's 15-minute
    closes with at least one of its live positions open. `status`: `disabled`; `traded` (a live
    position); `idle` (no symbol without an idle reason); else `no_trades` (it had entries, and
    none was taken live: refused by the risk rules, or taken on paper only)."""
    out: dict[str, dict[str, Any]] = {}
    for s in sleeve_ids():
        mine = [r for r in idle if r.strategy == s]
        live = [t for t in trades if t["strategy"] == s and not t["shadow"]]
        out[s] = {
            "status": _status(enabled[s], bool(live), symbols.get(s, []), mine),
            "symbols": list(symbols.get(s, [])), "trades": len(live),
            "shadow_trades": sum(1 for t in trades if t["strategy"] == s and t["shadow"]),
            "exposure": sleeve_metrics[s]["exposure"], "idle": [r.line() for r in mine],
        }  # fmt: skip
    return out


def _status(enabled: bool, traded: bool, symbols: list[str], idle: list[IdleReason]) -> str:
    if not enabled:
        return "disabled"
    if traded:
        return "traded"
    idle_symbols = {r.symbol for r in idle}
    return "idle" if None in idle_symbols or set(symbols) <= idle_symbols else "no_trades"
