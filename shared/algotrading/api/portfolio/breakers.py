"""The circuit breakers of one account: the portfolio's and each sleeve's (docs/RISK.md).

State, peaks and floor come from `portfolio_state` (what the equity job evaluated), drawdowns
from the newest snapshot of the scope, thresholds from the settings the job reads
(`execution.thresholds`). A scope never evaluated is active with zero peaks. The floor is the
hard floor's equity, `floor peak x (1 - floor %)`, the one formula of `portfolio.breakers`.
"""

from __future__ import annotations

from decimal import Decimal

import psycopg

from algotrading.api.schemas.portfolio import BreakerOut
from algotrading.db.portfolio_state import load_states
from algotrading.db.snapshots import latest_snapshots
from algotrading.domain.breaker import BreakerState, BreakerThresholds
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.snapshot import SnapshotRow
from algotrading.domain.timefmt import ms_to_datetime
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.settings import Settings
from algotrading.strategies.registry import sleeve_ids

_HUNDRED = Decimal(100)


def _breaker(state: BreakerState, snap: SnapshotRow | None, th: BreakerThresholds) -> BreakerOut:
    floor_pct = th.floor_pct(state.scope)
    return BreakerOut(
        scope=state.scope, state=state.status, override=state.override, floored=state.floored,
        reason=state.reason,
        changed_at=None if state.changed_ms is None else ms_to_datetime(state.changed_ms),
        real_peak=state.real_peak, breaker_reference=state.peak_equity,
        floor_peak=state.floor_peak, floor=state.floor_peak * (1 - floor_pct / _HUNDRED),
        trip_pct=th.trigger_pct(state.scope), floor_pct=floor_pct,
        real_drawdown_pct=None if snap is None else snap.real_drawdown_pct,
        breaker_drawdown_pct=None if snap is None else snap.breaker_drawdown_pct,
    )  # fmt: skip


def breakers(conn: psycopg.Connection, account_id: int, settings: Settings) -> list[BreakerOut]:
    """The portfolio first, then each strategy in registry order."""
    states = load_states(conn, account_id)
    latest = latest_snapshots(conn, account_id)
    th = thresholds_from_settings(settings)
    return [
        _breaker(states.get(scope) or BreakerState(scope), latest.get(scope), th)
        for scope in (PORTFOLIO, *sleeve_ids())
    ]
