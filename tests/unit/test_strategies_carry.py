"""Funding carry on Bybit BTCUSDT (1h candles, 8h funding, 4h open interest, 2021-2024) and on a
4h-funding symbol: bars where it must enter and where it must not, re-derived by hand from the
raw files, with the funding numbers taken from the funding service's own `funding_snapshot`."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import talib
from strategy_support import at, load_open_interest, row_at
from team_data import DERIVS_TEST, TEST_DATA

from algotrading.domain.intervals import HOUR_MS, MINUTE_MS, Interval
from algotrading.market.datafiles import DataSet
from algotrading.market.funding import funding_snapshot
from algotrading.strategies import MarketHistory, PositionSide, SignalFrame, get_strategy
from algotrading.strategies.funding_view import window_stats

H1 = Interval.H1
LAG = 5 * MINUTE_MS
OI_RISING = "oi_change_24h>0%"


@pytest.fixture(scope="module")
def derivs(shared_data: Path) -> DataSet:
    return DataSet([shared_data / "bybit_derivs_2021_2025"])


@pytest.fixture(scope="module")
def btc() -> MarketHistory:
    """BTCUSDT of the 2021-2025 set, from the repository's copy (tests/data)."""
    mine = DataSet([DERIVS_TEST])
    return MarketHistory(
        "BTCUSDT",
        {H1: mine.candles("BTCUSDT", H1)},
        funding=mine.funding("BTCUSDT"),
        open_interest=load_open_interest(TEST_DATA, "BTCUSDT"),
    )


@pytest.fixture(scope="module")
def frame(btc: MarketHistory) -> SignalFrame:
    return get_strategy("carry").frames({"BTCUSDT": btc})["BTCUSDT"]


def hand_values(history: MarketHistory, close_ms: int) -> dict[str, float]:
    """The rule's numbers at the 1H bar closing at `close_ms`, from the raw series."""
    c = history.candles[H1]
    i = int(np.searchsorted(c.start_ms, close_ms - H1.ms))
    assert c.start_ms[i] + H1.ms == close_ms
    funding = history.funding
    assert funding is not None
    used = int(funding.time_ms[funding.time_ms + LAG <= close_ms][-1])  # known 5 min after
    snap = funding_snapshot(history.symbol, funding, used)
    assert snap.interval_hours is not None
    out = {
        "settlement": float(used),
        "z": snap.zscore_30d,
        "avg_per_8h": snap.avg_7d * 8 / snap.interval_hours,
        "interval": float(snap.interval_hours),
        "rsi": float(talib.RSI(c.close[: i + 1], 14)[-1]),
        "atr": float(talib.ATR(c.high[: i + 1], c.low[: i + 1], c.close[: i + 1], 14)[-1]),
    }
    oi = history.open_interest
    if oi is not None:
        now = int(np.flatnonzero(oi.time_ms + LAG <= close_ms)[-1])
        then = int(np.flatnonzero(oi.time_ms <= oi.time_ms[now] - 24 * HOUR_MS)[-1])
        out["oi_change"] = (oi.value[now] / oi.value[then] - 1) * 100
        out["oi_time"] = float(oi.time_ms[now])
    return out


def test_short_entry_when_longs_pay_extreme_funding(btc: MarketHistory, frame: SignalFrame) -> None:
    v = hand_values(btc, at("2023-11-02T05:00Z"))
    assert v["oi_time"] == at("2023-11-02T04:00Z")  # the 04:00 snapshot, known at 04:05
    assert v["z"] > 1.5
    assert v["avg_per_8h"] > 0.0001
    assert v["oi_change"] > 0
    assert v["rsi"] > 60
    i = row_at(frame, "2023-11-02T05:00Z")
    assert frame.entry_short[i] and not frame.entry_long[i] and frame.settled[i]
    assert frame.values["funding_z"][i] == pytest.approx(v["z"], rel=1e-9)
    assert frame.values["funding_avg7d_per_8h"][i] == pytest.approx(v["avg_per_8h"], rel=1e-9)
    assert frame.values["oi_change_pct"][i] == pytest.approx(v["oi_change"], rel=1e-12)
    assert frame.stop_distance[i] == pytest.approx(2.5 * v["atr"], rel=1e-12)
    assert frame.time_stop_bars is not None and frame.time_stop_bars[i] == 24  # 3 x 8h


def test_no_short_an_hour_earlier_while_open_interest_still_fell(
    btc: MarketHistory, frame: SignalFrame
) -> None:
    """At 04:00 the 04:00 snapshot is not yet known (5 min lag): 00:00 vs 00:00 the day
    before, open interest had fallen, so the crowd was not growing."""
    v = hand_values(btc, at("2023-11-02T04:00Z"))
    assert v["oi_time"] == at("2023-11-02T00:00Z")
    assert v["oi_change"] < 0
    assert v["z"] > 1.5 and v["avg_per_8h"] > 0.0001 and v["rsi"] > 60
    i = row_at(frame, "2023-11-02T04:00Z")
    assert frame.failed(i, PositionSide.SHORT) == [OI_RISING]


def test_long_entry_when_shorts_pay_extreme_funding(btc: MarketHistory, frame: SignalFrame) -> None:
    v = hand_values(btc, at("2022-11-13T13:00Z"))
    assert v["z"] < -1.5 and v["avg_per_8h"] < -0.0001 and v["oi_change"] > 0 and v["rsi"] < 40
    i = row_at(frame, "2022-11-13T13:00Z")
    assert frame.entry_long[i] and not frame.entry_short[i]


