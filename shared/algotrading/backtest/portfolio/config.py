"""What a portfolio backtest is asked to do, checked before any work unit runs."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from algotrading.backtest.config import (
    DEFAULT_CAPITAL,
    DEFAULT_SLIPPAGE_BPS,
    MAX_SLIPPAGE_BPS,
    BacktestInputError,
)
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.domain.allocation import AllocationError, AllocationTable
from algotrading.domain.fills import TAKER_FEE_RATE
from algotrading.domain.money import Number
from algotrading.strategies.registry import default_allocation, sleeve_ids

DEFAULT_CHUNK = 2
"""Symbols per work unit of a per-symbol strategy (momentum ranks across symbols: one unit)."""


@dataclass(frozen=True, slots=True)
class PortfolioBacktestConfig:
    """The sleeves (every registered strategy with a profile) over one span of one data set.

    `strategies` overrides a strategy's parameters or symbols as an account's strategy config
    does (`{"scalper": {"params": {...}, "symbols": [...], "enabled": false}}`); `universe_dirs`
    is the data a turnover-scanned strategy (momentum) ranks over (default: `data_dirs`);
    `allocation` overrides shares of the default table as an account's allocation does (the
    merged table must sum to 100 %)."""

    data_dirs: tuple[str, ...] = ()
    universe_dirs: tuple[str, ...] = ()
    start_ms: int | None = None
    end_ms: int | None = None
    capital: float = DEFAULT_CAPITAL
    fee_rate: float = TAKER_FEE_RATE
    slippage_bps: float = DEFAULT_SLIPPAGE_BPS
    strategies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    chunk: int = DEFAULT_CHUNK
    allocation: Mapping[str, Number] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (math.isfinite(self.capital) and self.capital > 0):
            raise BacktestInputError(f"capital must be a positive amount, got {self.capital}")
        if not (math.isfinite(self.slippage_bps) and 0 <= self.slippage_bps <= MAX_SLIPPAGE_BPS):
            raise BacktestInputError(f"slippage must lie in [0, {MAX_SLIPPAGE_BPS:g}] bps")
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise BacktestInputError("the end of the span must be after its start")
        if self.chunk < 1:
            raise BacktestInputError(f"chunk must be at least 1, got {self.chunk}")
        for name in self.strategies:
            if name not in sleeve_ids():
                raise BacktestInputError(f"unknown strategy {name!r} in the portfolio config")
        try:
            self.allocation_table()
        except AllocationError as err:
            raise BacktestInputError(str(err)) from None
        dirs = self.data_dirs or (str(BUNDLED_DATA_DIR),)
        object.__setattr__(self, "data_dirs", check_dirs(dirs, "--data-dir"))
        universe = check_dirs(self.universe_dirs or dirs, "--universe-dir")
        object.__setattr__(self, "universe_dirs", universe)

    def spec(self, strategy: str) -> Mapping[str, Any]:
        return self.strategies.get(strategy) or {}

    def enabled(self, strategy: str) -> bool:
        return bool(self.spec(strategy).get("enabled", True))

    def allocation_table(self) -> AllocationTable:
        """The default table of the registered sleeves with this run's `allocation` merged in."""
        return default_allocation().with_overrides(self.allocation)


def check_dirs(dirs: tuple[str, ...], option: str) -> tuple[str, ...]:
    """Resolved directories; the same directory twice is refused (its files would be read
    twice). One inside another is fine: a data set reads only its own klines/, funding/ and
    open_interest/ folders, and the team folder keeps its further sets in sub-folders of the
    primary one (`--data-dir ../shared/data --data-dir ../shared/data/bybit_derivs_2021_2025`)."""
    resolved = [Path(d).resolve() for d in dirs]
    for i, a in enumerate(resolved):
        if not a.is_dir():
            raise BacktestInputError(f"{option}: not a directory: {dirs[i]}")
        if a in resolved[i + 1 :]:
            raise BacktestInputError(f"{option}: overlapping data directories: {a} given twice")
    return tuple(str(p) for p in resolved)
