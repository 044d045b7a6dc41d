"""A loopback Bybit V5 simulator: REST + WebSocket over recorded market data (docs/simulator.md).

The production adapter talks to it unchanged; only the base URLs differ.
"""

from algotrading.local.bybit_sim.config import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    AccountConfig,
    SimConfig,
)
from algotrading.local.bybit_sim.faults import FaultSpec, parse_faults
from algotrading.local.bybit_sim.market import MarketReplay
from algotrading.local.bybit_sim.server import BybitSimulator

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_API_SECRET",
    "AccountConfig",
    "BybitSimulator",
    "FaultSpec",
    "MarketReplay",
    "SimConfig",
    "parse_faults",
]
