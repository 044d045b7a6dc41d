"""The two sides of a day's live parity check, read for one account: what it traded, and the
portfolio backtest configured as the account is.

The account's side is shaped as `algo paper replay` reports a run (`trades`, `orders`,
`instruments`), so the comparison is the one proven between a replay and a backtest
(`backtest.parity.compare`). The day is [00:00, next 00:00) UTC by entry time; a trade closed
after the day's last close (the check runs at 00:30) counts as still open at the end of the day,
as the backtest of that day leaves it. The backtest starts flat at the account's portfolio equity
at 00:00 (its last snapshot then, else its starting capital), with the account's strategy
configs and allocation, over the configured data (ALGO_DATA_DIR, else the bundled data): the
units compute their indicators over the whole history before the day (the warm-up), the combine
step trades only the day.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from algotrading.backtest.portfolio import PortfolioBacktestConfig
from algotrading.db.orders import list_orders
from algotrading.db.portfolio_config import load_allocation, load_portfolio_config
from algotrading.db.snapshots import load_snapshots
from algotrading.db.strategy_configs import load_strategy_configs
from algotrading.db.trades import list_trades
from algotrading.domain.scopes import PORTFOLIO
from algotrading.domain.timefmt import ms_to_iso, parse_time
from algotrading.market.datafiles import DataSet
from algotrading.market.instruments import data_filters
from algotrading.settings import Settings
from algotrading.strategies.registry import default_allocation, sleeve_ids

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class ParityDay:
    """The UTC day checked: entries in [start_ms, end_ms); the backtest runs to end_ms."""

    start_ms: int
    end_ms: int

    @classmethod
    def before(cls, time_ms: int) -> ParityDay:
        """The UTC day that ended at the last 00:00 at or before `time_ms`."""
        end = time_ms - time_ms % DAY_MS
        return cls(end - DAY_MS, end)

    @property
    def label(self) -> str:
        return ms_to_iso(self.start_ms)[:10]

    def holds(self, entry_ms: int | None) -> bool:
        return entry_ms is not None and self.start_ms <= entry_ms < self.end_ms


def data_dirs(settings: Settings) -> tuple[str, ...]:
    """The market data the backtest reads: ALGO_DATA_DIR, else (empty) the bundled data."""
    return () if settings.data_dir is None else (str(settings.data_dir),)


def live_side(conn: psycopg.Connection, account_id: int, day: ParityDay) -> dict[str, Any]:
    """The account's trades entered during `day` and their orders, as a replay reports them."""
    trades = []
    for trade in list_trades(conn, account_id):
        if not day.holds(trade.opened_ms):
            continue
        row = trade.as_dict()
        if trade.closed_ms is not None and trade.closed_ms > day.end_ms:
            row |= {"closed_ms": None, "exit_price": None, "exit_reason": None}
        trades.append(row)
    ids = {t["id"] for t in trades}
    orders = [o.as_dict() for o in list_orders(conn, account_id)]
    return {"trades": trades, "orders": [o for o in orders if o["trade_id"] in ids]}


def backtest_side(result: dict[str, Any], day: ParityDay) -> dict[str, Any]:
    """The backtest result (`PortfolioResult.to_json`) with only the trades entered in `day`."""
    trades = [t for t in result["trades"] if day.holds(parse_time(t["entry_time"]))]
    return result | {"trades": trades}


def instruments(dirs: tuple[str, ...], symbols: set[str]) -> dict[str, dict[str, str]]:
    """Each symbol's tick and lot step, as the data's simulator derives them (both sides' prices
    are compared on that tick)."""
    dataset = DataSet(list(dirs)) if dirs else DataSet()
    found = {s: data_filters(dataset, s) for s in sorted(symbols)}
    return {s: {"tick": str(f.tick), "qty_step": str(f.qty_step)} for s, f in found.items()}


def backtest_config(
    conn: psycopg.Connection, account_id: int, day: ParityDay, dirs: tuple[str, ...]
) -> PortfolioBacktestConfig:
    """The day's portfolio backtest, configured as the account is."""
    strategies: dict[str, dict[str, Any]] = {}
    for name, c in load_strategy_configs(conn, account_id, known=sleeve_ids()).items():
        spec: dict[str, Any] = {"enabled": c.enabled}
        if c.params:
            spec["params"] = dict(c.params)
        if c.symbols:
            spec["symbols"] = list(c.symbols)
        strategies[name] = spec
    allocation = load_allocation(conn, account_id, default=default_allocation())
    return PortfolioBacktestConfig(
        data_dirs=dirs, start_ms=day.start_ms, end_ms=day.end_ms,
        capital=float(opening_equity(conn, account_id, day)), strategies=strategies,
        allocation=allocation.as_dict(),
    )  # fmt: skip


def opening_equity(conn: psycopg.Connection, account_id: int, day: ParityDay) -> Any:
    """The portfolio equity at the day's start: its last snapshot at or before 00:00, else the
    account's starting capital (an account that had not traded yet)."""
    before = load_snapshots(conn, account_id, PORTFOLIO, end_ms=day.start_ms)
    if before:
        return before[-1].equity
    config = load_portfolio_config(conn, account_id, default_allocation=default_allocation())
    return config.starting_capital
