"""Everything a simulator run is started with; checked once, so a bad flag fails before binding."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from algotrading.domain.fills import MARKET_SLIPPAGE_BPS
from algotrading.domain.intervals import DAY_MS
from algotrading.local.bybit_sim.errors import SimConfigError
from algotrading.local.bybit_sim.faults import FaultSpec

DEFAULT_API_KEY = "SIMULATORKEY000001"
"""The test key every run accepts unless keys are given; printed at start. Not a secret."""
DEFAULT_API_SECRET = "SIMULATORSECRET0000000000000000000001"
DEFAULT_BALANCE = Decimal(100_000)
DEFAULT_SLIPPAGE_BPS = MARKET_SLIPPAGE_BPS
DEFAULT_WARMUP_MS = 30 * DAY_MS
_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@dataclass(frozen=True, slots=True)
class AccountConfig:
    api_key: str
    api_secret: str


@dataclass(frozen=True, slots=True)
class SimConfig:
    """Run settings. `speed=None` with `stepped=True` means the clock moves only when told."""

    data_dirs: tuple[Path, ...] = ()
    symbols: tuple[str, ...] = ()
    host: str = "127.0.0.1"
    port: int = 0
    speed: float = 1.0
    stepped: bool = False
    start_ms: int | None = None
    accounts: tuple[AccountConfig, ...] = (AccountConfig(DEFAULT_API_KEY, DEFAULT_API_SECRET),)
    balance: Decimal = DEFAULT_BALANCE
    slippage_bps: float = DEFAULT_SLIPPAGE_BPS
    faults: FaultSpec = field(default_factory=FaultSpec)
    seed: int = 0
    persist: bool = False
    name: str = "default"
    database_url: str | None = None
    warmup_ms: int = DEFAULT_WARMUP_MS
    tick_s: float = 0.1
    """Wall seconds between clock ticks of a running clock."""
    repush_s: float = 5.0
    """A running clock re-sends unchanged tickers and candles this often (Bybit pushes 1-60 s)."""

    def validated(self) -> SimConfig:
        """Self, or SimConfigError naming the first bad setting."""
        if not self.stepped and not self.speed > 0:
            raise SimConfigError(f"--speed must be greater than 0, got {self.speed}")
        if not 0 <= self.port <= 65535:
            raise SimConfigError(f"--port must lie in 0..65535, got {self.port}")
        if not self.balance > 0:
            raise SimConfigError(f"--balance must be greater than 0, got {self.balance}")
        if self.slippage_bps < 0 or self.slippage_bps > 1000:
            raise SimConfigError(f"--slippage-bps must lie in 0..1000, got {self.slippage_bps}")
        if not _NAME.match(self.name):
            raise SimConfigError("--name must be 1-64 letters, digits, '_', '-' or '.'")
        if not self.accounts:
            raise SimConfigError("at least one --api-key/--api-secret pair is needed")
        keys = [a.api_key for a in self.accounts]
        if len(set(keys)) != len(keys):
            raise SimConfigError("each --api-key may be given once")
        for account in self.accounts:
            if not account.api_key.strip() or not account.api_secret.strip():
                raise SimConfigError("API keys and secrets must not be empty")
        return self
