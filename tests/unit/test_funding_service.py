"""The funding service on hand-made histories (every number checked by hand) and on real
Bybit/Binance histories with 8h, 4h, gappy and changing intervals."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from candles import funding as settlements

from algotrading.domain.intervals import DAY_MS, HOUR_MS
from algotrading.domain.series import FundingHistory
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet
from algotrading.market.funding import (
    annualize,
    dataset_snapshots,
    funding_payment,
    funding_snapshot,
    infer_interval_hours,
    interval_per_settlement,
    next_settlement_ms,
)

T0 = parse_time("2026-01-01")


def _history(rates: list[float], hours: int = 8, start: int = T0) -> FundingHistory:
    return settlements(rates, start_ms=start, step=hours * HOUR_MS)


def test_hand_checked_snapshot() -> None:
    # 8h settlements for 40 days: 0.0001 except the last three; as of 1 ms after the last.
    rates = [0.0001] * 117 + [0.0002, 0.0003, -0.0001]
    history = _history(rates)
    as_of = int(history.time_ms[-1]) + 1
    snap = funding_snapshot("XUSDT", history, as_of)
    assert snap.current_rate == -0.0001 and snap.current_time_ms == history.time_ms[-1]
    # (t - 7d, t] holds the last 21 settlements: 18 x 0.0001 + 0.0002 + 0.0003 - 0.0001.
    assert snap.settlements_7d == 21
    assert snap.avg_7d == pytest.approx((18 * 0.0001 + 0.0004) / 21, rel=1e-12)
    month = rates[-90:]
    expected_z = (-0.0001 - statistics.fmean(month)) / statistics.stdev(month)
    assert snap.settlements_30d == 90 and snap.zscore_30d == pytest.approx(expected_z, 1e-12)
    assert (snap.interval_hours, snap.interval_source) == (8, "inferred")
    assert snap.next_settlement_ms == history.time_ms[-1] + 8 * HOUR_MS
    assert snap.annualized == pytest.approx(-0.0001 * 3 * 365)


def test_window_edges_are_exclusive_then_inclusive() -> None:
    history = _history([0.01, 0.02, 0.03], hours=84)  # 3.5 days apart
    at = int(history.time_ms[2])  # exactly on the last settlement: it counts
    snap = funding_snapshot("XUSDT", history, at)
    assert snap.current_rate == 0.03 and snap.settlements_7d == 2  # t - 7d itself is excluded
    assert snap.avg_7d == pytest.approx(0.025)
    assert snap.interval_hours is None  # 84h is no Bybit interval: never guess 8h


def test_one_settlement_gives_no_interval_and_no_zscore() -> None:
    snap = funding_snapshot("XUSDT", _history([0.0005]), T0 + HOUR_MS)
    assert snap.interval_hours is None and snap.next_settlement_ms is None
    assert snap.annualized is None and math.isnan(snap.zscore_30d)
    assert snap.interval_source == "unknown"
    known = funding_snapshot("XUSDT", _history([0.0005]), T0 + HOUR_MS, known_interval_hours=2)
    assert (known.interval_hours, known.interval_source) == (2, "instrument")
    assert known.next_settlement_ms == T0 + 2 * HOUR_MS
    assert known.annualized == pytest.approx(0.0005 * 12 * 365)


def test_flat_rates_have_no_zscore() -> None:
    assert math.isnan(funding_snapshot("X", _history([0.0001] * 10), T0 + DAY_MS * 4).zscore_30d)


@pytest.mark.parametrize(
    ("spacings", "expected"),
    [
        ([8, 8, 8, 8, 8, 8], 8),
        ([4, 4, 4, 16, 4], 4),  # three missed settlements
        ([4, 4, 4, 4, 8], 4),  # one missed 4h settlement looks like 8h: outvoted
        ([8, 8, 8, 8, 8, 1], 8),  # a change is believed after its second settlement...
        ([8, 8, 8, 8, 1, 1], 1),  # ...like this
        ([2, 2], 2),
        ([24, 48], None),  # nothing Bybit uses
        ([], None),
    ],
)
def test_interval_inference(spacings: list[int], expected: int | None) -> None:
    times = T0 + np.cumsum([0, *spacings]) * HOUR_MS
    assert infer_interval_hours(times) == expected


def test_next_settlement_follows_the_schedule() -> None:
    last = parse_time("2026-01-01T16:00")
    assert next_settlement_ms(last, last, 8) == parse_time("2026-01-02T00:00")
    assert next_settlement_ms(last, parse_time("2026-01-01T23:59"), 8) == parse_time("2026-01-02")
    assert next_settlement_ms(last, parse_time("2026-01-02T01:00"), 4) == parse_time(
        "2026-01-02T04:00"
    )
    with pytest.raises(ValueError, match="one of 1, 2, 4, 8"):
        next_settlement_ms(last, last, 3)
    assert annualize(0.0001, 1) == pytest.approx(0.876)


def test_real_8h_history() -> None:
    history = DataSet().funding("BTCUSDT")  # the bundled set
    at = parse_time("2026-02-10T09:30")
    snap = funding_snapshot("BTCUSDT", history, at)
    times, rates = history.time_ms, history.rate
    assert snap.current_time_ms == parse_time("2026-02-10T08:00")
    week = rates[(times > at - 7 * DAY_MS) & (times <= at)]
    assert snap.settlements_7d == 21 and snap.avg_7d == pytest.approx(week.mean(), rel=1e-12)
    assert snap.interval_hours == 8 and snap.next_settlement_ms == parse_time("2026-02-10T16:00")
    assert snap.annualized == pytest.approx(snap.current_rate * 3 * 365)


def test_real_4h_history_with_a_gap(shared_data: Path) -> None:
    """CTKUSDT settles every 4h and misses 3 settlements after 2024-07-06 16:00."""
    history = DataSet([shared_data / "universe_bybit_2024"]).funding("CTKUSDT")
    after_gap = parse_time("2024-07-06T20:00") + 3 * 4 * HOUR_MS
    assert after_gap in history.time_ms
    snap = funding_snapshot("CTKUSDT", history, after_gap + HOUR_MS)
    assert snap.interval_hours == 4 and snap.settlements_7d == 42 - 3
    assert snap.next_settlement_ms == after_gap + 4 * HOUR_MS
    assert snap.annualized == pytest.approx(snap.current_rate * 6 * 365)
    late = funding_snapshot("CTKUSDT", history, parse_time("2024-08-01T03:00"))
    assert late.settlements_7d == 42 and late.settlements_30d == 180 - 3  # gap is in (t-30d, t]


def test_real_interval_changes(shared_data: Path) -> None:
    """XTZUSDT (Binance) went 8h -> 1h at 2025-07-20 08:00 -> 4h at 2025-07-22 12:00."""
    history = DataSet([shared_data / "universe_binance_usdm_2025"]).funding("XTZUSDT")
    seen = {
        at: funding_snapshot("XTZUSDT", history, parse_time(at)).interval_hours
        for at in ("2025-07-19T12:00", "2025-07-20T09:30", "2025-07-20T10:30",
                   "2025-07-22T16:30", "2025-07-22T20:30", "2025-09-01")
    }  # fmt: skip
    assert list(seen.values()) == [8, 8, 1, 1, 4, 4]
    per_row = interval_per_settlement(history.time_ms)
    assert per_row[0] is None and set(per_row[1:]) == {1, 4, 8}


def test_dataset_snapshots_default_to_the_end_of_the_data(shared_data: Path) -> None:
    data = DataSet([shared_data / "universe_bybit_2024"])
    snaps = {s.symbol: s for s in dataset_snapshots(data)}
    assert len(snaps) == 46
    assert {s.as_of_ms for s in snaps.values()} == {parse_time("2024-08-08T20:00")}
    assert {s for s, v in snaps.items() if v.interval_hours == 4} == {
        "ALPHAUSDT", "CTKUSDT", "TRBUSDT",
    }  # fmt: skip
    assert all(v.next_settlement_ms == parse_time("2024-08-09") for v in snaps.values())
    earlier = dataset_snapshots(data, parse_time("2024-05-15"))
    assert len(earlier) == 43  # the 4h symbols' history starts 2024-06-03


def test_bad_snapshot_input() -> None:
    with pytest.raises(ValueError, match="no funding settlement of XUSDT at or before"):
        funding_snapshot("XUSDT", _history([0.0001]), T0 - 1)
    with pytest.raises(ValueError, match="one of 1, 2, 4, 8 hours, got 6"):
        funding_snapshot("XUSDT", _history([0.0001]), T0, known_interval_hours=6)


def test_funding_payment_direction_and_amount() -> None:
    assert funding_payment(10_000.0, 0.0001, "long") == pytest.approx(-1.0)
    assert funding_payment(10_000.0, 0.0001, "Sell") == pytest.approx(1.0)
    assert funding_payment(10_000.0, -0.0003, "buy") == pytest.approx(3.0)
    assert funding_payment(10_000.0, -0.0003, "short") == pytest.approx(-3.0)
    exact = funding_payment(Decimal("12345.67"), Decimal("0.0001"), "long")
    assert exact == Decimal("-1.234567")
    for value, rate, side in [(-1.0, 0.0001, "long"), (1.0, math.nan, "long"), (1.0, 0.1, "up")]:
        with pytest.raises(ValueError):
            funding_payment(value, rate, side)


def test_pinned_funding_has_no_z_score() -> None:
    # 30 days of exactly 0.01 % every 8 hours: the deviation is float residue, not variation
    rates = [0.0001] * 90
    snap = funding_snapshot("XUSDT", _history(rates), T0 + 90 * 8 * HOUR_MS)
    assert snap.current_rate == 0.0001
    assert math.isnan(snap.zscore_30d)
