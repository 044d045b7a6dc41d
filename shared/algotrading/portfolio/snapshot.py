"""One equity snapshot of an account, decided purely: breakers evaluated, rows to store, alerts.

The equity tracker (every 5 minutes and after a trade closes) does I/O around this:

    ledger = build_ledger(capital, allocation, trades)          # trades from the database
    states = load_states(conn, account, for_update=True)        # db.portfolio_state
    result = take_snapshot(ledger, states, thresholds, time_ms)
    save_states(...); insert_snapshots(...); insert_alert(...) for result.alerts(account)
    commit, then notify and mark the alerts delivered

Everything is decided here from plain values, so a backtest gets the very same breaker
behaviour, and a retried run with the same inputs produces the same rows and no new transitions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from algotrading.domain.alerts import AlertEvent
from algotrading.domain.breaker import (
    BreakerState,
    BreakerStatus,
    BreakerThresholds,
    ScopeEquity,
    Transition,
)
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.snapshot import SnapshotRow
from algotrading.portfolio.breakers import effective_status, evaluate, statuses, transition_alert
from algotrading.portfolio.sleeves import PortfolioLedger

_DRAWDOWN_PLACES = Decimal("0.000001")
_MAX_DRAWDOWN_PCT = Decimal("9999.999999")  # NUMERIC(10, 6); a sleeve can lose > 100 %


@dataclass(frozen=True, slots=True)
class SnapshotResult:
    states: dict[str, BreakerState]
    transitions: list[Transition]
    rows: list[SnapshotRow]

    def alerts(self, account_id: int) -> list[AlertEvent]:
        return [transition_alert(t, account_id) for t in self.transitions]


def take_snapshot(
    ledger: PortfolioLedger,
    states: Mapping[str, BreakerState],
    thresholds: BreakerThresholds,
    time_ms: int,
) -> SnapshotResult:
    """Evaluate the breakers on the ledger and build the snapshot rows from the new states."""
    new_states, transitions = evaluate(states, ledger.scope_equities(), thresholds, time_ms)
    return SnapshotResult(new_states, transitions, snapshot_rows(ledger, new_states, time_ms))


def snapshot_rows(
    ledger: PortfolioLedger, states: Mapping[str, BreakerState], time_ms: int
) -> list[SnapshotRow]:
    """The portfolio row first, then one per sleeve; every scope needs a breaker state."""
    equities = ledger.scope_equities()
    missing = [scope for scope in equities if scope not in states]
    if missing:
        raise ValueError(f"no breaker state for {', '.join(missing)}: evaluate first")
    status_of = statuses(states)
    rows = [
        _row(
            PORTFOLIO, time_ms, states[PORTFOLIO], equities[PORTFOLIO],
            (ledger.total("realized_pnl") - ledger.total("fees"),
             ledger.total("unrealized_pnl"), ledger.total("funding")),
            ledger.open_positions, status_of[PORTFOLIO],
        )
    ]  # fmt: skip
    for sleeve in ledger.sleeves:
        rows.append(
            _row(
                sleeve.strategy, time_ms, states[sleeve.strategy], equities[sleeve.strategy],
                (sleeve.net_realized_pnl, sleeve.unrealized_pnl, sleeve.funding),
                sleeve.open_positions, effective_status(status_of, sleeve.strategy),
            )
        )  # fmt: skip
    return rows


def _row(
    scope: str,
    time_ms: int,
    state: BreakerState,
    equity: ScopeEquity,
    pnl: tuple[Decimal, Decimal, Decimal],
    open_positions: int,
    status: BreakerStatus,
) -> SnapshotRow:
    shadow = state.measured_equity(equity) if state.suspended else None
    realized, unrealized, funding = pnl
    return SnapshotRow(
        scope, time_ms, equity.live, shadow, max(state.real_peak, equity.live),
        _fit(state.real_drawdown_pct(equity)), state.peak_equity,
        _fit(state.drawdown_pct(equity)), realized, unrealized, funding, open_positions, status,
    )  # fmt: skip


def _fit(drawdown: Decimal) -> Decimal:
    """A drawdown at the column's scale, capped at what NUMERIC(10, 6) holds."""
    return min(drawdown, _MAX_DRAWDOWN_PCT).quantize(_DRAWDOWN_PLACES)
