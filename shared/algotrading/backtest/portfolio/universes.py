"""Which symbols a strategy may enter at a signal time: the backtest side of
`execution.universe`.

An explicit symbol list (`{"carry": {"symbols": [...]}}`, the account's choice) is constant.
Carry without one trades its scanned universe: at each daily scan (`market.scan.scan_time`) the
liquid symbols of the data set, ranked with the same `rank_universe` on the same daily candles
and the same funding settlements as live; its units compute every data symbol's candidates and
a candidate whose symbol is outside the scan in force at its signal time is dropped (live never
decides on it). Momentum's scanned universe needs no filter: the strategy ranks every symbol of
its universe data at each rebalance, and its baskets come from the top 30 by turnover, exactly
the live scan's symbols. Trend and the scalper run their lists.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from algotrading.backtest.portfolio.book import Candidate
from algotrading.backtest.portfolio.config import PortfolioConfig
from algotrading.domain.series import Candles, FundingHistory
from algotrading.errors import DataFileError
from algotrading.market.datafiles import DataSet
from algotrading.market.scan import carry_candidates, carry_universe, scan_time
from algotrading.market.universe import UniverseConfig, daily_candles
from algotrading.strategies.registry import get_strategy


class Membership:
    """The symbols each strategy may enter, as of a signal time (module docstring)."""

    def __init__(self, config: PortfolioConfig) -> None:
        self.explicit: dict[str, set[str]] = {}
        for strategy in ("trend", "scalper", "carry", "momentum"):
            listed = config.spec(strategy).get("symbols")
            if listed:
                self.explicit[strategy] = set(listed)
        carry = get_strategy("carry", config.spec("carry").get("params"))
        self.carry_size = int(carry.params.universe_size)
        self.carry_cfg = UniverseConfig(
            min_avg_turnover=carry.params.min_avg_turnover,
            turnover_days=carry.params.turnover_days,
        )
        self.scan_carry = config.enabled("carry") and "carry" not in self.explicit
        self.data = DataSet(list(config.data_dirs))
        self._daily: dict[str, Candles] | None = None
        self._funding: dict[str, FundingHistory | None] = {}
        self.scans: dict[int, list[str]] = {}

    def allows(self, strategy: str, symbol: str, signal_ms: int) -> bool:
        if strategy in self.explicit:
            return symbol in self.explicit[strategy]
        if strategy == "carry" and self.scan_carry:
            return symbol in self.carry_scan(scan_time("carry", signal_ms))
        return True

    def carry_scan(self, at: int) -> list[str]:
        """Carry's universe of the scan at `at`, from the data set (kept per scan)."""
        if at not in self.scans:
            if self._daily is None:
                self._daily = daily_candles(self.data)
            pool = carry_candidates(self._daily, at, self.carry_cfg)
            funding = {s: h for s in pool if (h := self._history(s)) is not None}
            self.scans[at] = carry_universe(funding, at, self.carry_size)
        return self.scans[at]

    def _history(self, symbol: str) -> FundingHistory | None:
        if symbol not in self._funding:
            try:
                self._funding[symbol] = self.data.funding(symbol)
            except DataFileError:
                self._funding[symbol] = None
        return self._funding[symbol]

    def keep(self, candidates: Sequence[Candidate]) -> list[Candidate]:
        """The candidates a live executor would have decided on."""
        return [c for c in candidates if self.allows(c.strategy, c.symbol, int(c.row[0]))]

    def summary(self) -> dict[str, Any]:
        """The carry scans used, for the run's assumptions."""
        return {str(at): symbols for at, symbols in sorted(self.scans.items())}
