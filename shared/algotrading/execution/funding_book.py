"""Booking a trade's funding settlements: every settlement once, whoever asks and how often.

One function owns the booking of funding payments (`book_trade_funding`); the funding poll
(every 5 minutes), the evaluation at a settlement time (`reconcile`) and the close of a trade
(`booking.settle`) all call it, so there is one rule and one ledger:

- the settlements due are those on the instrument's funding grid (its real interval: 1, 2, 4
  or 8 hours from the instrument info, the default only when unknown) after the trade's
  watermark (or its opening) up to `until_ms`; nothing due means no exchange request at all;
- each is read from the exchange's transaction log (the truth: size x mark x rate as the
  exchange settled it); when the exchange definitively refuses the read (history it no longer
  keeps), it is computed from the stored rate and the mark candle at the settlement;
- rows are inserted once (unique per account/symbol/settlement and per trade/settlement), the
  trade's `funding` is re-summed from its rows, and the watermark moves to the last due
  settlement before the first one not found: a failed or lagging lookup is retried by the
  next call, from there, and what the next call finds twice is skipped by the unique keys.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg

from algotrading.db import funding_payments as ledger
from algotrading.db import trades as trades_db
from algotrading.db.funding_rates import load_funding_history
from algotrading.domain import fills
from algotrading.domain.funding import DEFAULT_FUNDING_INTERVAL_H
from algotrading.domain.intervals import HOUR_MS, Interval
from algotrading.exchange.errors import ExchangeRejected
from algotrading.exchange.port import ExchangeService
from algotrading.exchange.types import FundingSettlement

FundingPayment = ledger.FundingPayment


@dataclass(frozen=True, slots=True)
class FundingBooked:
    """What one booking call did for one trade."""

    trade_id: int
    symbol: str
    due: list[int]
    booked: int
    total: Decimal
    through_ms: int | None
    missing: list[int] = field(default_factory=list)
    source: str = "exchange"


def due_settlements(after_ms: int, until_ms: int, interval_hours: int) -> list[int]:
    """Settlement times t with after_ms < t <= until_ms on the interval's UTC grid (Bybit
    settles at whole multiples of the interval since midnight UTC)."""
    period = interval_hours * HOUR_MS
    first = (after_ms // period + 1) * period
    return list(range(first, until_ms + 1, period))


def book_trade_funding(
    conn: psycopg.Connection,
    exchange: ExchangeService,
    account_id: int,
    trade: trades_db.Trade,
    until_ms: int,
) -> FundingBooked | None:
    """Book the trade's settlements up to `until_ms`; None when none is due (no request made).

    A transient exchange error propagates (nothing is booked, the watermark stays: the next
    call retries); the caller reports it.
    """
    if trade.opened_ms is None or trade.is_shadow:
        return None
    hours = exchange.get_symbol_info(trade.symbol).funding_interval_hours
    start = ledger.watermark(conn, trade.id)
    after = trade.opened_ms - 1 if start is None else max(start, trade.opened_ms - 1)
    due = due_settlements(after, until_ms, hours or DEFAULT_FUNDING_INTERVAL_H)
    if not due:
        return None
    source = "exchange"
    try:
        found = _from_log(exchange, trade, after, until_ms)
    except ExchangeRejected:
        found, source = _computed(conn, exchange, trade, due), "computed"
    return _store(conn, account_id, trade, due, found, source)


def _from_log(
    exchange: ExchangeService, trade: trades_db.Trade, after_ms: int, until_ms: int
) -> list[FundingPayment]:
    """The trade's settlements in (after_ms, until_ms] from the transaction log."""
    settlements = exchange.get_funding_settlements(after_ms + 1, trade.symbol)
    return [payment_of(s) for s in settlements if after_ms < s.time_ms <= until_ms]


def payment_of(settlement: FundingSettlement) -> FundingPayment:
    """A transaction-log settlement as a ledger row."""
    return FundingPayment(
        symbol=settlement.symbol,
        time_ms=settlement.time_ms,
        rate=settlement.rate,
        position_value=settlement.position_value,
        amount=settlement.amount,
    )


def _computed(
    conn: psycopg.Connection,
    exchange: ExchangeService,
    trade: trades_db.Trade,
    due: Sequence[int],
) -> list[FundingPayment]:
    """Due settlements priced from the stored rate and the mark at the settlement (the close of
    the finest candle ending there); a settlement without either stays missing."""
    history = load_funding_history(conn, trade.symbol, due[0], due[-1])
    rates = dict(zip(history.time_ms.tolist(), history.rate.tolist(), strict=True))
    out = []
    for t in due:
        rate = rates.get(t)
        mark = None if rate is None else _mark_at(exchange, trade.symbol, t)
        if rate is None or mark is None:
            continue
        value = trade.qty * mark
        rate_dec = Decimal(repr(rate))
        amount = fills.funding_payment(value, rate_dec, trade.is_long)
        out.append(FundingPayment(trade.symbol, t, rate_dec, value, amount))
    return out


MARK_INTERVALS = (Interval.M1, Interval.M5, Interval.M15, Interval.H1, Interval.H4)
"""Candles tried for the mark at a settlement, finest first (an exchange or a simulator over
coarse data may not serve the finest)."""


def _mark_at(exchange: ExchangeService, symbol: str, t: int) -> Decimal | None:
    """The close of the finest candle that ends at `t`, None if no interval serves one."""
    for interval in MARK_INTERVALS:
        start = t - interval.ms
        try:
            candles = exchange.get_candles(symbol, interval, start_ms=start, end_ms=start, limit=1)
        except ExchangeRejected:
            continue
        if len(candles) and int(candles.start_ms[-1]) == start:
            return Decimal(repr(float(candles.close[-1])))
    return None


def _store(
    conn: psycopg.Connection,
    account_id: int,
    trade: trades_db.Trade,
    due: Sequence[int],
    found: Sequence[FundingPayment],
    source: str,
) -> FundingBooked:
    """Insert what was found, re-sum the trade, move the watermark; one transaction."""
    times = {p.time_ms for p in found}
    latest = max(times, default=None)
    # a due settlement is resolved when found, or when the log already shows a later one
    missing = [t for t in due if t not in times and (latest is None or latest < t)]
    resolved = [t for t in due if not missing or t < missing[0]]
    with conn.transaction():
        booked = ledger.insert_payments(conn, account_id, trade.id, trade.strategy, found)
        total = ledger.trade_funding_total(conn, trade.id)
        trades_db.set_funding(conn, trade.id, total)
        if resolved:
            ledger.advance_watermark(conn, account_id, trade.id, resolved[-1])
        through = ledger.watermark(conn, trade.id)
    return FundingBooked(trade.id, trade.symbol, list(due), booked, total, through, missing, source)
