"""Operator overrides: force_pause sticks until force_resume; force_resume is one-shot."""

from __future__ import annotations

from decimal import Decimal

from algotrading.domain.alerts import AlertKind, AlertLevel
from algotrading.domain.breaker import (
    BreakerState,
    BreakerStatus,
    BreakerThresholds,
    Override,
    ScopeEquity,
    TransitionKind,
)
from algotrading.domain.scopes import PORTFOLIO
from algotrading.portfolio.breakers import apply_override, evaluate, transition_alert

D = Decimal
TH = BreakerThresholds()
ACTIVE, PAUSED, HALTED = BreakerStatus.ACTIVE, BreakerStatus.PAUSED, BreakerStatus.HALTED


def _active(scope: str = "trend", peak: int = 1000) -> BreakerState:
    return BreakerState(scope, peak_equity=D(peak))


def test_force_pause_sticks_until_force_resume() -> None:
    state, [t] = apply_override(
        _active(), "force_pause", ScopeEquity(D(990), D(40)), TH, 7, by=3, note=" rollout "
    )
    assert (state.status, state.override, state.override_by) == (PAUSED, Override.FORCE_PAUSE, 3)
    assert (state.shadow_base, state.shadow_equity) == (D(40), D(990))
    assert (t.kind, t.old_status, t.new_status, t.by) == (TransitionKind.FORCED_PAUSE, ACTIVE,
                                                          PAUSED, 3)  # fmt: skip
    assert t.reason == "trend force_pause by user 3: rollout"
    # the shadow track is perfect (0 % drawdown): still no automatic resume
    states, events = evaluate({"trend": state}, {"trend": ScopeEquity(D(990), D(100))}, TH, 8)
    assert events == [] and states["trend"].status is PAUSED
    assert states["trend"].shadow_equity == D(1050)
    # forcing it again changes nothing
    assert apply_override(state, Override.FORCE_PAUSE, ScopeEquity(D(990)), TH, 9) == (state, [])
    resumed, [r] = apply_override(state, "force_resume", ScopeEquity(D(990), D(100)), TH, 10,
                                  actor="ops", note="rollout done")  # fmt: skip
    assert (resumed.status, resumed.override, resumed.peak_equity) == (ACTIVE, None, D(990))
    assert r.kind is TransitionKind.FORCED_RESUME and r.equity == D(1050)


def test_force_resume_is_one_shot_and_the_breaker_keeps_working() -> None:
    states, _ = evaluate({}, {"trend": ScopeEquity(D(1000))}, TH, 0)
    states, _ = evaluate(states, {"trend": ScopeEquity(D(800))}, TH, 1)  # 20 %: paused
    assert states["trend"].status is PAUSED
    resumed, [t] = apply_override(states["trend"], "force_resume", ScopeEquity(D(800)), TH, 2,
                                  by=1, note="checked the fills")  # fmt: skip
    assert (t.drawdown_pct, t.new_status) == (D(20), ACTIVE)
    assert resumed.peak_equity == D(800) and resumed.override is None
    assert (resumed.resumed_by, resumed.resumed_reason, resumed.resumed_ms) == (
        "user 1", "checked the fills", 2)  # fmt: skip
    # the same equity does not pause it again: the drawdown restarts from today's 800
    again, events = evaluate({"trend": resumed}, {"trend": ScopeEquity(D(800))}, TH, 3)
    assert events == [] and again["trend"].status is ACTIVE
    # the reference follows the equity up to 900; a fresh loss of more than 15 % from there
    # (764: 15.1 %; 23.6 % below the real peak 1000, inside the 25 % floor) pauses it
    again, events = evaluate(again, {"trend": ScopeEquity(D(900))}, TH, 4)
    again, events = evaluate(again, {"trend": ScopeEquity(D(764))}, TH, 5)
    assert [e.kind for e in events] == [TransitionKind.TRIGGERED]


def test_force_resume_of_an_active_scope_is_a_no_op() -> None:
    state = _active()
    assert apply_override(state, "force_resume", ScopeEquity(D(900)), TH, 1, by=1,
                          note="no-op") == (state, [])  # fmt: skip


def test_force_pause_of_an_auto_paused_scope_makes_it_sticky() -> None:
    states, _ = evaluate({"trend": _active()}, {"trend": ScopeEquity(D(800), D(5))}, TH, 1)
    auto = states["trend"]
    forced, [t] = apply_override(auto, "force_pause", ScopeEquity(D(800), D(5)), TH, 2)
    assert (t.old_status, t.new_status, forced.shadow_base) == (PAUSED, PAUSED, D(5))
    recovered = {"trend": ScopeEquity(D(800), D(205))}  # shadow 1000: 0 % drawdown
    assert evaluate({"trend": forced}, recovered, TH, 3)[1] == []
    assert evaluate({"trend": auto}, recovered, TH, 3)[0]["trend"].status is ACTIVE


def test_forced_portfolio_halt_closes_positions_only_when_configured() -> None:
    portfolio = _active(PORTFOLIO, 10000)
    halted, [t] = apply_override(portfolio, "force_pause", ScopeEquity(D(9000)), TH, 1)
    assert halted.status is HALTED and not t.close_positions
    closing = BreakerThresholds(close_positions_on_halt=True)
    _, [t] = apply_override(portfolio, "force_pause", ScopeEquity(D(9000)), closing, 1)
    assert t.close_positions
    _, [t] = apply_override(_active(), "force_pause", ScopeEquity(D(900)), closing, 1)
    assert not t.close_positions  # a strategy pause never closes positions


def test_transitions_become_alert_events() -> None:
    states, _ = evaluate({}, {PORTFOLIO: ScopeEquity(D(10000))}, TH, 0)
    closing = BreakerThresholds(close_positions_on_halt=True)
    states, [halt] = evaluate(states, {PORTFOLIO: ScopeEquity(D(7000))}, closing, 1_000)
    event = transition_alert(halt, account_id=42)
    assert (event.kind, event.level, event.account_id) == (
        AlertKind.BREAKER_TRIGGERED,
        AlertLevel.CRITICAL,
        42,
    )
    assert event.message == (
        "portfolio halted: drawdown 30.00 % > 25 %; closing all open positions"
        " (close_positions_on_halt)"
    )
    assert event.details["drawdown_pct"] == "30.0000" and event.details["to"] == "halted"
    assert event.dedupe_key == "breaker:portfolio:triggered:1000" and event.time_ms == 1000
    _, [forced] = apply_override(states[PORTFOLIO], "force_resume", ScopeEquity(D(7000)), TH, 2,
                                 by=9, note="crash over")  # fmt: skip
    resumed = transition_alert(forced, 42)
    assert (resumed.kind, resumed.level) == (AlertKind.BREAKER_RELEASED, AlertLevel.WARNING)
    assert resumed.details["by_user"] == 9
    warn_states, [warning] = evaluate({}, {"trend": ScopeEquity(D(870), D(0), D(1000))}, TH, 3)
    assert warn_states["trend"].warned
    assert transition_alert(warning, 42).kind is AlertKind.DRAWDOWN_WARNING
