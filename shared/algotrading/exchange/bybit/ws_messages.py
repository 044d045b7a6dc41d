"""Bybit V5 WebSocket messages -> standardized events. Pure: no sockets, no clock.

Public `kline.{code}.{symbol}` rows carry `confirm`; only confirmed rows become `CandleClosed`
(the caller dedupes and fills gaps). `tickers.{symbol}` sends a snapshot and then deltas with
only the changed fields, so ticker state is merged here before it is emitted. Private `order`,
`position`, `execution` and `wallet` rows have the REST shapes, so the REST mapper parses them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from algotrading.domain.intervals import Interval
from algotrading.exchange.bybit import mapper
from algotrading.exchange.events import (
    CandleClosed,
    ExecutionEvent,
    OrderUpdate,
    PositionUpdate,
    StreamEvent,
    TickerUpdate,
    WalletUpdate,
)

_INTERVAL_BY_CODE = {mapper.kline_code(i): i for i in Interval}


@dataclass(frozen=True, slots=True)
class KlineRow:
    """One kline row of a message, confirmed or not."""

    candle: CandleClosed
    confirmed: bool


def kline_topic(interval: Interval, symbol: str) -> str:
    return f"kline.{mapper.kline_code(interval)}.{symbol}"


def ticker_topic(symbol: str) -> str:
    return f"tickers.{symbol}"


def parse_klines(message: dict[str, Any]) -> list[KlineRow]:
    """The rows of a `kline.*` message (empty for any other message)."""
    topic = str(message.get("topic", ""))
    parts = topic.split(".")
    if len(parts) != 3 or parts[0] != "kline" or parts[1] not in _INTERVAL_BY_CODE:
        return []
    interval, symbol = _INTERVAL_BY_CODE[parts[1]], parts[2]
    rows = []
    for raw in message.get("data") or []:
        candle = CandleClosed(
            symbol=symbol,
            interval=interval,
            start_ms=mapper.ms(raw["start"]),
            open=float(raw["open"]),
            high=float(raw["high"]),
            low=float(raw["low"]),
            close=float(raw["close"]),
            volume=float(raw.get("volume") or 0),
            turnover=float(raw.get("turnover") or 0),
        )
        rows.append(KlineRow(candle, bool(raw.get("confirm"))))
    return rows


class TickerBook:
    """Merged ticker fields per symbol: deltas only carry what changed."""

    def __init__(self) -> None:
        self._state: dict[str, dict[str, Any]] = {}

    def apply(self, message: dict[str, Any]) -> TickerUpdate | None:
        topic = str(message.get("topic", ""))
        if not topic.startswith("tickers."):
            return None
        data = message.get("data") or {}
        symbol = str(data.get("symbol") or topic.split(".", 1)[1])
        state = {} if message.get("type") == "snapshot" else self._state.get(symbol, {})
        state = {**state, **{k: v for k, v in data.items() if v not in (None, "")}}
        self._state[symbol] = state
        return TickerUpdate(
            symbol=symbol,
            last_price=mapper.opt_dec(state.get("lastPrice")),
            mark_price=mapper.opt_dec(state.get("markPrice")),
            funding_rate=mapper.opt_dec(state.get("fundingRate")),
            next_funding_ms=mapper.ms(state["nextFundingTime"])
            if state.get("nextFundingTime")
            else None,
            time_ms=mapper.ms(message.get("ts") or 0),
        )


def parse_private(account_id: str, message: dict[str, Any]) -> list[StreamEvent]:
    """Order, position, execution and wallet messages of one account's private socket."""
    topic = str(message.get("topic", ""))
    data = message.get("data") or []
    if topic == "order":
        return [OrderUpdate(account_id, mapper.parse_order(raw)) for raw in data]
    if topic == "position":
        return [
            PositionUpdate(account_id, str(raw["symbol"]), mapper.parse_position(raw))
            for raw in data
        ]
    if topic.startswith("execution"):
        return [ExecutionEvent(account_id, mapper.parse_execution(raw)) for raw in data]
    if topic == "wallet":
        return [WalletUpdate(account_id, tuple(mapper.parse_balances({"list": data})))]
    return []
