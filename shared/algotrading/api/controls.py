"""Pause, resume, force-resume and flatten a strategy or the portfolio, from the dashboard.

The same library functions as `algo strategies pause|resume|flatten` (`execution.controls.
override_scope`, `execution.flatten.flatten`), with the signed-in user as the actor, so a
dashboard action and a terminal action leave the same breaker state, alert and audit row.

`resume` lifts an operator's pause only: a scope its breaker suspended (a drawdown trip, a
hard-floor halt) answers 409 and needs `force-resume`, which lifts any suspension and re-bases
the breaker; both need a reason, as the library requires for anything that lifts a protection.
"""

from __future__ import annotations

import psycopg

from algotrading.api.deps import AccountScope
from algotrading.api.errors import conflict
from algotrading.api.schemas.strategies import ControlOut, FlattenOut
from algotrading.db.portfolio_state import load_states
from algotrading.domain.breaker import Override
from algotrading.execution.controls import override_scope, transition_detail
from algotrading.execution.flatten import flatten
from algotrading.execution.runtime import Runtime
from algotrading.execution.thresholds import thresholds_from_settings
from algotrading.notify import notifier_from_settings
from algotrading.settings import Settings


def _status(conn: psycopg.Connection, account_id: int, scope: str) -> str:
    state = load_states(conn, account_id).get(scope)
    return "active" if state is None else str(state.status)


def override(
    conn: psycopg.Connection,
    scope: AccountScope,
    target: str,
    kind: Override,
    reason: str | None,
    settings: Settings,
) -> ControlOut:
    """Force-pause or force-resume `target` (a strategy or `portfolio`); audited."""
    transitions = override_scope(
        conn, scope.account_id, target, kind, thresholds_from_settings(settings),
        notifier_from_settings(settings), by=scope.principal.user.id, note=reason,
        actor=scope.principal.actor,
    )  # fmt: skip
    return ControlOut(
        scope=target, action="pause" if kind is Override.FORCE_PAUSE else "resume",
        changed=bool(transitions), status=_status(conn, scope.account_id, target),
        transitions=[transition_detail(t) for t in transitions],
    )  # fmt: skip


def resume(
    conn: psycopg.Connection, scope: AccountScope, target: str, reason: str, settings: Settings
) -> ControlOut:
    """Lift an operator's pause; a breaker's own suspension is left to `force-resume`."""
    state = load_states(conn, scope.account_id).get(target)
    if state is not None and state.suspended and state.override is not Override.FORCE_PAUSE:
        why = "its hard floor" if state.floored else "its drawdown breaker"
        raise conflict(
            f"{target} was suspended by {why}, not paused by an operator; use force-resume"
        )
    return override(conn, scope, target, Override.FORCE_RESUME, reason, settings)


def flatten_scope(
    scope: AccountScope, target: str, reason: str, settings: Settings, runtime: Runtime
) -> FlattenOut:
    """Halt `target`, cancel its orders and close its live positions (its own connection:
    the flatten commits step by step, so a half-done one can be finished by running it again)."""
    result = flatten(
        scope.account_id, target, actor=scope.principal.actor, reason=reason, settings=settings,
        runtime=runtime,
    )  # fmt: skip
    data = result.as_dict()
    data.pop("account_id")
    return FlattenOut(**data)
