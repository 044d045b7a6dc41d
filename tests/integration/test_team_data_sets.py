"""The team folder's sets read whole: the primary set has no gaps, and it combines with the
2021-2025 history set. Moved out of tests/unit: each reads every file of a set (seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from team_data import shared_data

from algotrading.domain.intervals import Interval
from algotrading.market.candles import DataFileCandleSource
from algotrading.market.datafiles import DataSet

pytestmark = pytest.mark.slow

PRIMARY = ["AAVEUSDT", "ADAUSDT", "APEUSDT", "AVAXUSDT", "BNBUSDT", "BTCUSDT", "ETHUSDT", "SOLUSDT"]


def test_shared_primary_set_has_no_gaps(shared_data: Path) -> None:
    series = DataSet([shared_data]).inventory()
    assert {s.symbol for s in series} == set(PRIMARY)
    assert all(s.gaps == 0 for s in series if s.kind == "klines")
    btc_5m = next(s for s in series if s.symbol == "BTCUSDT" and s.interval == "5m")
    assert btc_5m.rows == 54432 and btc_5m.first_ms == 1758672000000


def test_the_team_folder_combines_with_its_history_set() -> None:
    """`--data-dir ../shared/data --data-dir ../shared/data/bybit_derivs_2021_2025`: the
    primary set wins 2025-09-24 .. 2025-11-04 (42 days x six 4h rows = 252), where only the
    turnover differs (estimated vs exchange-reported); the daily series reaches back to 2021."""
    shared = shared_data()
    dataset = DataSet([shared, shared / "bybit_derivs_2021_2025"])
    found = {(k, s, i): o for k, s, i, o in dataset.overlaps()}
    four = found[("klines", "BTCUSDT", "4h")]
    assert (four.rows, four.kept.parent.parent) == (252, shared)
    assert [d.column for d in four.differs] == ["turnover"]
    assert found[("funding", "BTCUSDT", "")].differs == ()
    daily = DataFileCandleSource(dataset).series("BTCUSDT", Interval.D1)
    assert int(daily.start_ms[0]) == 1_636_156_800_000  # 2021-11-06, the history set's start
    assert np.all(np.diff(daily.start_ms) == 86_400_000)