def test_no_long_when_funding_is_low_but_longs_still_pay(
    btc: MarketHistory, frame: SignalFrame
) -> None:
    """z-score -1.9, but the week's average is still positive: a long would pay, not earn."""
    v = hand_values(btc, at("2023-03-27T16:00Z"))
    assert v["z"] < -1.5 and v["oi_change"] > 0 and v["rsi"] < 40
    assert 0 < v["avg_per_8h"] < 0.0001
    i = row_at(frame, "2023-03-27T16:00Z")
    assert frame.failed(i, PositionSide.LONG) == ["avg7d<-0.0001/8h"]


def test_a_settlement_is_used_from_the_first_bar_after_its_lag(
    btc: MarketHistory, frame: SignalFrame
) -> None:
    i = row_at(frame, "2023-11-02T08:00Z")  # the 08:00 settlement is not known at 08:00
    assert hand_values(btc, at("2023-11-02T08:00Z"))["settlement"] == at("2023-11-02T00:00Z")
    assert frame.values["funding_z"][i] == frame.values["funding_z"][i - 1]
    assert frame.values["funding_z"][i + 1] != frame.values["funding_z"][i]  # at 09:00


def test_without_open_interest_history_entries_are_blocked_by_default(
    btc: MarketHistory,
) -> None:
    no_oi = replace(btc, open_interest=None)
    i_frame = get_strategy("carry").frames({"BTCUSDT": no_oi})["BTCUSDT"]
    i = row_at(i_frame, "2023-11-02T05:00Z")
    assert not i_frame.entry_short[i]
    assert i_frame.failed(i, PositionSide.SHORT) == [OI_RISING]
    assert not i_frame.conditions["oi_known"].any()
    lenient = get_strategy("carry", {"require_open_interest": False})
    open_frame = lenient.frames({"BTCUSDT": no_oi})["BTCUSDT"]
    assert open_frame.entry_short[i]
    # known open interest still counts when it is there: the falling bar stays blocked
    with_oi = lenient.frames({"BTCUSDT": btc})["BTCUSDT"]
    j = row_at(with_oi, "2023-11-02T04:00Z")
    assert with_oi.failed(j, PositionSide.SHORT) == [OI_RISING]


def test_threshold_is_scaled_to_a_4h_funding_interval(shared_data: Path) -> None:
    """KASUSDT settles every 4h: 0.00512 % a settlement is 0.0102 % per 8h, above 0.01 %."""
    data = DataSet([shared_data / "universe_binance_usdm_2025"])
    kas = MarketHistory(
        "KASUSDT", {H1: data.candles("KASUSDT", H1)}, funding=data.funding("KASUSDT")
    )
    strategy = get_strategy("carry", {"require_open_interest": False})
    frame = strategy.frames({"KASUSDT": kas})["KASUSDT"]
    v = hand_values(kas, at("2025-05-11T21:00Z"))
    assert v["interval"] == 4
    raw_avg = v["avg_per_8h"] / 2
    assert 0.00005 < raw_avg < 0.0001 < v["avg_per_8h"]
    i = row_at(frame, "2025-05-11T21:00Z")
    assert frame.entry_short[i]
    assert frame.values["funding_interval_hours"][i] == 4
    assert frame.time_stop_bars is not None and frame.time_stop_bars[i] == 12  # 3 x 4h


def test_exit_when_the_z_score_is_back_inside_the_band(frame: SignalFrame) -> None:
    z = frame.values["funding_z"]
    np.testing.assert_array_equal(frame.exit_short, z <= 0.5)
    np.testing.assert_array_equal(frame.exit_long, z >= -0.5)


def test_pinned_funding_gives_no_z_score(derivs: DataSet) -> None:
    """DOGEUSDT settled exactly 0.01 % for 30 days to 2022-07-28: the deviation is 0, so
    there is no z-score (the snapshot's float residue says -0.99; the strategy says unknown)."""
    history = MarketHistory(
        "DOGEUSDT", {H1: derivs.candles("DOGEUSDT", H1)}, funding=derivs.funding("DOGEUSDT")
    )
    frame = get_strategy("carry").frames({"DOGEUSDT": history})["DOGEUSDT"]
    i = row_at(frame, "2022-07-28T09:00Z")
    rates = history.funding.rate if history.funding is not None else np.empty(0)
    times = history.funding.time_ms if history.funding is not None else np.empty(0)
    settled_at = at("2022-07-28T08:00Z")
    window = rates[(times > settled_at - 30 * 24 * HOUR_MS) & (times <= settled_at)]
    assert len(window) == 90 and (window == 0.0001).all()
    assert np.isnan(frame.values["funding_z"][i])
    assert frame.values["funding_avg7d_per_8h"][i] == 0.0001  # not 0.0001 - 1 ulp
    assert not frame.entry_long[i] and not frame.entry_short[i]


def test_window_statistics_equal_the_funding_snapshot(derivs: DataSet) -> None:
    funding = derivs.funding("ETHUSDT")
    day = 24 * HOUR_MS
    mean7, _, _ = window_stats(funding.time_ms, funding.rate, 7 * day)
    mean30, std30, _ = window_stats(funding.time_ms, funding.rate, 30 * day)
    for k in range(200, len(funding), 97):
        snap = funding_snapshot("ETHUSDT", funding, int(funding.time_ms[k]))
        assert mean7[k] == pytest.approx(snap.avg_7d, rel=1e-12, abs=1e-18)
        z = (funding.rate[k] - mean30[k]) / std30[k]
        assert z == pytest.approx(snap.zscore_30d, rel=1e-9, abs=1e-9)
