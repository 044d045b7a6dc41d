"""What `/api/trading` reads and does: the account's trades and orders from the database, its
positions and balance from its own exchange client, and the hand-made close, level change and
cancel through the executor (`execution.manual`), each audited with the signed-in user.

An exchange that refuses (or cannot be reached) answers 409 with the exchange's reason: the
request was understood, the market or the exchange's state did not allow it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any, TypeVar

import psycopg

from algotrading.api.deps import AccountScope
from algotrading.api.errors import bad_request, conflict, not_found
from algotrading.api.schemas.trading import (
    BalanceOut,
    OrderOut,
    PositionOut,
    TradeCreate,
    TradeDetail,
    TradeFilter,
    TradeOut,
)
from algotrading.db import trades as trades_db
from algotrading.db.audit import OperatorAction, record_action
from algotrading.db.orders import OrderRow, trade_orders
from algotrading.domain.positions import PositionSide
from algotrading.errors import AppError
from algotrading.exchange.errors import ExchangeError
from algotrading.execution.manual import ManualNotFound, ManualRefused
from algotrading.execution.manual_entry import ManualEntry, ManualInvalid
from algotrading.execution.runtime import Runtime
from algotrading.jobs.runtimes import exchange_of
from algotrading.settings import Settings

T = TypeVar("T")
_STATUSES = {TradeFilter.OPEN: ("pending", "open"), TradeFilter.CLOSED: ("closed",)}


def trade_out(trade: trades_db.Trade) -> TradeOut:
    fields = {name: getattr(trade, name) for name in TradeOut.model_fields if name != "net_pnl"}
    fields |= {"side": str(trade.side), "status": str(trade.status), "net_pnl": trade.net_pnl}
    fields["exit_reason"] = None if trade.exit_reason is None else str(trade.exit_reason)
    return TradeOut(**fields)


def order_out(row: OrderRow) -> OrderOut:
    fields = {name: getattr(row, name) for name in OrderOut.model_fields}
    return OrderOut(**fields | {"purpose": str(row.purpose)})


def trades(
    conn: psycopg.Connection, account_id: int, status: TradeFilter | None,
    strategy: str | None, symbol: str | None, limit: int, offset: int,
) -> tuple[list[TradeOut], int]:  # fmt: skip
    found, total = trades_db.page_trades(
        conn, account_id, statuses=None if status is None else _STATUSES[status],
        strategy=strategy, symbol=symbol, limit=limit, offset=offset,
    )  # fmt: skip
    return [trade_out(t) for t in found], total


def trade(conn: psycopg.Connection, account_id: int, trade_id: int) -> TradeDetail:
    try:
        found = trades_db.get_trade(conn, account_id, trade_id)
    except LookupError:
        raise not_found(f"trade {trade_id} does not exist") from None
    orders = [order_out(o) for o in trade_orders(conn, trade_id)]
    return TradeDetail(**trade_out(found).model_dump(), orders=orders)


def at_exchange(call: Callable[[], T]) -> T:
    """The exchange's refusal or absence as a 409 naming the reason."""
    try:
        return call()
    except ManualNotFound as exc:
        raise not_found(str(exc)) from None
    except ManualInvalid as exc:
        raise bad_request(str(exc), exc.field) from None
    except (ManualRefused, ExchangeError) as exc:
        raise conflict(str(exc)) from None
    except AppError as exc:  # no keys stored, inactive account: the account cannot trade
        raise conflict(str(exc)) from None


def entry_of(body: TradeCreate) -> ManualEntry:
    return ManualEntry(
        strategy=body.strategy.value, symbol=body.symbol, side=PositionSide(body.side.value),
        stop_loss=body.stop_loss, take_profit=body.take_profit, qty=body.qty,
        risk_pct=body.risk_pct, leverage=body.leverage,
    )  # fmt: skip


def positions(
    conn: psycopg.Connection, scope: AccountScope, runtime: Runtime, settings: Settings
) -> list[PositionOut]:
    exchange = at_exchange(lambda: exchange_of(conn, scope.account, runtime, settings))
    found = at_exchange(exchange.get_positions)
    return [PositionOut(**asdict(p) | {"side": str(p.side)}) for p in found]


def balance(
    conn: psycopg.Connection, scope: AccountScope, runtime: Runtime, settings: Settings
) -> BalanceOut:
    exchange = at_exchange(lambda: exchange_of(conn, scope.account, runtime, settings))
    coins = at_exchange(exchange.get_balances)
    total = at_exchange(exchange.get_total_equity)
    return BalanceOut(total_equity=total, coins=[asdict(c) for c in coins])


def audit(
    conn: psycopg.Connection, scope: AccountScope, action: OperatorAction, target: str,
    reason: str | None, detail: dict[str, Any],
) -> None:  # fmt: skip
    record_action(
        conn, scope.account_id, action, target, actor=scope.principal.actor, reason=reason,
        detail=detail, user_id=scope.principal.user.id,
    )  # fmt: skip
