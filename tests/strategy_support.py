"""Real-data histories for the strategy tests, and the cuts that model "what was known at T"."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory, OpenInterestSeries
from algotrading.domain.timefmt import parse_time
from algotrading.market.csvfiles import read_table
from algotrading.market.datafiles import DataSet
from algotrading.market.resample import resample
from algotrading.strategies.base import MarketHistory, SignalFrame, Strategy

DERIVS = "bybit_derivs_2021_2025"
OI_HEADER = ("timestamp_ms", "open_interest")


def at(text: str) -> int:
    return parse_time(text)


def load_open_interest(shared_data: Path, symbol: str) -> OpenInterestSeries:
    """The 4h open-interest snapshots of the derivatives set (the data loader has no reader)."""
    path = shared_data / DERIVS / "open_interest" / f"{symbol}_4h.csv.gz"
    times, values = read_table(path, OI_HEADER)
    return OpenInterestSeries(times, values[:, 0].copy())


def trend_history(dataset: DataSet, symbol: str) -> MarketHistory:
    """4H candles and the daily candles built from them (the derivatives set has no 1d file)."""
    c4 = dataset.candles(symbol, Interval.H4)
    daily = resample(c4, Interval.H4, Interval.D1)
    return MarketHistory(symbol, {Interval.H4: c4, Interval.D1: daily})


def known_at(history: MarketHistory, t_ms: int) -> MarketHistory:
    """The history as it stood at t: candles closed by t, settlements and snapshots up to t."""
    candles = {iv: c.between(None, t_ms - iv.ms + 1) for iv, c in history.candles.items()}
    funding = history.funding
    if funding is not None:
        keep = funding.time_ms <= t_ms
        funding = FundingHistory(funding.time_ms[keep], funding.rate[keep])
    oi = history.open_interest
    if oi is not None:
        keep = oi.time_ms <= t_ms
        oi = OpenInterestSeries(oi.time_ms[keep], oi.value[keep])
    return replace(history, candles=candles, funding=funding, open_interest=oi)


def live_window(history: MarketHistory, strategy: Strategy, t_ms: int) -> MarketHistory:
    """What the live executor fetches at t: the longest window's closed candles per timeframe
    (`windows[iv].max_bars`) and the strategy's funding / open-interest look-back."""
    cut = known_at(history, t_ms)
    candles: dict[Interval, Candles] = {}
    for iv, c in cut.candles.items():
        candles[iv] = c.slice(max(0, len(c) - strategy.windows[iv].max_bars))
    funding, oi = cut.funding, cut.open_interest
    if funding is not None:
        keep = funding.time_ms >= t_ms - strategy.funding_history_ms
        funding = FundingHistory(funding.time_ms[keep], funding.rate[keep])
    if oi is not None:
        keep = oi.time_ms >= t_ms - strategy.open_interest_history_ms
        oi = OpenInterestSeries(oi.time_ms[keep], oi.value[keep])
    return replace(cut, candles=candles, funding=funding, open_interest=oi)


def row_at(frame: SignalFrame, text: str) -> int:
    return frame.index_of(at(text))


def frame_arrays(frame: SignalFrame, rows: slice) -> dict[str, np.ndarray]:
    """Every array of a frame (fields, conditions, values) cut to `rows`, for comparisons."""
    out = {
        name: getattr(frame, name)[rows]
        for name in (
            "close_ms", "entry_long", "entry_short", "exit_long", "exit_short",
            "stop_distance", "take_profit_distance", "target_price", "trail_distance", "settled",
        )
    }  # fmt: skip
    for name in ("weight", "time_stop_bars"):
        value = getattr(frame, name)
        if value is not None:
            out[name] = value[rows]
    out.update({f"condition {k}": v[rows] for k, v in frame.conditions.items()})
    out.update({f"value {k}": v[rows] for k, v in frame.values.items()})
    return out
