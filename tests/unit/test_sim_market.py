"""Market replay: only what has happened by the sim time, open candles from finer data."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sim_support import HOUR, MINUTE, write_market

from algotrading.local.bybit_sim.instruments import derive_instrument, instrument_row
from algotrading.local.bybit_sim.market import KLINE_INTERVALS, MarketReplay
from algotrading.market.datafiles import DataSet

START = 1_736_121_600_000  # Monday 2025-01-06 00:00 UTC
BAR = 5 * MINUTE


def replay(tmp_path: Path, count: int = 24 * 12 * 9) -> MarketReplay:
    bars = [(100.0 + i, 100.5 + i, 99.5 + i, 100.25 + i) for i in range(count)]
    return MarketReplay(DataSet([write_market(tmp_path, "TESTUSDT", START, bars)]))


def test_prices_are_known_once_their_bar_has_closed(tmp_path: Path) -> None:
    tape = replay(tmp_path).tapes["TESTUSDT"]
    assert tape.price(START + BAR - 1) is None
    assert tape.price(START + BAR) == 100.25
    assert tape.price(START + 3 * BAR + 1) == 102.25
    assert list(tape.bars_closing(START, START + 3 * BAR)) == [0, 1, 2]


def test_the_open_candle_is_built_from_closed_finer_bars(tmp_path: Path) -> None:
    tape = replay(tmp_path).tapes["TESTUSDT"]
    hour = KLINE_INTERVALS["60"]
    now = HOUR + START + 2 * BAR + 30_000  # 01:10:30 -> bars 12 and 13 closed in this hour
    open_candle = tape.current_candle(hour, now)
    assert open_candle is not None and not open_candle.confirmed
    assert (open_candle.start_ms, open_candle.open, open_candle.high) == (
        START + HOUR,
        112.0,
        113.5,
    )
    assert (open_candle.low, open_candle.close, open_candle.volume) == (111.5, 113.25, 2.0)
    at_start = tape.current_candle(hour, START + HOUR)
    assert at_start is not None and at_start.open == at_start.close == 111.25, "flat at the price"

    rows = tape.klines(hour, now, None, None, 200)
    assert rows is not None and [r.start_ms for r in rows] == [START + HOUR, START]
    assert rows[1].confirmed and rows[1].high == 111.5 and rows[1].close == 111.25


def test_paging_and_filters(tmp_path: Path) -> None:
    tape = replay(tmp_path).tapes["TESTUSDT"]
    fifteen = KLINE_INTERVALS["15"]
    now = START + 10 * HOUR
    newest = tape.klines(fifteen, now, None, None, 3)
    assert newest is not None and [r.start_ms for r in newest] == [
        now - 15 * MINUTE * i for i in range(3)
    ]
    forward = tape.klines(fifteen, now, START, None, 2)
    assert forward is not None and [r.start_ms for r in forward] == [START + 15 * MINUTE, START]
    future = tape.klines(fifteen, now, now + HOUR, None, 5)
    assert future == [], "nothing after the sim time"
    between = tape.closed_between(fifteen, START, START + HOUR, cap=2)
    assert [c.start_ms for c in between] == [START + 30 * MINUTE, START + 45 * MINUTE]


def test_weekly_candles_open_on_monday(tmp_path: Path) -> None:
    tape = replay(tmp_path).tapes["TESTUSDT"]
    week = KLINE_INTERVALS["W"]
    assert week.start_of(START + 3 * 24 * HOUR) == START
    rows = tape.klines(week, START + 8 * 24 * HOUR, None, None, 10)
    assert rows is not None and [r.start_ms for r in rows] == [START + 7 * 24 * HOUR, START]


def test_default_start_is_a_warm_up_after_the_common_start(tmp_path: Path) -> None:
    market = replay(tmp_path)
    assert market.default_start(2 * 24 * HOUR) == START + 2 * 24 * HOUR
    assert market.default_start(365 * 24 * HOUR) == market.end_ms(), "never past the data"


def test_instrument_filters_follow_the_price_level(tmp_path: Path) -> None:
    bars = [(110_000.0, 110_100.0, 109_900.0, 110_050.0)] * 12
    market = MarketReplay(DataSet([write_market(tmp_path, "BTCUSDT", START, bars)]))
    info = derive_instrument(market.tapes["BTCUSDT"])
    assert (info.tick, info.qty_step, info.max_leverage) == (
        Decimal("0.1"),
        Decimal("0.0001"),
        Decimal(100),
    )
    row = instrument_row(info)
    assert row["priceFilter"]["tickSize"] == "0.1" and row["fundingInterval"] == 480
    assert row["lotSizeFilter"]["minNotionalValue"] == "5"
