"""What one evaluation works with, and what it reports.

`Ctx` bundles the account's configuration, the database connection (autocommit; writes go in
short explicit transactions), the exchange, the market data and the notifier for one
(account, close time). Alerts raised inside a transaction are stored in it and sent only after
it committed (`Ctx.tx`), so an alert never announces something the database does not hold, and
a notifier outage loses nothing (the row stays undelivered).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.db.alerts import insert_alert, mark_delivered
from algotrading.db.portfolio_config import AccountPortfolioConfig
from algotrading.db.signals import SignalRecord, upsert_signals
from algotrading.db.strategy_configs import StrategyConfig
from algotrading.domain.alerts import AlertEvent
from algotrading.domain.breaker import BreakerStatus
from algotrading.domain.intervals import Interval
from algotrading.domain.jsonsafe import json_safe
from algotrading.exchange.port import ExchangeService
from algotrading.exchange.types import ExchangePosition, SymbolInfo
from algotrading.execution.inputs import CloseMarketData
from algotrading.execution.runtime import DEFAULT_FILL_DELAYS_S
from algotrading.logs import get_logger
from algotrading.notify.base import Notifier
from algotrading.strategies.base import Strategy

log = get_logger(__name__)


@dataclass
class Report:
    """Everything an evaluation did, JSON-ready: stored as the ledger's result."""

    strategies: list[str] = field(default_factory=list)
    signals: list[dict[str, Any]] = field(default_factory=list)
    orders: list[dict[str, Any]] = field(default_factory=list)
    opened: list[dict[str, Any]] = field(default_factory=list)
    closed: list[dict[str, Any]] = field(default_factory=list)
    reconciliation: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped_symbols: dict[str, list[str]] = field(default_factory=dict)
    universe: dict[str, list[str]] = field(default_factory=dict)
    """Each scanned strategy's symbols at this close (`execution.universe`)."""
    baskets: dict[str, dict[str, Any]] = field(default_factory=dict)
    """A weight-sized strategy's members, blocked ones and re-spread weights (`basket`)."""
    incomplete: bool = False
    """Something's outcome is unknown (exchange timeout, outage): the run must be redone."""

    def as_dict(self) -> dict[str, Any]:
        safe: dict[str, Any] = json_safe(
            {
                "strategies": self.strategies, "signals": self.signals, "orders": self.orders,
                "opened": self.opened, "closed": self.closed,
                "reconciliation": self.reconciliation, "errors": self.errors,
                "skipped_symbols": self.skipped_symbols, "universe": self.universe,
                "baskets": self.baskets, "incomplete": self.incomplete,
            }
        )  # fmt: skip
        return safe


@dataclass
class Ctx:
    conn: psycopg.Connection
    exchange: ExchangeService
    market: CloseMarketData
    notifier: Notifier
    account_id: int
    close_ms: int
    config: AccountPortfolioConfig
    configs: dict[str, StrategyConfig]
    strategies: dict[str, Strategy[Any]]
    breakers: dict[str, BreakerStatus] = field(default_factory=dict)
    positions: dict[str, ExchangePosition] = field(default_factory=dict)
    fill_delays_s: tuple[float, ...] = DEFAULT_FILL_DELAYS_S
    sleep: Callable[[float], None] | None = None
    report: Report = field(default_factory=Report)
    decisions: list[SignalRecord] = field(default_factory=list)
    """Skip and no-signal decisions, written together at the end of each strategy."""
    _outbox: list[tuple[int, AlertEvent]] = field(default_factory=list)

    @property
    def fee_rate(self) -> Decimal:
        return self.config.limits.fee_rate

    def flush_decisions(self) -> None:
        records, self.decisions = self.decisions, []
        if records:
            with self.tx() as conn:
                upsert_signals(conn, self.account_id, records)

    def late(self, symbol: str, interval: Interval) -> bool:
        """Whether the market is already a whole entry bar past this close."""
        newest = self.market.market_time(symbol, interval, self.close_ms)
        return newest - self.close_ms >= interval.ms

    def info(self, symbol: str) -> SymbolInfo:
        """Instrument rules (the adapter caches them)."""
        return self.exchange.get_symbol_info(symbol)

    @contextmanager
    def tx(self) -> Iterator[psycopg.Connection]:
        """A short transaction; alerts queued inside it are sent after it commits."""
        try:
            with self.conn.transaction():
                yield self.conn
        except BaseException:
            self._outbox.clear()  # their rows were rolled back with the rest
            raise
        self._deliver()

    def alert(self, event: AlertEvent) -> None:
        """Store the event in the current transaction; it is sent once that commits."""
        stored = insert_alert(self.conn, event)
        if stored is not None:
            self._outbox.append((stored, event))

    def _deliver(self) -> None:
        outbox, self._outbox = self._outbox, []
        delivered = [alert_id for alert_id, event in outbox if self.notifier.send(event)]
        if delivered:
            try:
                mark_delivered(self.conn, delivered)
            except psycopg.Error:  # the alert went out; only the bookkeeping is behind
                log.warning("could not mark %d alert(s) delivered", len(delivered))

    def transient(self, message: str) -> None:
        """An exchange failure whose outcome is unknown: reported, and the run is redone."""
        log.warning("account %s: %s", self.account_id, message)
        self.report.errors.append(message)
        self.report.incomplete = True

    def finding(self, kind: str, symbol: str | None, message: str, **details: Any) -> None:
        """A reconciliation finding for the report (the caller raises the alert)."""
        entry = {"kind": kind, "symbol": symbol, "message": message}
        self.report.reconciliation.append(json_safe(entry | details))
