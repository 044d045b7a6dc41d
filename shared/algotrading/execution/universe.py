"""The symbols a strategy trades at a close: the account's explicit list, or the scan.

`account_strategy_configs.symbols` set: exactly those (an account's explicit choice). Otherwise
a strategy whose profile names a scan (momentum, carry) trades that scanned universe
(`market.scan`), fed from the exchange: the trading
USDT perpetuals (instruments), each one's daily candles closed by the scan time, and for carry
the liquid symbols' funding settlements. A scan is taken once per scan time (momentum weekly at
its Monday 00:00 UTC rebalance, carry daily at 00:00 UTC) and kept in `CloseMarketData.scans`, so
the evaluations in between reuse it; the others (trend, the scalper) keep their default lists.
"""

from __future__ import annotations

from typing import Any

from algotrading.db.strategy_configs import StrategyConfig
from algotrading.domain.intervals import DAY_MS, Interval
from algotrading.domain.series import Candles, FundingHistory
from algotrading.exchange.errors import ExchangeRejected
from algotrading.exchange.port import without_open_candle
from algotrading.execution.inputs import CloseMarketData
from algotrading.market.candles import closed_only
from algotrading.market.scan import (
    FUNDING_DAYS,
    FUNDING_LAG_MS,
    Scan,
    carry_candidates,
    carry_universe,
    momentum_universe,
    scan_time,
)
from algotrading.strategies.base import Strategy
from algotrading.strategies.registry import profile_of

D1 = Interval.D1
FUNDING_PAGE = 200


def wanted_symbols(
    market: CloseMarketData,
    strategy: Strategy[Any],
    config: StrategyConfig,
    active: list[str],
    close_ms: int,
) -> list[str]:
    """The strategy's symbols at `close_ms` (module docstring)."""
    if config.symbols:
        return list(config.symbols)
    if profile_of(strategy.id).universe is None:
        return list(strategy.default_symbols)
    return scanned(market, strategy, active, close_ms)


def scanned(
    market: CloseMarketData, strategy: Strategy[Any], active: list[str], close_ms: int
) -> list[str]:
    """The scan in force at `close_ms`, taken on first use and kept for its scan time."""
    at = scan_time(_scan_of(strategy), close_ms)
    key = (strategy.id, at, strategy.params.model_dump_json())
    if key not in market.scans:
        market.scans = {k: v for k, v in market.scans.items() if k[0] != strategy.id}
        market.scans[key] = _scan(market, strategy, active, at)
    return list(market.scans[key])


def _scan(
    market: CloseMarketData, strategy: Strategy[Any], active: list[str], at: int
) -> list[str]:
    cfg = strategy.universe_config
    fetched = {s: _daily(market, s, at, cfg.history_days) for s in active}
    daily = {s: c for s, c in fetched.items() if c is not None and len(c)}
    if _scan_of(strategy) is Scan.TURNOVER:
        return momentum_universe(daily, at, cfg)
    funding = {s: _funding(market, s, at) for s in carry_candidates(daily, at, cfg)}
    return carry_universe(funding, at, cfg.size)


def _scan_of(strategy: Strategy[Any]) -> Scan:
    scan = profile_of(strategy.id).universe
    if scan is None:
        raise ValueError(f"{strategy.id} has no scanned universe")
    return scan


def _daily(market: CloseMarketData, symbol: str, at: int, days: int) -> Candles | None:
    """The daily candles closed by the scan; None when the exchange refuses the symbol."""
    market.requests += 1
    try:
        raw = market.exchange.get_candles(symbol, D1, end_ms=at, limit=days + 1)
    except ExchangeRejected:
        return None
    return closed_only(without_open_candle(raw), D1, at)


def _funding(market: CloseMarketData, symbol: str, at: int) -> FundingHistory:
    """The settlements the carry scan reads: the week before the scan, less the lag."""
    market.requests += 1
    end = at - FUNDING_LAG_MS
    return market.exchange.get_funding_rate_history(
        symbol, start_ms=end - FUNDING_DAYS * DAY_MS, end_ms=end, limit=FUNDING_PAGE
    )
