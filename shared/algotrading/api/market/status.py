"""The trend and scalper status tables (reference Step 8.2): per symbol, the strategy's
indicator values and each condition it checks, on the last bar closed by `as_of`.

Computed by the strategy itself: its `symbol_signals` over the candles a live evaluation would
give it (its warm-up window plus the executor's extra bars, closed by `as_of`), read with
`SignalFrame.explain`, the same reading the executor stores with every signal. No indicator is
computed a second way here.
"""

from __future__ import annotations

from typing import Any, Literal

from algotrading.api.errors import bad_request
from algotrading.api.market.data import MarketData
from algotrading.api.market.series import finite
from algotrading.api.schemas.market import StatusRow, StrategyStatusOut
from algotrading.backtest.data import symbols_in_data
from algotrading.domain.timefmt import ms_to_iso
from algotrading.execution.inputs import EXTRA_BARS
from algotrading.strategies.base import MarketHistory, PerSymbolStrategy, SignalFrame, Strategy
from algotrading.strategies.registry import get_strategy


def _history(market: MarketData, strategy: Strategy[Any], symbol: str, as_of: int) -> MarketHistory:
    """The candles of each timeframe closed by `as_of`, as many as a live evaluation reads."""
    candles = {
        iv: market.candles.get_candles(
            symbol, iv, limit=strategy.windows[iv].max_bars + EXTRA_BARS, end_ms=as_of - iv.ms
        )
        for iv in strategy.timeframes
    }
    return MarketHistory(symbol, candles)


def _row(strategy: PerSymbolStrategy[Any], history: MarketHistory) -> tuple[StatusRow, SignalFrame]:
    frame = strategy.symbol_signals(history)
    if not len(frame.close_ms):
        return StatusRow(symbol=history.symbol, note="no closed bar by as_of"), frame
    explained = frame.explain(-1)
    last = frame.row(-1)
    row = StatusRow(
        symbol=history.symbol, bar_close=ms_to_iso(last.close_ms), settled=explained["settled"],
        entry_long=last.entry_long, entry_short=last.entry_short,
        exit_long=last.exit_long, exit_short=last.exit_short,
        conditions=explained["conditions"],
        values={k: finite(v) for k, v in explained["values"].items()},
    )  # fmt: skip
    return row, frame


def strategy_status(
    market: MarketData, name: Literal["trend", "scalper"], as_of_ms: int | None
) -> StrategyStatusOut:
    """One row per default symbol of the strategy that the data has; a symbol whose data the
    strategy cannot read gets a row with the reason."""
    strategy = get_strategy(name)
    assert isinstance(strategy, PerSymbolStrategy)  # trend and scalper decide per symbol
    end = market.daily_end_ms()
    if as_of_ms is not None and as_of_ms > end:
        raise bad_request(f"as_of is after the end of the data ({ms_to_iso(end)})", "as_of")
    at = end if as_of_ms is None else as_of_ms
    rows: list[StatusRow] = []
    groups: dict[str, list[str]] = {}
    for symbol in symbols_in_data(strategy.default_symbols, market.dataset):
        try:
            row, frame = _row(strategy, _history(market, strategy, symbol, at))
        except ValueError as exc:
            row = StatusRow(symbol=symbol, note=str(exc))
        else:
            groups = groups or {
                "long_entry": list(frame.long_entry), "short_entry": list(frame.short_entry),
                "long_exit": list(frame.long_exit), "short_exit": list(frame.short_exit),
            }  # fmt: skip
        rows.append(row)
    return StrategyStatusOut(
        strategy=name, as_of=ms_to_iso(at), interval=strategy.timeframes[0], rows=rows, **groups
    )
