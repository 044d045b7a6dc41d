"""The portfolio: sleeve ledger, circuit breakers, snapshots and metrics.

Everything here is pure (plain values in, decisions out) so the live equity tracker and the
portfolio backtest run the same code; persistence lives in `algotrading.db` (portfolio_state,
snapshots, performance, alerts, portfolio_config). The value types the database layer stores
with them (the allocation table, scopes, breaker states, snapshot and performance rows) live
in `algotrading.domain`. Rules and definitions: docs/RISK.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.portfolio.breakers import (
        apply_override,
        effective_status,
        evaluate,
        transition_alert,
    )
    from algotrading.portfolio.sleeves import PortfolioLedger, SleeveEquity, TradePnl, build_ledger
    from algotrading.portfolio.snapshot import SnapshotResult, take_snapshot

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.portfolio.breakers": (
            "apply_override",
            "effective_status",
            "evaluate",
            "transition_alert",
        ),
        "algotrading.portfolio.sleeves": (
            "PortfolioLedger",
            "SleeveEquity",
            "TradePnl",
            "build_ledger",
        ),
        "algotrading.portfolio.snapshot": (
            "SnapshotResult",
            "take_snapshot",
        ),
    },
)

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
