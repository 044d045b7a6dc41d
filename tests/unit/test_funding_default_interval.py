"""One assumed funding interval (8 h) wherever the instrument's own is unknown."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from algotrading.domain.funding import DEFAULT_FUNDING_INTERVAL_H
from algotrading.domain.intervals import HOUR_MS
from algotrading.domain.series import FundingHistory
from algotrading.execution.inputs import CloseMarketData

T0 = 1_759_276_800_000  # 2025-10-01 00:00 UTC, a settlement


class NoInterval:
    """An exchange whose instrument info lacks the funding interval; one settlement at T0."""

    def __init__(self) -> None:
        self.reads = 0

    def get_symbol_info(self, symbol: str) -> Any:
        return SimpleNamespace(funding_interval_hours=None)

    def get_funding_rate_history(self, symbol: str, **_: Any) -> FundingHistory:
        self.reads += 1
        return FundingHistory(np.array([T0], dtype=np.int64), np.array([0.0001]))


def test_the_default_is_eight_hours() -> None:
    assert DEFAULT_FUNDING_INTERVAL_H == 8


def test_unknown_interval_waits_eight_hours_before_asking_again() -> None:
    exchange = NoInterval()
    data = CloseMarketData(exchange)  # type: ignore[arg-type]
    data.funding("BTCUSDT", T0, 24 * HOUR_MS)
    data.funding("BTCUSDT", T0 + 2 * HOUR_MS, 24 * HOUR_MS)  # 1 h was assumed here before
    data.funding("BTCUSDT", T0 + 7 * HOUR_MS, 24 * HOUR_MS)
    assert exchange.reads == 1
    data.funding("BTCUSDT", T0 + 8 * HOUR_MS, 24 * HOUR_MS)  # the next settlement can be in
    assert exchange.reads == 2
