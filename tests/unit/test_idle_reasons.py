"""Idle reasons in the single-strategy engine, on hand-made bars: a symbol without its
timeframe is left out with the reason and the others run; a symbol that never signals runs
with no trades and says why; the reasons' line and JSON forms; which strategies need open
interest."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from backtest_support import ScriptedStrategy, hourly

from algotrading.backtest import (
    BacktestConfig,
    BacktestInputError,
    BacktestSizing,
    SizingMode,
    simulate,
)
from algotrading.backtest.idle import IdleCode, IdleReason, idle_lines, needs_open_interest
from algotrading.strategies.base import MarketHistory, PositionPolicy, SignalFrame
from algotrading.strategies.registry import get_strategy

FLAT = (100.0, 101.0, 99.0, 100.0)
CONFIG = BacktestConfig("scripted", sizing=BacktestSizing(SizingMode.UNITS, units=1.0))


class Quiet(ScriptedStrategy):
    """The scripted entries on every symbol but QUIETUSDT, which never signals."""

    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        frame = super().symbol_signals(history)
        if history.symbol != "QUIETUSDT":
            return frame
        none = np.zeros(len(frame), dtype=bool)
        return dataclasses.replace(frame, entry_long=none, entry_short=none)


def _history(symbol: str, bars: int) -> MarketHistory:
    return MarketHistory(symbol, {ScriptedStrategy.timeframes[0]: hourly([FLAT] * bars)})


def test_a_symbol_without_its_timeframe_is_idle_and_the_others_run() -> None:
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1], exit_long=[3])
    histories = {"AAAUSDT": _history("AAAUSDT", 8), "NONEUSDT": _history("NONEUSDT", 0)}
    result = simulate(strategy, histories, CONFIG)
    assert result.symbols == ("AAAUSDT",) and len(result.trade_rows()) == 1
    assert [(r.symbol, r.code, r.interval) for r in result.idle] == [
        ("NONEUSDT", IdleCode.MISSING_TIMEFRAME, "1h")]  # fmt: skip
    assert (
        result.to_json()["idle"][0]["line"]
        == "scripted idle on NONEUSDT: no 1h candles in the data"
    )


def test_a_symbol_that_never_signals_runs_with_no_trades_and_says_so() -> None:
    strategy = Quiet(PositionPolicy(), entry_long=[1], exit_long=[3])
    histories = {"AAAUSDT": _history("AAAUSDT", 8), "QUIETUSDT": _history("QUIETUSDT", 8)}
    result = simulate(strategy, histories, CONFIG)
    assert result.symbols == ("AAAUSDT", "QUIETUSDT")
    assert result.metrics["per_symbol"]["QUIETUSDT"]["trades"] == 0
    (reason,) = result.idle
    assert (reason.symbol, reason.code) == ("QUIETUSDT", IdleCode.NO_SIGNAL)


def test_every_symbol_idle_is_one_line_naming_each() -> None:
    strategy = ScriptedStrategy(PositionPolicy(), entry_long=[1])
    histories = {"XUSDT": _history("XUSDT", 0), "YUSDT": _history("YUSDT", 0)}
    with pytest.raises(BacktestInputError) as caught:
        simulate(strategy, histories, CONFIG)
    assert str(caught.value) == (
        "nothing to trade: scripted idle on XUSDT: no 1h candles in the data; "
        "scripted idle on YUSDT: no 1h candles in the data"
    )


def test_the_line_and_json_of_a_reason() -> None:
    reason = IdleReason(
        "carry", "ADAUSDT", IdleCode.NO_OPEN_INTEREST, "no open interest in the data"
    )
    assert reason.line() == "carry idle on ADAUSDT: no open interest in the data"
    assert IdleReason.from_json(reason.to_json()) == reason
    whole = IdleReason("momentum", None, IdleCode.NOT_IN_DATA, "the data has no candles of X")
    assert whole.line() == "momentum idle: the data has no candles of X"


def test_symbols_missing_from_the_data_share_one_line_the_rest_one_each() -> None:
    reasons = [
        IdleReason("trend", "LINKUSDT", IdleCode.NOT_IN_DATA, "not in the data"),
        IdleReason("trend", "ADAUSDT", IdleCode.WARM_UP, "warm-up longer than the data"),
        IdleReason("trend", "DOTUSDT", IdleCode.NOT_IN_DATA, "not in the data"),
    ]
    assert idle_lines(reasons) == [
        "trend idle on LINKUSDT, DOTUSDT: not in the data",
        "trend idle on ADAUSDT: warm-up longer than the data",
    ]


def test_carry_needs_open_interest_unless_its_parameter_waives_it() -> None:
    assert needs_open_interest(get_strategy("carry"))
    assert not needs_open_interest(get_strategy("carry", {"require_open_interest": False}))
    assert not needs_open_interest(get_strategy("trend"))
