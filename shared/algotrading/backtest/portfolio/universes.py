"""Which symbols a strategy may enter at a signal time: the backtest side of
`execution.universe`.

An explicit symbol list (`{"carry": {"symbols": [...]}}`, the account's choice) is constant.
A funding-scanned strategy (carry) without one trades its scanned universe: at each daily scan
(`market.scan.scan_time`) the liquid symbols of the data set, ranked with the same
`rank_universe` on the same daily candles and the same funding settlements as live; its units
compute every data symbol's candidates and a candidate whose symbol is outside the scan in force
at its signal time is dropped (live never decides on it). A turnover-scanned universe
(momentum's) needs no filter: the strategy ranks every symbol of its universe data at each
rebalance, and its baskets come from the top 30 by turnover, exactly the live scan's symbols.
Strategies with fixed symbols run their lists. Which strategy is which: its profile.
"""

from __future__ import annotations

from collections.abc import Sequence

from algotrading.backtest.portfolio.book import Candidate
from algotrading.backtest.portfolio.config import PortfolioBacktestConfig
from algotrading.domain.series import Candles, FundingHistory
from algotrading.errors import DataFileError
from algotrading.market.datafiles import DataSet
from algotrading.market.scan import Scan, carry_candidates, carry_universe, scan_time
from algotrading.market.universe import UniverseConfig, daily_candles
from algotrading.strategies.registry import get_strategy, profile_of, sleeve_ids


class Membership:
    """The symbols each strategy may enter, as of a signal time (module docstring)."""

    def __init__(self, config: PortfolioBacktestConfig) -> None:
        self.explicit: dict[str, set[str]] = {}
        self.funding_scans: dict[str, UniverseConfig] = {}
        for strategy in sleeve_ids():
            listed = config.spec(strategy).get("symbols")
            if listed:
                self.explicit[strategy] = set(listed)
            elif config.enabled(strategy) and profile_of(strategy).universe is Scan.FUNDING:
                instance = get_strategy(strategy, config.spec(strategy).get("params"))
                self.funding_scans[strategy] = instance.universe_config
        self.data = DataSet(list(config.data_dirs))
        self._daily: dict[str, Candles] | None = None
        self._funding: dict[str, FundingHistory | None] = {}
        self.scans: dict[tuple[str, int], list[str]] = {}

    def allows(self, strategy: str, symbol: str, signal_ms: int) -> bool:
        if strategy in self.explicit:
            return symbol in self.explicit[strategy]
        if strategy in self.funding_scans:
            return symbol in self.funding_scan(strategy, scan_time(Scan.FUNDING, signal_ms))
        return True

    def funding_scan(self, strategy: str, at: int) -> list[str]:
        """The strategy's funding-scanned universe at `at`, from the data set (kept per scan)."""
        if (strategy, at) not in self.scans:
            if self._daily is None:
                self._daily = daily_candles(self.data)
            cfg = self.funding_scans[strategy]
            pool = carry_candidates(self._daily, at, cfg)
            funding = {s: h for s in pool if (h := self._history(s)) is not None}
            self.scans[strategy, at] = carry_universe(funding, at, cfg.size)
        return self.scans[strategy, at]

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

    def summary(self) -> dict[str, dict[str, list[str]]]:
        """The funding scans used, per strategy and scan time."""
        out: dict[str, dict[str, list[str]]] = {}
        for (strategy, at), symbols in sorted(self.scans.items()):
            out.setdefault(strategy, {})[str(at)] = symbols
        return out
