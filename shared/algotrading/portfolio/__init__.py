"""The portfolio: sleeve ledger, circuit breakers, snapshots and metrics.

Everything here is pure (plain values in, decisions out) so the live equity tracker and the
portfolio backtest run the same code; persistence lives in `algotrading.db` (portfolio_state,
snapshots, performance, alerts, portfolio_config). The value types the database layer stores
with them (the allocation table, scopes, breaker states, snapshot and performance rows) live
in `algotrading.domain`. Rules and definitions: docs/RISK.md.
"""

from algotrading.portfolio.breakers import (
    apply_override,
    effective_status,
    evaluate,
    transition_alert,
)
from algotrading.portfolio.sleeves import PortfolioLedger, SleeveEquity, TradePnl, build_ledger
from algotrading.portfolio.snapshot import SnapshotResult, take_snapshot

__all__ = [
    "PortfolioLedger",
    "SleeveEquity",
    "SnapshotResult",
    "TradePnl",
    "apply_override",
    "build_ledger",
    "effective_status",
    "evaluate",
    "take_snapshot",
    "transition_alert",
]
