"""A run's result and its JSON form (schema: docs/BACKTESTING.md, "Result").

Everything a reader needs to judge the numbers travels with them: the parameters as resolved
(defaults included), every assumption of the fill model and of the sizing, the data used, the
metrics, each trade with its exit legs, and the equity curve. Times are UTC ISO 8601 in the
trades and milliseconds in the curve (a curve has up to hundreds of thousands of points).
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypedDict

import numpy as np

from algotrading.backtest.idle import IdleReason
from algotrading.backtest.trades import F64, I64, REASONS, Bars, WalkedTrades
from algotrading.domain.jsonsafe import plain
from algotrading.domain.timefmt import ms_to_iso
from algotrading.portfolio.metrics import daily_closes

SCHEMA = "algotrading.backtest/1"
RESULT_KEYS = (
    "schema", "run_id", "created", "kind", "strategy", "title", "params", "symbols", "interval",
    "start", "end", "initial_capital", "final_equity", "assumptions", "metrics", "idle", "trades",
    "equity_curve",
)  # fmt: skip
TRADE_KEYS = (
    "symbol", "side", "qty", "signal_time", "entry_time", "entry_price", "stop", "exit_time",
    "exit_price", "exit_reason", "exits", "gross_pnl", "fees", "funding", "pnl", "open",
    "marked_pnl",
)  # fmt: skip


def new_run_id(now: datetime | None = None) -> str:
    """`bt-20260401T120000Z-a1b2c3`: sortable by creation, unique by its random tail."""
    moment = (now or datetime.now(UTC)).astimezone(UTC)
    return f"bt-{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


@dataclass(frozen=True, slots=True)
class SymbolOutcome:
    """One symbol's positions with their sizes and money (arrays per position)."""

    bars: Bars
    walked: WalkedTrades
    qty: F64
    gross: F64
    fees: F64
    funding: F64
    marked: F64
    """Net PnL including the unrealized part at the last close (= net for closed ones)."""
    equity: F64
    """Starting capital + this symbol's PnL, at each bar close of the span."""

    @property
    def closed(self) -> np.ndarray:
        flat: np.ndarray = self.walked.open_fraction == 0
        return flat

    def trade_rows(self) -> list[dict[str, Any]]:
        count = np.arange(len(self.walked))
        lo = np.searchsorted(self.walked.leg_trade, count, side="left").tolist()
        hi = np.searchsorted(self.walked.leg_trade, count, side="right").tolist()
        return [self._row(k, range(lo[k], hi[k])) for k in range(len(self.walked))]

    def _row(self, k: int, legs: range) -> dict[str, Any]:
        w, b = self.walked, self.bars
        qty = float(self.qty[k])
        exits: list[_Exit] = [
            {
                "time": ms_to_iso(int(b.start_ms[w.leg_bar[j]])),
                "price": float(w.leg_price[j]),
                "fraction": float(w.leg_fraction[j]),
                "qty": qty * float(w.leg_fraction[j]),
                "reason": REASONS[int(w.leg_reason[j])],
            }
            for j in legs
        ]
        done = float(sum(w.leg_fraction[j] for j in legs))
        still_open = bool(w.open_fraction[k] > 0)
        net = float(self.gross[k] - self.fees[k] + self.funding[k])
        return {
            "symbol": w.symbol,
            "side": "long" if w.side[k] > 0 else "short",
            "qty": qty,
            "signal_time": ms_to_iso(int(b.close_ms[w.signal_bar[k]])),
            "entry_time": ms_to_iso(int(b.start_ms[w.entry_bar[k]])),
            "entry_price": float(w.entry_price[k]),
            "stop": _finite(float(w.stop[k])),
            "exit_time": exits[-1]["time"] if exits and not still_open else None,
            "exit_price": (
                sum(e["price"] * e["fraction"] for e in exits) / done if exits else None
            ),
            "exit_reason": "+".join(e["reason"] for e in exits) if exits else None,
            "exits": exits,
            "gross_pnl": float(self.gross[k]),
            "fees": float(self.fees[k]),
            "funding": float(self.funding[k]),
            "pnl": None if still_open else net,
            "open": still_open,
            "marked_pnl": float(self.marked[k]),
        }


@dataclass(frozen=True, slots=True)
class BacktestResult:
    run_id: str
    created_ms: int
    strategy: str
    title: str
    params: dict[str, Any]
    symbols: tuple[str, ...]
    interval: str
    start_ms: int
    end_ms: int
    initial_capital: float
    assumptions: dict[str, Any]
    metrics: dict[str, Any]
    equity_times: I64
    equity: F64
    outcomes: dict[str, SymbolOutcome] = field(default_factory=dict)
    idle: tuple[IdleReason, ...] = ()
    """The symbols that did not trade for a reason of their inputs (`idle.py`), by symbol."""

    @property
    def final_equity(self) -> float:
        return float(self.equity[-1])

    def trade_rows(self) -> list[dict[str, Any]]:
        """All trades, by entry time then symbol."""
        rows = [row for o in self.outcomes.values() for row in o.trade_rows()]
        return sorted(rows, key=lambda r: (r["entry_time"], r["symbol"]))

    def stored_metrics(self) -> dict[str, Any]:
        """The metrics plus the daily equity curve and the idle reasons: what the database keeps
        of the run (`db.backtests.load_run` puts the reasons back beside the metrics)."""
        days, closes = daily_closes(self.equity_times, self.equity)
        daily = {"time_ms": days.tolist(), "equity": closes.tolist()}
        idle = [r.to_json() for r in self.idle]
        stored: dict[str, Any] = plain({**self.metrics, "equity_daily": daily, "idle": idle})
        return stored

    def to_json(self) -> dict[str, Any]:
        return plain(
            {
                "schema": SCHEMA,
                "run_id": self.run_id,
                "created": ms_to_iso(self.created_ms),
                "kind": "strategy",
                "strategy": self.strategy,
                "title": self.title,
                "params": self.params,
                "symbols": list(self.symbols),
                "interval": self.interval,
                "start": ms_to_iso(self.start_ms),
                "end": ms_to_iso(self.end_ms),
                "initial_capital": self.initial_capital,
                "final_equity": self.final_equity,
                "assumptions": self.assumptions,
                "metrics": self.metrics,
                "idle": [r.to_json() for r in self.idle],
                "trades": self.trade_rows(),
                "equity_curve": {
                    "time_ms": self.equity_times.tolist(),
                    "equity": self.equity.tolist(),
                },
            }
        )


class _Exit(TypedDict):
    """One exit leg of a trade row."""

    time: str
    price: float
    fraction: float
    qty: float
    reason: str


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None
