"""A breaker transition as an alert event: kind, level, message and details."""

from __future__ import annotations

from decimal import Decimal

from algotrading.domain.alerts import AlertEvent, AlertKind, AlertLevel
from algotrading.domain.breaker import Transition, TransitionKind

_ALERT = {
    TransitionKind.TRIGGERED: (AlertKind.BREAKER_TRIGGERED, AlertLevel.CRITICAL),
    TransitionKind.FLOOR_BREACHED: (AlertKind.BREAKER_TRIGGERED, AlertLevel.CRITICAL),
    TransitionKind.FORCED_PAUSE: (AlertKind.BREAKER_TRIGGERED, AlertLevel.WARNING),
    TransitionKind.RELEASED: (AlertKind.BREAKER_RELEASED, AlertLevel.INFO),
    TransitionKind.FORCED_RESUME: (AlertKind.BREAKER_RELEASED, AlertLevel.WARNING),
    TransitionKind.WARNING: (AlertKind.DRAWDOWN_WARNING, AlertLevel.WARNING),
}
"""An automatic trip (soft or at the hard floor) needs a human now; an operator's own override
only needs the others told, and a forced resume is flagged because it overrides a protection."""

_PLACES = Decimal("0.0001")


def transition_alert(transition: Transition, account_id: int) -> AlertEvent:
    """The alert event of a transition; its dedupe key makes storing it twice a no-op."""
    kind, level = _ALERT[transition.kind]
    message = transition.reason
    if transition.close_positions:
        message += "; closing all open positions (close_positions_on_halt)"
    details = {
        "scope": transition.scope,
        "transition": transition.kind,
        "from": transition.old_status,
        "to": transition.new_status,
        "equity": transition.equity,
        "peak_equity": transition.peak_equity,
        "drawdown_pct": transition.drawdown_pct.quantize(_PLACES),
        "real_peak": transition.real_peak,
        "real_drawdown_pct": transition.real_drawdown_pct.quantize(_PLACES),
        "threshold_pct": transition.threshold_pct,
        "by_user": transition.by,
        "close_positions": transition.close_positions,
    }
    key = f"breaker:{transition.scope}:{transition.kind}:{transition.time_ms}"
    return AlertEvent.create(
        kind,
        message,
        account_id=account_id,
        details={k: v for k, v in details.items() if v is not None},
        level=level,
        time_ms=transition.time_ms,
        dedupe_key=key,
    )
