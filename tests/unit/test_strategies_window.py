"""Windows: the grid arithmetic by hand, a row equal to the rule over exactly its window's candles,
and momentum ranking only the rebalances a caller will read."""

from __future__ import annotations

import numpy as np
import pytest

import algotrading.strategies.momentum as momentum_module
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.domain.intervals import Interval
from algotrading.market.datafiles import DataSet
from algotrading.strategies import MarketHistory, get_strategy
from algotrading.strategies.window import Window

H4, D1 = Interval.H4, Interval.D1
DAY = D1.ms


@pytest.mark.parametrize(
    ("last", "first"),
    [
        (1000, 816),  # (1000 - 150 + 1) // 51 = 16 -> 816: 185 candles
        (866, 714),  # 717 // 51 = 14 -> 714: 153 candles
        (1015, 816),  # 866 // 51 = 16 -> 816: 200 candles, the most
        (1016, 867),  # 867 // 51 = 17 -> 867: 150 candles, the fewest
    ],
)
def test_the_window_starts_on_its_grid(last: int, first: int) -> None:
    window = Window(150, 200)
    assert window.block == 51
    close = (last + 1) * H4.ms  # the close of candle number `last`
    assert window.start_ms(H4, close) == first * H4.ms
    assert window.start_ms(H4, close + 60_000) == first * H4.ms  # a time inside the next candle
    assert 150 <= last - first + 1 <= 200


def test_windows_of_the_defaults_hold_at_most_200_candles() -> None:
    for name in ("trend", "scalper", "carry", "momentum"):
        for window in get_strategy(name).windows.values():
            assert window.max_bars == 200 and window.min_bars >= 150


def test_a_row_is_the_rule_over_exactly_its_window() -> None:
    data = DataSet([BUNDLED_DATA_DIR])
    history = MarketHistory(
        "BTCUSDT", {H4: data.candles("BTCUSDT", H4), D1: data.candles("BTCUSDT", D1)}
    )
    strategy = get_strategy("trend")
    frame = strategy.signals({"BTCUSDT": history})["BTCUSDT"]
    for close in (frame.close_ms[-1], frame.close_ms[-300], frame.close_ms[-777]):
        close = int(close)
        # by hand: 4h window 150..200 (block 51), 1d window 166..200 (block 35)
        last4, last1 = close // H4.ms - 1, close // DAY - 1
        first4 = (last4 - 149) // 51 * 51
        first1 = (last1 - 165) // 35 * 35
        candles = {
            H4: history.candles[H4].between(first4 * H4.ms, (last4 + 1) * H4.ms),
            D1: history.candles[D1].between(first1 * DAY, (last1 + 1) * DAY),
        }
        own = strategy.frames({"BTCUSDT": MarketHistory("BTCUSDT", candles)})["BTCUSDT"]
        i = frame.index_of(close)
        assert int(own.close_ms[-1]) == close
        for key, values in frame.values.items():
            np.testing.assert_array_equal(own.values[key][-1], values[i], err_msg=key)
        assert own.entry_long[-1] == frame.entry_long[i]
        assert own.settled[-1] == frame.settled[i]


def test_momentum_ranks_only_the_rebalances_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DataSet([BUNDLED_DATA_DIR])
    histories = {s: MarketHistory(s, {D1: data.candles(s, D1)}) for s in data.symbols()}
    strategy = get_strategy("momentum")
    whole = strategy.signals(histories)
    calls: list[int] = []
    real = momentum_module.rank_universe

    def counting(daily, close_ms, config):  # type: ignore[no-untyped-def]
        calls.append(close_ms)
        return real(daily, close_ms, config)

    monkeypatch.setattr(momentum_module, "rank_universe", counting)
    last = int(whole["BTCUSDT"].close_ms[-1])
    since = last - 12 * DAY
    recent = strategy.signals(histories, since)
    days = [since + k * DAY for k in range(13)]  # the 13 daily closes from `since` to the last
    mondays = [t for t in days if (t // DAY - 4) % 7 == 0]  # 1970-01-05 was a Monday
    assert len(mondays) == 2 and calls == mondays
    for symbol, frame in recent.items():
        i, j = frame.index_of(since), whole[symbol].index_of(since)
        assert np.array_equal(frame.entry_long[i:], whole[symbol].entry_long[j:])
        assert np.array_equal(frame.exit_long[i:], whole[symbol].exit_long[j:])
        assert not frame.conditions["monday_rebalance"][:i].any()
