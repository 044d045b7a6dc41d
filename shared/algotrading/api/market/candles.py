"""Candles of one symbol with the account's signal and trade markers.

The candles come from the same closed-candle service `algo market candles` uses; the markers
are the account's stored decisions (`signals`) and trades on the symbol within the candles'
span, so a chart shows where each strategy acted.
"""

from __future__ import annotations

import psycopg

from algotrading.api.errors import bad_request
from algotrading.api.market.data import MarketData
from algotrading.api.schemas.market import Candle, CandlesOut, SignalMarker, TradeMarker
from algotrading.db.signals import SignalRecord, list_signals
from algotrading.db.trades import Trade, list_trades
from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.domain.timefmt import ms_to_iso

COLUMNS = ("open", "high", "low", "close", "volume", "turnover")


def read_candles(
    market: MarketData, symbol: str, interval: Interval, limit: int,
    start_ms: int | None, end_ms: int | None,
) -> Candles:  # fmt: skip
    """The last `limit` closed candles opened in [start_ms, end_ms]; `end` pages back."""
    if start_ms is not None and end_ms is not None and start_ms > end_ms:
        raise bad_request("start must not be after end", "start")
    return market.candles.get_candles(
        symbol, interval, limit=limit, start_ms=start_ms, end_ms=end_ms
    )


def _candle(candles: Candles, i: int) -> Candle:
    start = int(candles.start_ms[i])
    values = {c: float(getattr(candles, c)[i]) for c in COLUMNS}
    return Candle(start=ms_to_iso(start), start_ms=start, **values)


def _signal(s: SignalRecord) -> SignalMarker:
    return SignalMarker(
        id=s.id, strategy=s.strategy, bar_close_time=ms_to_iso(s.bar_close_ms),
        bar_interval=s.bar_interval, action=s.action, decision=s.decision,  # type: ignore[arg-type]
        reason=s.reason, price=s.price,
    )  # fmt: skip


def _iso(ms: int | None) -> str | None:
    return None if ms is None else ms_to_iso(ms)


def _trade(t: Trade) -> TradeMarker:
    return TradeMarker(
        id=t.id, strategy=str(t.strategy), side=t.side.value, status=str(t.status),
        qty=t.qty, entry_price=t.entry_price, exit_price=t.exit_price,
        opened_at=_iso(t.opened_ms), closed_at=_iso(t.closed_ms),
        exit_reason=None if t.exit_reason is None else str(t.exit_reason),
    )  # fmt: skip


def _within(ms: int | None, lo: int, hi: int) -> bool:
    return ms is not None and lo <= ms <= hi


def markers(
    conn: psycopg.Connection, account_id: int, symbol: str, lo: int, hi: int
) -> tuple[list[SignalMarker], list[TradeMarker]]:
    """The account's decisions and trades on `symbol` in [lo, hi] (UTC ms)."""
    signals = [_signal(s) for s in list_signals(conn, account_id, lo, hi) if s.symbol == symbol]
    trades = [
        _trade(t) for t in list_trades(conn, account_id)
        if t.symbol == symbol and (_within(t.opened_ms, lo, hi) or _within(t.closed_ms, lo, hi))
    ]  # fmt: skip
    return signals, trades


def candles_out(
    candles: Candles, symbol: str, interval: Interval,
    conn: psycopg.Connection | None = None, account_id: int | None = None,
) -> CandlesOut:  # fmt: skip
    """The answer; with markers when an account is given and there are candles."""
    signals: list[SignalMarker] = []
    trades: list[TradeMarker] = []
    if conn is not None and account_id is not None and len(candles):
        lo, hi = int(candles.start_ms[0]), int(candles.start_ms[-1]) + interval.ms
        signals, trades = markers(conn, account_id, symbol, lo, hi)
    rows = [_candle(candles, i) for i in range(len(candles))]
    return CandlesOut(
        symbol=symbol, interval=interval, candles=rows, signals=signals, trades=trades
    )
