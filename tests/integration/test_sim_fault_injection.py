"""Injected faults on a live simulator: reproducible with a seed, and the ambiguous timeout."""

from __future__ import annotations

import pytest
import requests
from sim_support import pybit_session, running_sim, signed

from algotrading.local.bybit_sim import parse_faults
from algotrading.local.bybit_sim.faults import Fault, FaultInjector


def _outcomes(seed: int, count: int = 40) -> list[str]:
    spec = parse_faults("rate_limit=0.3,server_error=0.2")
    seen = []
    with running_sim(faults=spec, seed=seed) as sim:
        for _ in range(count):
            answer = requests.get(f"{sim.rest_url}/v5/market/time", timeout=5)
            if answer.status_code != 200:
                seen.append(f"http{answer.status_code}")
                continue
            code = answer.json()["retCode"]
            if code == 10006:
                assert int(answer.headers["X-Bapi-Limit-Reset-Timestamp"]) > 0
            seen.append(str(code))
    return seen


def test_a_seed_reproduces_the_same_faults() -> None:
    first, again, other = _outcomes(7), _outcomes(7), _outcomes(8)
    assert first == again
    assert first != other
    assert {"0", "10006"} <= set(first)
    assert {"http503", "10016"} & set(first)


def _seed_where_first_request_times_out_and_second_does_not() -> int:
    spec = parse_faults("timeout=0.5,timeout_executes=1")
    for seed in range(1000):
        faults = FaultInjector(spec, seed)
        if faults.draw() is Fault.TIMEOUT and faults.timeout_executes() and faults.draw() is None:
            return seed
    raise AssertionError("no such seed")


def test_a_timed_out_order_may_still_have_been_placed() -> None:
    seed = _seed_where_first_request_times_out_and_second_does_not()
    spec = parse_faults("timeout=0.5,timeout_executes=1,timeout_delay=600ms")
    with running_sim(faults=spec, seed=seed) as sim:
        with pytest.raises(requests.exceptions.Timeout):
            signed(
                sim,
                "POST",
                "/v5/order/create",
                {"category": "linear", "symbol": "BTCUSDT", "side": "Buy",
                 "orderType": "Market", "qty": "0.01", "orderLinkId": "ambiguous-1"},
                timeout=0.2,
            )  # fmt: skip
        session = pybit_session(sim)  # the client's way out: ask by orderLinkId
        found = session.get_open_orders(category="linear", orderLinkId="ambiguous-1")["result"]
        assert found["list"][0]["orderStatus"] == "Filled"
