"""The portfolio: allocation table, sleeve ledger, circuit breakers, snapshots and metrics.

Everything here is pure (plain values in, decisions out) so the live equity tracker and the
portfolio backtest run the same code; persistence lives in `algotrading.db` (portfolio_state,
snapshots, performance, alerts, portfolio_config). Rules and definitions: docs/RISK.md.
"""

from algotrading.portfolio.allocation import (
    DEFAULT_ALLOCATION_PCT,
    PORTFOLIO,
    STRATEGY_IDS,
    AllocationError,
    AllocationTable,
    UnknownStrategy,
)
from algotrading.portfolio.breakers import (
    BreakerState,
    BreakerStatus,
    BreakerThresholds,
    InvalidThresholds,
    Override,
    ScopeEquity,
    Transition,
    TransitionKind,
    apply_override,
    effective_status,
    evaluate,
    transition_alert,
)
from algotrading.portfolio.sleeves import PortfolioLedger, SleeveEquity, TradePnl, build_ledger
from algotrading.portfolio.snapshot import SnapshotResult, SnapshotRow, take_snapshot

__all__ = [
    "DEFAULT_ALLOCATION_PCT",
    "PORTFOLIO",
    "STRATEGY_IDS",
    "AllocationError",
    "AllocationTable",
    "BreakerState",
    "BreakerStatus",
    "BreakerThresholds",
    "InvalidThresholds",
    "Override",
    "PortfolioLedger",
    "ScopeEquity",
    "SleeveEquity",
    "SnapshotResult",
    "SnapshotRow",
    "TradePnl",
    "Transition",
    "TransitionKind",
    "UnknownStrategy",
    "apply_override",
    "build_ledger",
    "effective_status",
    "evaluate",
    "take_snapshot",
    "transition_alert",
]
