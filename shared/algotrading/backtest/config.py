"""What a backtest run is asked to do, validated before anything is loaded or computed."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from algotrading.backtest.candidates import Path
from algotrading.domain.fills import MARKET_SLIPPAGE_BPS, TAKER_FEE_RATE
from algotrading.domain.limits import RiskLimits
from algotrading.errors import AppError
from algotrading.strategies.base import PolicySizing, PositionPolicy

DEFAULT_CAPITAL = 10_000.0
DEFAULT_SLIPPAGE_BPS = MARKET_SLIPPAGE_BPS
MAX_SLIPPAGE_BPS = 500.0


class BacktestInputError(AppError, ValueError):
    """A run that cannot be done as asked (span, capital, sizing, warm-up); one line."""


class SizingMode(StrEnum):
    RISK = "risk"
    """Loss at the stop (distance plus entry and exit fees) = risk_pct of the sizing equity."""
    WEIGHT = "weight"
    """Margin = the frame's weight x the sizing equity (momentum's equal-volatility weights)."""
    FRACTION = "fraction"
    """Margin = fraction x the sizing equity."""
    UNITS = "units"
    """A fixed quantity in base-coin units, whatever the equity (comparisons with other
    engines)."""


@dataclass(frozen=True, slots=True)
class BacktestSizing:
    """How much each entry buys; the sizing equity is the starting capital plus the net result
    of every position closed before the entry (docs/BACKTESTING.md, "Sizing")."""

    mode: SizingMode
    risk_pct: float | None = None
    fraction: float | None = None
    units: float | None = None

    def __post_init__(self) -> None:
        needed = {SizingMode.RISK: "risk_pct", SizingMode.FRACTION: "fraction",
                  SizingMode.UNITS: "units"}.get(self.mode)  # fmt: skip
        if needed is None:
            return
        value = getattr(self, needed)
        if value is None or not math.isfinite(value) or value <= 0:
            raise BacktestInputError(f"{self.mode} sizing needs a positive {needed}, got {value}")
        if self.mode is SizingMode.RISK and value > 100:
            raise BacktestInputError(f"risk per trade must be at most 100 %, got {value}")
        if self.mode is SizingMode.FRACTION and value > 1:
            raise BacktestInputError(f"the margin fraction must be at most 1, got {value}")

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode.value}
        for name in ("risk_pct", "fraction", "units"):
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out


def default_sizing(policy: PositionPolicy) -> BacktestSizing:
    """The policy's sizing: by weight for momentum, else by risk at the policy's percentage or,
    without one, the account default of the risk module (max_risk_per_trade_pct)."""
    if policy.sizing is PolicySizing.WEIGHT:
        return BacktestSizing(SizingMode.WEIGHT)
    pct = policy.risk_per_trade_pct
    if pct is None:
        pct = float(RiskLimits().max_risk_per_trade_pct)
    return BacktestSizing(SizingMode.RISK, risk_pct=pct)


@dataclass(frozen=True, slots=True)
class BacktestConfig:
    """One strategy over its symbols and a span; None means "the default" (see `engine`)."""

    strategy: str
    params: Mapping[str, Any] = field(default_factory=dict)
    symbols: tuple[str, ...] | None = None
    start_ms: int | None = None
    end_ms: int | None = None
    capital: float = DEFAULT_CAPITAL
    fee_rate: float = TAKER_FEE_RATE
    slippage_bps: float = DEFAULT_SLIPPAGE_BPS
    sizing: BacktestSizing | None = None
    path: Path = "auto"

    def __post_init__(self) -> None:
        if not (math.isfinite(self.capital) and self.capital > 0):
            raise BacktestInputError(f"capital must be a positive amount, got {self.capital}")
        if not (math.isfinite(self.fee_rate) and 0 <= self.fee_rate < 0.01):
            raise BacktestInputError(f"fee must lie in [0, 100) bps, got {self.fee_rate * 1e4}")
        if not (math.isfinite(self.slippage_bps) and 0 <= self.slippage_bps <= MAX_SLIPPAGE_BPS):
            raise BacktestInputError(
                f"slippage must lie in [0, {MAX_SLIPPAGE_BPS:g}] bps, got {self.slippage_bps}"
            )
        if self.symbols is not None:
            cleaned = tuple(s.strip().upper() for s in self.symbols if s.strip())
            if not cleaned or len(set(cleaned)) != len(cleaned):
                raise BacktestInputError(f"symbols must be distinct and not empty: {self.symbols}")
            object.__setattr__(self, "symbols", cleaned)
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise BacktestInputError("the end of the span must be after its start")
