"""WebSocket messages -> events, on Bybit's recorded message examples; the candle tracker."""

from __future__ import annotations

from decimal import Decimal

from candles import ramp

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles
from algotrading.exchange.bybit.candle_tracker import CandleTracker
from algotrading.exchange.bybit.ws_messages import TickerBook, parse_klines, parse_private
from algotrading.exchange.bybit.ws_socket import ws_urls
from algotrading.exchange.events import (
    CandleClosed,
    ExecutionEvent,
    OrderUpdate,
    PositionUpdate,
    WalletUpdate,
)
from algotrading.exchange.types import OrderSide
from tests.bybit_fixtures import load

M15 = Interval.M15.ms
T0 = 1_760_000_400_000 - 1_760_000_400_000 % M15


def test_kline_message_rows_keep_their_confirm_flag() -> None:
    message = load("docs_v5/ws/public_kline.json")
    (row,) = parse_klines(message)
    assert row.confirmed is False
    assert (row.candle.symbol, row.candle.interval) == ("BTCUSDT", Interval.M5)
    assert (row.candle.open, row.candle.close, row.candle.volume) == (16649.5, 16677.0, 2.081)
    assert row.candle.close_ms == row.candle.start_ms + 300_000
    confirmed = {**message, "data": [{**message["data"][0], "confirm": True}]}
    assert parse_klines(confirmed)[0].confirmed is True
    assert parse_klines({"topic": "tickers.BTCUSDT", "data": {}}) == []


def test_ticker_deltas_are_merged_into_the_snapshot() -> None:
    book = TickerBook()
    snapshot = load("nautilus_fixtures/ws_ticker_linear.json")
    first = book.apply(snapshot)
    assert first is not None and first.last_price == Decimal("17216.00")
    delta = {"topic": "tickers.BTCUSDT", "type": "delta", "ts": 1673272900000,
             "data": {"symbol": "BTCUSDT", "markPrice": "17300.5"}}  # fmt: skip
    merged = book.apply(delta)
    assert merged.mark_price == Decimal("17300.5")
    assert merged.last_price == first.last_price  # kept from the snapshot
    assert merged.funding_rate == first.funding_rate and merged.time_ms == 1673272900000


def test_private_messages_become_account_events() -> None:
    order = parse_private("7", load("nautilus_fixtures/ws_account_order_filled.json"))
    assert isinstance(order[0], OrderUpdate) and order[0].account_id == "7"
    execution = parse_private("7", load("docs_v5/ws/private_execution.json"))
    assert isinstance(execution[0], ExecutionEvent)
    assert execution[0].execution.fee == Decimal("26.3725275")
    short = parse_private("7", load("nautilus_fixtures/ws_account_position_short.json"))
    assert isinstance(short[0], PositionUpdate) and short[0].position.side is OrderSide.SELL
    flat = parse_private("7", load("docs_v5/ws/private_position.json"))
    assert flat[0].position is None and flat[0].symbol == "BTCUSDT"
    (wallet,) = parse_private("7", load("nautilus_fixtures/ws_account_wallet.json"))
    assert isinstance(wallet, WalletUpdate) and wallet.balances


def test_stream_urls_follow_the_rest_base_url() -> None:
    assert ws_urls("mainnet") == (
        "wss://stream.bybit.com/v5/public/linear",
        "wss://stream.bybit.com/v5/private",
    )
    assert ws_urls("testnet")[1] == "wss://stream-testnet.bybit.com/v5/private"
    assert ws_urls("demo") == (
        "wss://stream.bybit.com/v5/public/linear",
        "wss://stream-demo.bybit.com/v5/private",
    )
    assert ws_urls("http://127.0.0.1:8123") == (
        "ws://127.0.0.1:8123/v5/public/linear",
        "ws://127.0.0.1:8123/v5/private",
    )


def _candle(i: int) -> CandleClosed:
    return CandleClosed("BTCUSDT", Interval.M15, T0 + i * M15, 1.0 + i, 2.0 + i, i, 1.5 + i, 10, 15)


def _history(indices: list[int]) -> Candles:
    """The rows `_candle` gives for these indices, as the exchange's history would list them."""
    return ramp(indices, start_ms=T0, step=M15)


class _Rest:
    """Closed candles 0..known-1 exist on the exchange."""

    def __init__(self, known: int) -> None:
        self.known = known
        self.calls: list[int | None] = []

    def fetch(self, symbol: str, interval: Interval, after: int | None) -> Candles:
        self.calls.append(after)
        first = 0 if after is None else (after - T0) // M15 + 1
        return _history(list(range(first, self.known)))


def test_tracker_emits_each_candle_once_and_fills_gaps() -> None:
    emitted: list[CandleClosed] = []
    rest = _Rest(known=3)
    tracker = CandleTracker(emitted.append, rest.fetch)
    tracker.seed("BTCUSDT", Interval.M15, _history([0, 1, 2]))
    rest.known = 7
    for i in (3, 3, 6, 5, 7):  # a duplicate, a gap (4, 5 missing), a late 5, then 7
        tracker.confirmed(_candle(i))
    assert [c.start_ms for c in emitted] == [T0 + i * M15 for i in (3, 4, 5, 6, 7)]
    assert rest.calls == [T0 + 3 * M15]  # one REST fill, from after candle 3


def test_backfill_after_reconnect_emits_only_what_was_missed() -> None:
    emitted: list[CandleClosed] = []
    rest = _Rest(known=5)
    tracker = CandleTracker(emitted.append, rest.fetch)
    tracker.seed("BTCUSDT", Interval.M15, _history([2, 3, 4]))
    rest.known = 9
    tracker.backfill_all()
    tracker.backfill_all()  # nothing new the second time
    tracker.confirmed(_candle(8))  # the live copy of a backfilled candle
    assert [c.start_ms for c in emitted] == [T0 + i * M15 for i in (5, 6, 7, 8)]
    assert tracker.last_emitted("BTCUSDT", Interval.M15) == T0 + 8 * M15
