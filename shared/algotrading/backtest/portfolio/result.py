"""The portfolio run's result: JSON schema `algotrading.backtest.portfolio/1`.

Floats are written as Python writes them (shortest repr), keys in a fixed order and every list
in a fixed order, so the same run gives byte-identical JSON however its units were scheduled.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from algotrading.backtest.idle import IdleReason
from algotrading.domain.jsonsafe import plain
from algotrading.domain.timefmt import ms_to_iso
from algotrading.portfolio.metrics import daily_closes

SCHEMA = "algotrading.backtest.portfolio/1"


@dataclass(frozen=True, slots=True)
class PortfolioResult:
    run_id: str
    created_ms: int
    start_ms: int
    end_ms: int
    initial_capital: float
    allocation: dict[str, float]
    units: list[dict[str, Any]]
    assumptions: dict[str, Any]
    metrics: dict[str, Any]
    sleeve_metrics: dict[str, dict[str, Any]]
    correlation: dict[str, Any]
    correlated_drawdowns: list[dict[str, Any]]
    transitions: list[dict[str, Any]]
    decisions: dict[str, dict[str, int]]
    trades: list[dict[str, Any]]
    times: np.ndarray
    equity: np.ndarray
    sleeves: dict[str, np.ndarray]
    strategies: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per strategy: status, trades, exposure and its idle lines (`analysis.strategy_summary`)."""
    idle: tuple[IdleReason, ...] = ()
    """Every idle strategy and strategy-symbol with its reason, strategies in allocation order."""

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1])

    def stored_metrics(self) -> dict[str, Any]:
        """What the database keeps of the run beside its columns: the portfolio metrics with each
        sleeve's, the correlations, transitions, decisions, strategies, idle reasons and the daily
        closes of the portfolio and sleeve curves (the 15-minute curves stay in the file)."""
        days, closes = daily_closes(self.times, self.equity)
        daily = {"time_ms": days.tolist(), "equity": closes.tolist()}
        for name, curve in self.sleeves.items():
            daily[name] = daily_closes(self.times, curve)[1].tolist()
        stored: dict[str, Any] = plain({
            **self.metrics, "sleeves": self.sleeve_metrics, "correlation": self.correlation,
            "correlated_drawdowns": self.correlated_drawdowns,
            "breaker_transitions": self.transitions, "decisions": self.decisions,
            "strategies": self.strategies, "idle": [r.to_json() for r in self.idle],
            "equity_daily": daily,
        })  # fmt: skip
        return stored

    def to_json(self) -> dict[str, Any]:
        trades = [_iso_trade(t) for t in self.trades]
        moved = [{**t, "time": ms_to_iso(t["time_ms"])} for t in self.transitions]
        return plain({
            "schema": SCHEMA, "run_id": self.run_id, "created": ms_to_iso(self.created_ms),
            "kind": "portfolio", "start": ms_to_iso(self.start_ms), "end": ms_to_iso(self.end_ms),
            "initial_capital": self.initial_capital, "final_equity": self.final_equity,
            "allocation": self.allocation, "units": self.units, "assumptions": self.assumptions,
            "metrics": self.metrics, "sleeve_metrics": self.sleeve_metrics,
            "strategies": self.strategies, "idle": [r.to_json() for r in self.idle],
            "correlation": self.correlation, "correlated_drawdowns": self.correlated_drawdowns,
            "breaker_transitions": moved, "decisions": self.decisions, "trades": trades,
            "equity_curve": {
                "time_ms": self.times.tolist(), "portfolio": self.equity.tolist(),
                **{s: v.tolist() for s, v in self.sleeves.items()},
            },
        })  # fmt: skip

    def dumps(self) -> str:
        return json.dumps(self.to_json(), sort_keys=True, allow_nan=False)


def _iso_trade(t: dict[str, Any]) -> dict[str, Any]:
    out = dict(t)
    for key in ("signal_ms", "entry_ms", "exit_ms"):
        out[key.replace("_ms", "_time")] = None if t[key] is None else ms_to_iso(t[key])
        del out[key]
    return out
