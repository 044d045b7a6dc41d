"""The property that makes live trading and the backtest agree.

1. No look-ahead: cutting the history at T (candles closed by T, settlements and snapshots up
   to T) changes no signal, level or value at or before T, to the last bit.
2. Warm-up is enough: the live executor fetches only `warmup_bars` candles per timeframe (and the
   funding / open-interest look-back); the last bar then reads the same as with years of history.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from strategy_support import (
    at,
    frame_arrays,
    known_at,
    live_window,
    load_open_interest,
    trend_history,
)
from team_data import DERIVS_TEST, TEST_DATA

from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.market.datafiles import DataSet
from algotrading.market.universe import daily_candles
from algotrading.strategies import MarketHistory, SignalFrame, SignalRow, Strategy, get_strategy

# Every strategy over its whole real series, again cut at several times: seconds each.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cases() -> dict[str, tuple[Strategy, MarketHistory, list[str]]]:
    derivs = DataSet([DERIVS_TEST])
    bundled = DataSet()
    carry = MarketHistory(
        "BTCUSDT",
        {Interval.H1: derivs.candles("BTCUSDT", Interval.H1)},
        funding=derivs.funding("BTCUSDT"),
        open_interest=load_open_interest(TEST_DATA, "BTCUSDT"),
    )
    scalper = MarketHistory(
        "ETHUSDT",
        {iv: bundled.candles("ETHUSDT", iv) for iv in (Interval.M15, Interval.H1)},
    )
    return {
        # an entry bar at midnight, the bar before it, and a bar in the middle of a day
        "trend": (get_strategy("trend"), trend_history(derivs, "BTCUSDT"),
                  ["2023-11-16T00:00Z", "2023-11-15T20:00Z", "2024-07-12T04:00Z"]),
        # an entry bar, a bar closing on the hour (1H candle closes with it), and mid-hour
        "scalper": (get_strategy("scalper"), scalper,
                    ["2025-12-29T10:00Z", "2026-01-30T12:00Z", "2025-11-10T15:15Z"]),
        # an entry bar, the bar closing at a settlement, the bar after a 4h OI snapshot
        "carry": (get_strategy("carry"), carry,
                  ["2023-11-02T05:00Z", "2023-11-02T08:00Z", "2022-11-13T13:00Z"]),
    }  # fmt: skip


def assert_same_rows(full: SignalFrame, cut: SignalFrame, t: int) -> None:
    rows = int(np.searchsorted(full.close_ms, t, side="right"))
    assert len(cut) == rows and int(cut.close_ms[-1]) == t
    expected, got = frame_arrays(full, slice(0, rows)), frame_arrays(cut, slice(0, rows))
    assert expected.keys() == got.keys()
    for name, values in expected.items():
        np.testing.assert_array_equal(got[name], values, err_msg=name)


@pytest.mark.parametrize("name", ["trend", "scalper", "carry"])
def test_cutting_the_history_at_t_changes_nothing_up_to_t(
    cases: dict[str, tuple[Strategy, MarketHistory, list[str]]], name: str
) -> None:
    strategy, history, times = cases[name]
    symbol = history.symbol
    full = strategy.signals({symbol: history})[symbol]
    for text in times:
        t = at(text)
        cut = strategy.signals({symbol: known_at(history, t)})[symbol]
        assert_same_rows(full, cut, t)


@pytest.mark.parametrize("name", ["trend", "scalper", "carry"])
def test_the_live_window_reads_the_same_last_bar(
    cases: dict[str, tuple[Strategy, MarketHistory, list[str]]], name: str
) -> None:
    """The executor's fetch (at most 200 candles per timeframe) and years of history give the
    same row to the bit: both compute from the window at that close."""
    strategy, history, times = cases[name]
    symbol = history.symbol
    full = strategy.signals({symbol: history})[symbol]
    for text in times:
        t = at(text)
        window = live_window(history, strategy, t)
        assert all(len(c) <= 200 for c in window.candles.values())
        live = strategy.signals({symbol: window})[symbol]
        i = full.index_of(t)
        assert_rows_equal(live.row(-1), full.row(i))
        assert live.settled[-1]
        for key, values in live.values.items():
            np.testing.assert_array_equal(values[-1], full.values[key][i], err_msg=key)
        for key, flags in live.conditions.items():
            assert flags[-1] == full.conditions[key][i], key


def assert_rows_equal(live: SignalRow, full: SignalRow) -> None:
    """Every field equal, NaN matching NaN (a missing level is NaN in both)."""
    for name in SignalRow.__dataclass_fields__:
        got, expected = getattr(live, name), getattr(full, name)
        if isinstance(expected, float) and math.isnan(expected):
            assert isinstance(got, float) and math.isnan(got), name
        else:
            assert got == expected, name


def test_momentum_has_no_look_ahead(shared_data: Path) -> None:
    daily = daily_candles(DataSet([shared_data / "universe_binance_usdm_2025"]))
    start, monday = at("2025-07-01"), at("2025-11-03")
    histories = {
        s: MarketHistory(s, {Interval.D1: c.between(start, monday + 21 * DAY_MS)})
        for s, c in daily.items()
    }
    strategy = get_strategy("momentum")
    full = strategy.signals(histories)
    for t in (monday, monday + 3 * DAY_MS):
        cut = strategy.signals({s: known_at(h, t) for s, h in histories.items()})
        assert cut.keys() == full.keys()
        for symbol, frame in full.items():
            assert_same_rows(frame, cut[symbol], t)
    assert any(f.entry_long[f.index_of(monday)] for f in full.values())
