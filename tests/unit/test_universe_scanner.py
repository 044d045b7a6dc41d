"""The universe scanner on the Binance USDT-M set (1h files only, so days are resampled) and on
hand-made universes that exercise each filter."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from candles import from_closes

from algotrading.domain.intervals import DAY_MS
from algotrading.domain.series import Candles
from algotrading.domain.timefmt import parse_time
from algotrading.market.datafiles import DataSet
from algotrading.market.universe import (
    UniverseConfig,
    base_coin,
    daily_candles,
    data_end_ms,
    rank_universe,
)

AS_OF = parse_time("2026-01-05")  # a Monday 00:00 UTC rebalance: the last day is 2026-01-04


@pytest.fixture(scope="module")
def binance(shared_data: Path) -> DataSet:
    return DataSet([shared_data / "universe_binance_usdm_2025"])


@pytest.fixture(scope="module")
def daily(binance: DataSet) -> dict[str, Candles]:
    return daily_candles(binance)


def _days_from_hours(hourly: Candles, last_day: int, days: int) -> dict[str, np.ndarray]:
    """Independent daily bars: reshape 24 hourly bars per UTC day, no resampler involved."""
    start = last_day - (days - 1) * DAY_MS
    lo = int(np.searchsorted(hourly.start_ms, start))
    rows = slice(lo, lo + 24 * days)
    assert hourly.start_ms[rows][0] == start and len(hourly.start_ms[rows]) == 24 * days
    shape = (days, 24)
    return {
        "close": hourly.close[rows].reshape(shape)[:, -1],
        "high": hourly.high[rows].reshape(shape).max(axis=1),
        "turnover": hourly.turnover[rows].reshape(shape).sum(axis=1),
    }


def test_ranking_matches_an_independent_recomputation(
    binance: DataSet, daily: dict[str, Candles]
) -> None:
    ranking = rank_universe(daily, AS_OF)
    assert ranking.last_day_ms == parse_time("2026-01-04")
    btc = _days_from_hours(binance.candles("BTCUSDT", "1h"), ranking.last_day_ms, 31)
    btc_returns = np.diff(btc["close"]) / btc["close"][:-1]
    assert len(ranking.ranked) == 30
    for row in ranking.ranked:
        day = _days_from_hours(binance.candles(row.symbol, "1h"), ranking.last_day_ms, 31)
        close = day["close"]
        rocs = [(close[-1] / close[-1 - n] - 1) * 100 for n in (7, 14, 30)]
        composite = 0.40 * rocs[0] + 0.35 * rocs[1] + 0.25 * rocs[2]
        vol = np.std(np.log(close[-14:] / close[-15:-1]), ddof=1) * math.sqrt(365)
        returns = np.diff(close) / close[:-1]
        got = (row.roc_7, row.roc_14, row.roc_30, row.composite, row.realized_vol)
        assert got == pytest.approx((*rocs, composite, vol), rel=1e-9)
        assert row.vol_adjusted == pytest.approx(composite / vol, rel=1e-9)
        assert row.corr_btc == pytest.approx(np.corrcoef(returns, btc_returns)[0, 1], rel=1e-9)
        assert row.drawdown == pytest.approx((close[-1] / day["high"][-30:].max() - 1) * 100)
        assert row.avg_turnover == pytest.approx(day["turnover"][-14:].mean(), rel=1e-12)
        assert row.avg_turnover > 10_000_000
    scores = [r.vol_adjusted for r in ranking.ranked]
    assert scores == sorted(scores, reverse=True)
    assert [r.rank for r in ranking.ranked] == list(range(1, 31))
    assert next(r for r in ranking.ranked if r.symbol == "BTCUSDT").corr_btc == pytest.approx(1)


def test_filters_on_the_binance_set(daily: dict[str, Candles]) -> None:
    ranking = rank_universe(daily, AS_OF)
    reasons = {e.symbol: e.reason for e in ranking.excluded}
    assert set(reasons) | {r.symbol for r in ranking.ranked} == set(daily)
    assert set(reasons) == {"KASUSDT", "VETUSDT"}
    assert all("turnover" in reason for reason in reasons.values())
    small = rank_universe(daily, AS_OF, UniverseConfig(size=5))
    by_turnover = sorted((r for r in ranking.ranked), key=lambda r: -r.avg_turnover)
    assert {r.symbol for r in small.ranked} == {r.symbol for r in by_turnover[:5]}
    assert sum("not in the top 5" in e.reason for e in small.excluded) == 25


def test_no_lookahead_past_the_as_of_time(daily: dict[str, Candles]) -> None:
    """Cutting every series at the as-of time changes nothing; a later time changes the result."""
    cut = {s: c.between(None, AS_OF) for s, c in daily.items()}
    assert rank_universe(cut, AS_OF) == rank_universe(daily, AS_OF)
    midday = rank_universe(daily, AS_OF + 12 * 3_600_000)
    assert midday.ranked == rank_universe(daily, AS_OF).ranked  # the day is not over yet
    assert rank_universe(daily, AS_OF + DAY_MS).ranked != midday.ranked


def test_default_as_of_is_the_close_of_the_last_day(daily: dict[str, Candles]) -> None:
    assert data_end_ms(daily) == parse_time("2026-04-01")


def _flat_days(days: int, last_day: int, price: float, turnover: float) -> Candles:
    """Daily closes wiggling 1 % around `price`, wicks 1 %, the last day opening at `last_day`."""
    wiggle = price * (1 + 0.01 * np.sin(np.arange(days, dtype=np.float64)))
    first = last_day - (days - 1) * DAY_MS
    return from_closes(wiggle, start_ms=first, step=DAY_MS, wick=0.01, turnover=turnover)


def test_each_filter_on_a_hand_made_universe() -> None:
    last = parse_time("2026-01-04")
    universe = {
        "BTCUSDT": _flat_days(40, last, 90_000.0, 5e9),
        "USDCUSDT": _flat_days(40, last, 1.0, 9e9),
        "1000PEPEUSDT": _flat_days(40, last, 0.01, 2e8),
        "BTCPERP": _flat_days(40, last, 90_000.0, 5e9),
        "NEWUSDT": _flat_days(20, last, 3.0, 5e8),
        "GONEUSDT": _flat_days(40, last - 3 * DAY_MS, 3.0, 5e8),
        "THINUSDT": _flat_days(40, last, 3.0, 10_000_000.0),
    }
    ranking = rank_universe(universe, last + DAY_MS)
    assert {r.symbol for r in ranking.ranked} == {"BTCUSDT", "1000PEPEUSDT"}
    reasons = {e.symbol: e.reason for e in ranking.excluded}
    assert reasons["USDCUSDT"] == "stablecoin"
    assert reasons["BTCPERP"] == "not a USDT perpetual"
    assert reasons["NEWUSDT"] == "fewer than 31 consecutive days of history"
    assert reasons["GONEUSDT"] == "no candle for the last day (not trading)"
    assert "<= 10,000,000" in reasons["THINUSDT"]  # the threshold is "more than 10 M"


@pytest.mark.parametrize(
    ("symbol", "base"),
    [("1000PEPEUSDT", "PEPE"), ("SHIB1000USDT", "SHIB"), ("1INCHUSDT", "1INCH"),
     ("USDEUSDT", "USDE"), ("BTCUSDC", None), ("BTC-26DEC25", None)],
)  # fmt: skip
def test_base_coin(symbol: str, base: str | None) -> None:
    assert base_coin(symbol) == base
