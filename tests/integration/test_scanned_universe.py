"""The executor's scanned universes on the simulator (which serves the data set's symbols as
instruments, daily klines and funding): momentum's comes from the turnover scan, carry's from
the funding extremes, an account's explicit list wins. Expected members are worked out from the
data files directly (sim_support.csv_rows), not through the code under test."""

from __future__ import annotations

from sim_support import BUNDLED, HOUR, KEY, SECRET, csv_rows, running_sim

from algotrading.db.strategy_configs import StrategyConfig
from algotrading.domain.credentials import ApiCredentials
from algotrading.exchange.factory import open_bybit
from algotrading.execution.inputs import CloseMarketData
from algotrading.execution.universe import wanted_symbols
from algotrading.strategies import get_strategy

DAY = 24 * HOUR
SCAN = 1_767_571_200_000  # Monday 2026-01-05 00:00 UTC: momentum's and carry's scan
CLOSE = SCAN + 6 * HOUR  # an evaluation later that day: the scans in force are SCAN's
SYMBOLS = ("AAVEUSDT", "ADAUSDT", "APEUSDT", "AVAXUSDT", "BNBUSDT", "BTCUSDT", "ETHUSDT",
           "SOLUSDT")  # fmt: skip


def _turnover_14d(symbol: str) -> float:
    rows = csv_rows(BUNDLED / "klines" / f"{symbol}_1d.csv.gz")
    days = [SCAN - k * DAY for k in range(1, 15)]  # the 14 daily candles closed by the scan
    return sum(float(rows[d][5]) for d in days) / 14


def _funding_week(symbol: str) -> float:
    rows = csv_rows(BUNDLED / "funding" / f"{symbol}.csv.gz")
    end = SCAN - 5 * 60_000
    week = [float(r[0]) for t, r in rows.items() if end - 7 * DAY < t <= end]
    assert len(week) == 21  # 8h settlements: no rescaling to 8h needed
    return abs(sum(week) / len(week))


def test_scans_pick_liquid_symbols_and_funding_extremes() -> None:
    turnover = {s: _turnover_14d(s) for s in SYMBOLS}
    low, second = sorted(turnover.values())[:2]
    threshold = (low + second) / 2  # the least traded symbol falls below it
    left_out = min(turnover, key=turnover.__getitem__)
    liquid = [s for s in SYMBOLS if turnover[s] > 10_000_000]  # carry's pool: > 10 M USD
    assert "APEUSDT" not in liquid  # it pays the third most extreme funding, but is illiquid
    extremes = sorted(liquid, key=lambda s: -_funding_week(s))[:3]
    momentum = get_strategy("momentum", {"min_avg_turnover": threshold})
    carry = get_strategy("carry", {"universe_size": 3})
    with running_sim(dirs=(BUNDLED,), symbols=SYMBOLS, start_ms=CLOSE) as sim:
        exchange = open_bybit(sim.rest_url, ApiCredentials(KEY, SECRET))
        market = CloseMarketData(exchange)
        active = market.active_symbols(CLOSE)
        assert active == list(SYMBOLS)
        got = wanted_symbols(market, momentum, StrategyConfig("momentum"), active, CLOSE)
        assert got == sorted(s for s in SYMBOLS if s != left_out)
        funded = wanted_symbols(market, carry, StrategyConfig("carry"), active, CLOSE)
        assert funded == sorted(extremes)
        requests = market.requests
        again = wanted_symbols(market, carry, StrategyConfig("carry"), active, CLOSE + HOUR)
        assert again == funded and market.requests == requests  # kept until the next scan
        listed = StrategyConfig("momentum", symbols=("ETHUSDT", "APEUSDT"))
        assert wanted_symbols(market, momentum, listed, active, CLOSE) == ["ETHUSDT", "APEUSDT"]
