"""The fault spec is parsed strictly; the draws are reproducible from the seed."""

from __future__ import annotations

import pytest

from algotrading.local.bybit_sim.errors import SimConfigError
from algotrading.local.bybit_sim.faults import Fault, FaultInjector, FaultSpec, parse_faults


def test_the_issue_example() -> None:
    spec = parse_faults("rate_limit=0.1,timeout=0.05,server_error=0.05,ws_drop_every=300s")
    assert spec == FaultSpec(rate_limit=0.1, timeout=0.05, server_error=0.05, ws_drop_every=300.0)
    assert spec.any_request_fault


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("ws_drop_every=300", 300.0), ("ws_drop_every=5m", 300.0), ("ws_drop_every=1h", 3600.0),
     ("timeout_delay=250ms", 0.25), ("timeout_delay=1.5s", 1.5)],
)  # fmt: skip
def test_durations(text: str, seconds: float) -> None:
    spec = parse_faults(text)
    assert seconds in (spec.ws_drop_every, spec.timeout_delay)


def test_empty_spec_means_no_faults_and_no_draws() -> None:
    assert parse_faults("") == FaultSpec() == parse_faults(None) == parse_faults(" , ")
    injector = FaultInjector(FaultSpec(), seed=1)
    assert [injector.draw() for _ in range(5)] == [None] * 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("flood=0.1", "unknown key 'flood'"),
        ("rate_limit", "is not key=value"),
        ("rate_limit=", "is not key=value"),
        ("rate_limit=lots", "is not a number"),
        ("rate_limit=1.5", "between 0 and 1"),
        ("rate_limit=-0.1", "between 0 and 1"),
        ("rate_limit=0.1,rate_limit=0.2", "given twice"),
        ("rate_limit=0.6,timeout=0.6", "more than 1"),
        ("ws_drop_every=0s", "longer than zero"),
        ("ws_drop_every=5 minutes", "not a duration"),
        ("timeout_delay=-1s", "not a duration"),
    ],
)
def test_bad_specs_are_refused_in_one_line(text: str, message: str) -> None:
    with pytest.raises(SimConfigError, match=message) as err:
        parse_faults(text)
    assert "\n" not in str(err.value)


def test_the_seed_fixes_the_sequence() -> None:
    spec = parse_faults("rate_limit=0.2,timeout=0.2,server_error=0.2")
    injectors = [FaultInjector(spec, seed) for seed in (3, 3, 4)]
    draws = [[injector.draw() for _ in range(200)] for injector in injectors]
    assert draws[0] == draws[1] != draws[2]
    counts = {fault: draws[0].count(fault) for fault in (*Fault, None)}
    assert all(20 < n < 70 for fault, n in counts.items() if fault is not None), counts
