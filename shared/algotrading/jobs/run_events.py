"""The live events of one account's run, built from what the run returned (its ledger report)
and from the rows it wrote (the breaker alerts stored at the snapshot time).

Nothing is computed a second time: a signal is the stored decision, an opened or closed trade
is the trade row as booked, an equity update is the snapshot row just inserted. Each event's
dedupe key is (type, account, scheduled time, item), so a job delivered twice, or an account
redone after a crash, publishes every event once (`live_events.dedupe_key` is unique).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

import psycopg

from algotrading.db.alerts import breaker_alerts_at
from algotrading.db.funding_rates import load_funding_history
from algotrading.domain.alerts import AlertKind
from algotrading.domain.live_events import LiveEvent, LiveEventType
from algotrading.domain.scopes import PORTFOLIO
from algotrading.execution import RunResult

_SNAPSHOT_FIGURES = ("equity", "real_drawdown_pct", "breaker_drawdown_pct", "breaker_state")


def event(
    kind: LiveEventType, account_id: int | None, time_ms: int, item: str, data: Mapping[str, Any]
) -> LiveEvent:
    """One event keyed by (type, account, scheduled time, item): `item` names what it is about
    (a signal's strategy, symbol and action; a trade's id; a breaker's scope)."""
    account = "all" if account_id is None else str(account_id)
    key = f"{kind.value}:{account}:{time_ms}:{item}"
    return LiveEvent(kind, account_id, time_ms, data, key)


def evaluation_events(result: RunResult, *, weekly: bool = False) -> list[LiveEvent]:
    """Signals stored at this close, trades opened and closed by it, and (weekly) the ranking."""
    report, account, at = result.report, result.account_id, result.time_ms
    events = [
        event(LiveEventType.SIGNAL, account, at, f"{s['strategy']}:{s['symbol']}:{s['action']}",
              _pick(s, ("strategy", "symbol", "action", "decision", "reason", "bar_interval",
                        "bar_close_ms", "price", "stop_loss", "take_profit", "qty")))
        for s in report.get("signals", [])
    ]  # fmt: skip
    events += [
        event(LiveEventType.POSITION_OPENED, account, at, str(t["id"]), _trade(t))
        for t in report.get("opened", [])
    ]
    events += [
        event(LiveEventType.POSITION_CLOSED, account, at, str(t["id"]), _closed(t))
        for t in report.get("closed", [])
    ]
    if weekly:
        events += ranking_events(result)
    return events


def ranking_events(result: RunResult) -> list[LiveEvent]:
    """The weight-sized strategies' baskets of this rebalance: the scanned universe (in the
    scan's order), each member's weight, the members that could not be entered and why."""
    report = result.report
    events = []
    for strategy, basket in sorted(report.get("baskets", {}).items()):
        data = {"strategy": strategy, "universe": report.get("universe", {}).get(strategy, [])}
        data |= _pick(basket, ("members", "blocked", "weights", "idle_share"))
        events.append(
            event(LiveEventType.RANKING_UPDATE, result.account_id, result.time_ms, strategy, data)
        )
    return events


def _pick(row: Mapping[str, Any], names: Iterable[str]) -> dict[str, Any]:
    return {n: row.get(n) for n in names}


def _trade(t: Mapping[str, Any]) -> dict[str, Any]:
    return {"trade_id": t["id"]} | _pick(
        t, ("strategy", "symbol", "side", "qty", "entry_price", "stop_loss", "take_profit",
            "is_shadow", "opened_ms")
    )  # fmt: skip


def _closed(t: Mapping[str, Any]) -> dict[str, Any]:
    """The closed trade as booked; `net_pnl` is `Trade.net_pnl` (realized - fees + funding)."""
    net = Decimal(t["realized_pnl"]) - Decimal(t["fees"]) + Decimal(t["funding"])
    return _trade(t) | _pick(
        t, ("exit_price", "realized_pnl", "fees", "funding", "exit_reason", "closed_ms")
    ) | {"net_pnl": net}  # fmt: skip


def snapshot_events(conn: psycopg.Connection, result: RunResult) -> list[LiveEvent]:
    """The equity update from the snapshot rows just stored, and the breaker transitions of
    this snapshot as their stored alerts say (`portfolio.breaker_alerts`)."""
    rows = result.report.get("rows") or []
    account, at = result.account_id, result.time_ms
    events = []
    portfolio = [r for r in rows if r["scope"] == PORTFOLIO]
    if portfolio:
        data = _pick(portfolio[0], _SNAPSHOT_FIGURES) | {
            "strategies": {
                r["scope"]: _pick(r, _SNAPSHOT_FIGURES) for r in rows if r["scope"] != PORTFOLIO
            }
        }
        events.append(event(LiveEventType.EQUITY_UPDATE, account, at, PORTFOLIO, data))
    for alert in breaker_alerts_at(conn, account, at):
        details = dict(alert.event.details) | {"message": alert.event.message}
        events += _breaker_events(account, at, alert.event.kind, details)
    return events


def _breaker_events(
    account: int, at: int, kind: AlertKind, details: dict[str, Any]
) -> list[LiveEvent]:
    scope = str(details.get("scope"))
    item = f"{scope}:{details.get('transition')}"
    if kind == AlertKind.DRAWDOWN_WARNING:
        return [event(LiveEventType.DRAWDOWN_ALERT, account, at, item, details)]
    events = [event(LiveEventType.CIRCUIT_BREAKER, account, at, item, details)]
    if scope != PORTFOLIO:
        change = {"strategy": scope, "from": details.get("from"), "to": details.get("to"),
                  "transition": details.get("transition")}  # fmt: skip
        events.append(event(LiveEventType.STATE_CHANGE, account, at, item, change))
    return events


def funding_events(
    conn: psycopg.Connection, time_ms: int, symbols: Iterable[str], since_ms: int
) -> list[LiveEvent]:
    """Account-less: each polled symbol's settlements in (since, time] as `funding_rates` now
    holds them (what this poll recorded, or a poll before it), the last one first-class."""
    events = []
    for symbol in symbols:
        history = load_funding_history(conn, symbol, since_ms + 1, time_ms)
        if not len(history.time_ms):
            continue
        rates = [{"time_ms": int(t), "rate": f"{Decimal(repr(float(r))):f}"}
                 for t, r in zip(history.time_ms, history.rate, strict=True)]  # fmt: skip
        data = {"symbol": symbol, "rate": rates[-1]["rate"],
                "funding_time_ms": rates[-1]["time_ms"], "settlements": rates}  # fmt: skip
        events.append(event(LiveEventType.FUNDING_RATE_UPDATE, None, time_ms, symbol, data))
    return events
