"""Property-based: no sequence of equities, paper results, automatic resumes, operator actions,
restarts and external flows walks a scope below its hard floor or erases its real peak.

The expected values come from a model kept beside the breaker in the test (the highest live
equity seen, scaled by each flow, reset for the floor only by an operator's resume of a floored
scope), not from the breaker's own fields. A restart saves and loads the state through the very
functions `db.portfolio_state` stores and reads rows with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from algotrading.db.portfolio_state import state_from_row, state_to_row
from algotrading.domain.breaker import BreakerState, BreakerStatus, BreakerThresholds, ScopeEquity
from algotrading.domain.scopes import PORTFOLIO
from algotrading.portfolio.breakers import ExternalFlow, apply_flow, apply_override, evaluate

D = Decimal
CENT = D("0.01")
FLOOR_PCT = {PORTFOLIO: D(35), "trend": D(25)}  # the documented defaults
TOLERANCE = D("0.000001")  # the model and the stored peaks round at different places
START = D(10_000)
NOTHING = D(0)

scopes = st.sampled_from([PORTFOLIO, "trend"])
# a move of the live equity by -20 % .. +15 %, and of the cumulative paper PnL by -5 % .. +20 %
moves = st.tuples(st.integers(-2000, 1500), st.integers(-500, 2000))
soft_only = st.lists(st.tuples(st.just("equity"), moves), min_size=1, max_size=60)
actions = st.lists(
    st.one_of(
        st.tuples(st.just("equity"), moves),
        st.tuples(st.just("equity"), moves),
        st.tuples(st.just("equity"), moves),
        st.tuples(st.just("force_resume"), st.none()),
        st.tuples(st.just("force_pause"), st.none()),
        st.tuples(st.just("restart"), st.none()),
        st.tuples(st.just("flow"), st.integers(-5000, 5000).filter(bool)),
    ),
    min_size=1,
    max_size=60,
)


@dataclass
class Path:
    """The scope's money and the test's own model of its peaks."""

    scope: str
    live: Decimal = START
    paper: Decimal = NOTHING
    real_peak: Decimal = START
    floor_peak: Decimal = START
    now: int = 0
    states: dict[str, BreakerState] = field(default_factory=dict)

    def move(self, live_bp: int, paper_bp: int) -> None:
        self.live = (self.live * (1 + D(live_bp) / 10_000)).quantize(CENT)
        self.paper += (self.live * D(paper_bp) / 10_000).quantize(CENT)
        self.real_peak = max(self.real_peak, self.live)
        self.floor_peak = max(self.floor_peak, self.live)

    def equity(self) -> ScopeEquity:
        return ScopeEquity(self.live, self.paper)

    def evaluate(self) -> None:
        self.now += 1
        self.states, _ = evaluate(self.states, {self.scope: self.equity()}, TH, self.now)

    @property
    def state(self) -> BreakerState:
        return self.states[self.scope]

    def floor_holds(self) -> bool:
        """Active means strictly above the floor below the model's floor peak."""
        floor = self.floor_peak * (100 - FLOOR_PCT[self.scope]) / 100
        return self.state.status is not BreakerStatus.ACTIVE or self.live > floor


TH = BreakerThresholds()


@settings(max_examples=300, deadline=None)
@given(scope=scopes, steps=soft_only)
def test_automatic_resumes_never_walk_a_scope_below_its_floor(
    scope: str, steps: list[tuple[str, tuple[int, int]]]
) -> None:
    """Only equities and paper results: no operator, so the floor is the all-time peak's."""
    path = Path(scope)
    path.evaluate()
    for _, (live_bp, paper_bp) in steps:
        path.move(live_bp, paper_bp)
        path.evaluate()
        assert path.floor_holds(), (path.live, path.real_peak, path.state)


@settings(max_examples=300, deadline=None)
@given(scope=scopes, steps=actions)
def test_no_sequence_erases_the_real_peak_or_passes_the_floor(
    scope: str, steps: list[tuple[str, object]]
) -> None:
    path = Path(scope)
    path.evaluate()
    for kind, arg in steps:
        was_floored = path.state.floored
        if kind == "equity":
            assert isinstance(arg, tuple)
            path.move(*arg)
            path.evaluate()
            # nothing automatic lifts a hard-floor halt
            assert not was_floored or path.state.status is not BreakerStatus.ACTIVE
        elif kind == "restart":
            stored = state_from_row(state_to_row(path.state))
            assert stored == path.state
            path.states = {scope: stored}
            path.evaluate()
        elif kind == "flow":
            _flow(path, D(int(arg)))  # type: ignore[call-overload]
        else:
            _operator(path, kind)
        assert path.floor_holds(), (kind, path.live, path.floor_peak, path.state)
        assert abs(path.state.real_peak - path.real_peak) <= TOLERANCE
        assert abs(path.state.floor_peak - path.floor_peak) <= TOLERANCE
        assert path.state.peak_equity <= path.state.floor_peak <= path.state.real_peak


def _flow(path: Path, amount: Decimal) -> None:
    """A deposit or withdrawal while the scope holds money: the model scales its peaks."""
    if path.live <= 0 or path.live + amount <= 0:
        return
    factor = (path.live + amount) / path.live
    path.now += 1
    new = apply_flow(path.state, ExternalFlow(amount, path.now), path.live)
    path.states = {path.scope: new}
    path.live += amount
    path.real_peak *= factor
    path.floor_peak *= factor
    path.evaluate()


def _operator(path: Path, kind: str) -> None:
    path.now += 1
    before = path.state
    new, moved = apply_override(
        before, kind, path.equity(), TH, path.now, actor="ops", note=f"step {path.now}"
    )
    if kind == "force_resume" and moved:
        assert (new.resumed_by, new.resumed_reason, new.resumed_ms) == (
            "ops", f"step {path.now}", path.now)  # fmt: skip
        if before.floored:  # the operator's resume of a floored scope re-bases its floor
            path.floor_peak = path.live
    path.states = {path.scope: new}
    path.evaluate()
