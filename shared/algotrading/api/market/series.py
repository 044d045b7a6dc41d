"""Funding and open-interest history of one symbol, paged by time like candles: the last
`limit` points in [start_ms, end_ms], so `end` = the first time shown pages to older data."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from algotrading.api.errors import bad_request
from algotrading.api.market.data import MarketData
from algotrading.api.schemas.market import FundingSettlement, OpenInterestPoint
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import DataFileError


def finite(value: float | None) -> float | None:
    """A float the JSON answer can carry: NaN and infinity are null."""
    return None if value is None or not math.isfinite(value) else value


def _window(
    times: npt.NDArray[np.int64], start_ms: int | None, end_ms: int | None, limit: int
) -> slice:
    if start_ms is not None and end_ms is not None and start_ms > end_ms:
        raise bad_request("start must not be after end", "start")
    lo = 0 if start_ms is None else int(np.searchsorted(times, start_ms, "left"))
    hi = len(times) if end_ms is None else int(np.searchsorted(times, end_ms, "right"))
    return slice(max(lo, hi - limit), hi)


def funding_history(
    market: MarketData, symbol: str, limit: int, start_ms: int | None, end_ms: int | None
) -> list[FundingSettlement]:
    """Settlements of `symbol` (empty when the data has no funding file for it)."""
    try:
        history = market.dataset.funding(symbol)
    except DataFileError:
        return []
    keep = _window(history.time_ms, start_ms, end_ms, limit)
    return [
        FundingSettlement(time=ms_to_iso(int(t)), time_ms=int(t), rate=float(r))
        for t, r in zip(history.time_ms[keep], history.rate[keep], strict=True)
    ]


def open_interest(
    market: MarketData, symbol: str, limit: int, start_ms: int | None, end_ms: int | None
) -> list[OpenInterestPoint]:
    """Open-interest snapshots of `symbol` at its finest interval (empty when none)."""
    series = market.dataset.open_interest.series(symbol)
    if series is None:
        return []
    keep = _window(series.time_ms, start_ms, end_ms, limit)
    return [
        OpenInterestPoint(time=ms_to_iso(int(t)), time_ms=int(t), open_interest=float(v))
        for t, v in zip(series.time_ms[keep], series.value[keep], strict=True)
    ]
