"""The combine step on hand-made candidates: the live conflict policy, sizing from the sleeve,
the circuit breaker's pause and shadow track, and the figures of a portfolio run."""

from __future__ import annotations

import numpy as np
import pytest

from algotrading.backtest.portfolio.analysis import correlated_drawdowns, correlation
from algotrading.backtest.portfolio.blobs import LocalBlobStore
from algotrading.backtest.portfolio.book import Candidate
from algotrading.backtest.portfolio.combine import GRID_MS, combine
from algotrading.backtest.trades import REASON_CODE

T0 = 1_760_000_400_000 - (1_760_000_400_000 % GRID_MS)
HOUR = 3_600_000
FEE = 0.00055


def candidate(
    strategy: str,
    symbol: str,
    at: int,
    hours: int,
    entry: float,
    exit_price: float,
    stop: float,
    rank: int = 1,
) -> Candidate:
    """A long entered at `at` (signal close = entry), closed by its stop after `hours`."""
    until = at + hours * HOUR
    gross, fee_in, fee_out = exit_price - entry, entry * FEE, exit_price * FEE
    row = np.array([at, at, 1, entry, stop, np.nan, until, 0.0, gross, fee_in + fee_out, 0.0,
                    fee_in, entry])  # fmt: skip
    legs = np.array([[0, until, until - GRID_MS, exit_price, 1.0, REASON_CODE["stop_loss"], gross,
                      fee_out]])  # fmt: skip
    marks = np.array([[at, entry], [until, exit_price]], dtype=float)
    order = ("trend", "scalper", "carry", "momentum").index(strategy)
    return Candidate(strategy, symbol, (order, rank), row, legs, np.empty((0, 3)), marks, 1.0)


def test_a_symbol_held_by_one_strategy_is_refused_to_the_others() -> None:
    trend = candidate("trend", "BTCUSDT", T0, 4, 100.0, 101.0, 95.0)
    carry = candidate("carry", "BTCUSDT", T0 + HOUR, 2, 100.0, 99.0, 98.0)
    later = candidate("carry", "BTCUSDT", T0 + 5 * HOUR, 2, 100.0, 99.0, 98.0)
    done = combine([trend, carry, later], 10_000.0, T0, T0 + 10 * HOUR, FEE, {})
    assert done.decisions["carry"] == {"rejected:symbol_in_use": 1, "accepted": 1}
    assert [(t["strategy"], t["entry_ms"]) for t in done.trades] == [
        ("trend", T0), ("carry", T0 + 5 * HOUR)
    ]  # fmt: skip


def test_entries_are_sized_from_the_sleeve_by_risk_and_booked_into_it() -> None:
    trend = candidate("trend", "BTCUSDT", T0, 4, 100.0, 95.0, 95.0)
    done = combine([trend], 10_000.0, T0, T0 + 6 * HOUR, FEE, {})
    # 2 % of the trend sleeve (30 % of 10,000) lost at the stop, fees included
    qty = 3_000 * 0.02 / (5.0 + 195.0 * FEE)
    assert done.trades[0]["qty"] == pytest.approx(qty, rel=1e-9)
    assert done.sleeves["trend"][-1] == pytest.approx(3_000 - 60.0, rel=1e-9)
    assert done.sleeves["scalper"][-1] == 2_000.0
    assert done.portfolio[-1] == pytest.approx(10_000 - 60.0, rel=1e-9)


def test_a_paused_sleeve_trades_on_paper_and_resumes_on_its_shadow_track() -> None:
    # a gap far through the stop: the sleeve loses ~19 % (beyond the 15 % trigger, inside the
    # 25 % hard floor) and pauses
    crash = candidate("scalper", "ETHUSDT", T0, 1, 100.0, 80.0, 98.0)
    paper = candidate("scalper", "ETHUSDT", T0 + 2 * HOUR, 1, 100.0, 160.0, 98.0)
    after = candidate("scalper", "ETHUSDT", T0 + 4 * HOUR, 1, 100.0, 101.0, 98.0)
    done = combine([crash, paper, after], 10_000.0, T0, T0 + 6 * HOUR, FEE, {})
    kinds = [(t["scope"], t["kind"]) for t in done.transitions]
    assert ("scalper", "triggered") in kinds and ("scalper", "released") in kinds
    assert kinds.index(("scalper", "triggered")) < kinds.index(("scalper", "released"))
    assert [t["shadow"] for t in done.trades] == [False, True, False]
    # the paper gain never reaches the sleeve's equity
    lost = done.trades[0]["pnl"]
    assert done.sleeves["scalper"][-1] == pytest.approx(2_000 + lost + done.trades[2]["pnl"])


def test_a_sleeve_past_its_hard_floor_stays_on_paper_without_an_operator() -> None:
    # 19 units (2 % of the 2,000 sleeve at a 2-point stop) gapped from 100 to 60: -760, 38 %
    crash = candidate("scalper", "ETHUSDT", T0, 1, 100.0, 60.0, 98.0)
    paper = candidate("scalper", "ETHUSDT", T0 + 2 * HOUR, 1, 100.0, 160.0, 98.0)
    after = candidate("scalper", "ETHUSDT", T0 + 4 * HOUR, 1, 100.0, 101.0, 98.0)
    done = combine([crash, paper, after], 10_000.0, T0, T0 + 6 * HOUR, FEE, {})
    assert [(t["scope"], t["kind"]) for t in done.transitions] == [("scalper", "floor_breached")]
    assert done.transitions[0]["real_drawdown_pct"] == pytest.approx(
        -done.trades[0]["pnl"] / 2_000 * 100
    )
    # the paper trade gains 60 %, far better than the 10 % resume level: still no resume
    assert [t["shadow"] for t in done.trades] == [False, True, True]


def test_correlated_drawdowns_need_two_sleeves_under_water() -> None:
    times = np.arange(6, dtype=np.int64) * 86_400_000
    sleeves = {
        "a": np.array([100.0, 90.0, 80.0, 100.0, 100.0, 100.0]),
        "b": np.array([50.0, 50.0, 40.0, 45.0, 55.0, 55.0]),
        "c": np.full(6, 20.0),
    }
    episodes = correlated_drawdowns(times, sleeves, 170.0)
    assert len(episodes) == 1
    e = episodes[0]
    assert (e["start"], e["end"]) == ("1970-01-03T00:00:00Z", "1970-01-04T00:00:00Z")
    assert e["sleeves"] == ["a", "b"] and e["max_combined_depth"] == pytest.approx(30 / 170)
    matrix = correlation(times, sleeves)["matrix"]
    assert matrix[0][0] == pytest.approx(1.0) and matrix[2][2] is None


def test_blob_keys_are_content_hashes(tmp_path: object) -> None:
    store = LocalBlobStore(tmp_path)  # type: ignore[arg-type]
    a = np.arange(12, dtype=np.float64).reshape(3, 4)
    key = store.put(a)
    assert store.put(a.copy()) == key and store.put(a + 1) != key
    got = store.get(key)
    assert got.dtype == a.dtype and np.array_equal(got, a)
