"""A point of an equity curve as `portfolio_snapshots` stores it, per account, scope and time.

Made by `portfolio.snapshot` (which decides the breakers at the same time), stored and read back
by `db.snapshots` and shown by the paper replay: a value type the portfolio tier and the database
layer share, so it lives here.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from algotrading.domain.breaker import BreakerStatus


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    """One `portfolio_snapshots` row: the truth and the breaker's view side by side.

    - `real_peak`, `real_drawdown_pct`: the live equity (unrealized PnL included) against the
      all-time real peak. This is the account's drawdown, whatever the breaker is doing.
    - `breaker_reference`, `breaker_drawdown_pct`, `breaker_state`: what the soft rule measures
      (the shadow equity against the frozen reference while suspended, the live equity against
      the reference re-based at the last resume otherwise) and the effective state (a strategy
      shows `halted` while the portfolio is halted).

    `realized_pnl` is net of fees (the table has no fee column)."""

    scope: str
    time_ms: int
    equity: Decimal
    shadow_equity: Decimal | None
    real_peak: Decimal
    real_drawdown_pct: Decimal
    breaker_reference: Decimal
    breaker_drawdown_pct: Decimal
    realized_pnl: Decimal
    unrealized_pnl: Decimal
    funding_pnl: Decimal
    open_positions: int
    breaker_state: BreakerStatus
