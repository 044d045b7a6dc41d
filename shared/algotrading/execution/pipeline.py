"""The evaluation pipeline at one close, inside the ledger: reconcile, then each strategy due.

Strategies run in the allocation table's order (trend, scalper, carry, momentum); for each, its
open positions are managed first (exits before entries: a reversal closes before it opens),
then its entry decisions are taken symbol by symbol, each seeing the book as the previous ones
left it (one strategy per symbol: the first to hold a symbol keeps it). A strategy's symbols
are the account's explicit list or its scanned universe (`execution.universe`); a weight-sized
strategy's basket weights are re-spread over the members it can enter (`execution.basket`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from algotrading.db.evaluations import latest_done
from algotrading.db.orders import list_orders
from algotrading.db.signals import SignalRecord, list_signals
from algotrading.domain.timefmt import ms_to_iso
from algotrading.exchange.errors import ExchangeError, ExchangeRejected
from algotrading.execution.basket import basket_weights
from algotrading.execution.book import Book, breaker_statuses, build_book
from algotrading.execution.context import Ctx
from algotrading.execution.inputs import EXTRA_BARS
from algotrading.execution.positions import manage
from algotrading.execution.processor import decide
from algotrading.execution.reconcile import reconcile
from algotrading.execution.schedule import due
from algotrading.execution.universe import wanted_symbols
from algotrading.risk.sizing import dec
from algotrading.strategies.base import MarketHistory, PolicySizing, SignalFrame, Strategy
from algotrading.strategies.registry import profile_of, sleeve_ids

JOB = "evaluate"


def run(ctx: Ctx, job: str = JOB, keep: Callable[[str], bool] | None = None) -> dict[str, object]:
    """Everything evaluate does at `ctx.close_ms`; returns the JSON report.

    `job` is the ledger's name for this run (a later done run of it supersedes this one);
    `keep` narrows the strategies considered (the scheduled jobs split the weekly ones off).
    """
    newer = latest_done(ctx.conn, ctx.account_id, job)
    if newer is not None and newer > ctx.close_ms:
        message = f"superseded: {ms_to_iso(newer)} was evaluated already; nothing placed"
        ctx.report.errors.append(message)
        return ctx.report.as_dict() | {"superseded_by": newer}
    try:
        reconcile(ctx)
    except ExchangeError as err:  # never trade on a book the exchange could not confirm
        ctx.transient(f"reconciliation: {type(err).__name__}: {err}; nothing was traded")
        _collect(ctx)
        return ctx.report.as_dict()
    ctx.breakers = breaker_statuses(ctx.conn, ctx.account_id)
    kept = [s for s in sleeve_ids() if keep is None or keep(s)]
    pairs = [(s, ctx.strategies[s].entry_interval) for s in kept]
    scheduled = due(pairs, ctx.close_ms)
    ctx.report.strategies = scheduled
    if scheduled:
        active = set(ctx.market.active_symbols(ctx.close_ms))
        for strategy_id in scheduled:
            try:
                _strategy(ctx, ctx.strategies[strategy_id], active)
            except ExchangeError as err:
                ctx.transient(f"{strategy_id}: {type(err).__name__}: {err}")
            finally:
                ctx.flush_decisions()
    _collect(ctx)
    return ctx.report.as_dict()


def _collect(ctx: Ctx) -> None:
    """The decisions and orders of this close, as stored (a redone run shows its final rows)."""
    signals = list_signals(ctx.conn, ctx.account_id, ctx.close_ms, ctx.close_ms)
    ctx.report.signals = [s.as_dict() for s in signals]
    orders = list_orders(ctx.conn, ctx.account_id, bar_close_ms=ctx.close_ms)
    ctx.report.orders = [o.as_dict() for o in orders]


def book_of(ctx: Ctx) -> Book:
    marks = {s: p.mark_price for s, p in ctx.positions.items()}
    sizes = {s: p.size for s, p in ctx.positions.items()}
    return build_book(ctx.conn, ctx.account_id, ctx.config, marks, sizes)


def _strategy(ctx: Ctx, strategy: Strategy[Any], active: set[str]) -> None:
    config = ctx.configs[strategy.id]
    book = book_of(ctx)
    held = sorted({t.symbol for t in book.trades if t.strategy == strategy.id})
    if not config.enabled and not held:
        return
    wanted = []  # a disabled strategy only manages what it holds
    if config.enabled:
        wanted = wanted_symbols(ctx.market, strategy, config, sorted(active), ctx.close_ms)
    if config.enabled and not config.symbols and profile_of(strategy.id).universe is not None:
        ctx.report.universe[strategy.id] = wanted
    missing = [s for s in wanted if s not in active]
    if missing:
        ctx.report.skipped_symbols[strategy.id] = missing
    context = strategy.context_symbols()  # e.g. momentum's benchmark for its bull filter
    symbols = [s for s in dict.fromkeys([*wanted, *held, *context]) if s in active]
    histories = _histories(ctx, strategy, symbols)
    since = ctx.close_ms - EXTRA_BARS * strategy.entry_interval.ms  # the rows manage may read
    frames = strategy.signals(histories, since) if histories else {}
    manage(ctx, book, strategy, frames, histories)
    if not config.enabled:
        return
    book = book_of(ctx)
    weights = {}
    if strategy.policy.sizing is PolicySizing.WEIGHT:
        weights = basket_weights(ctx, book, strategy, frames, wanted)
    for symbol in wanted:
        if symbol in frames and _current(ctx, strategy, frames[symbol]):
            price = dec(float(histories[symbol].candles[strategy.entry_interval].close[-1]))
            if decide(ctx, book, strategy, frames[symbol], price, weights.get(symbol)):
                book = book_of(ctx)


def _histories(ctx: Ctx, strategy: Strategy[Any], symbols: list[str]) -> dict[str, MarketHistory]:
    """Each symbol's history; a symbol the exchange definitively refuses (no such timeframe,
    delisted) is left out and listed, a transient failure fails the strategy (retried)."""
    histories = {}
    for symbol in symbols:
        try:
            history = ctx.market.history(strategy, symbol, ctx.close_ms)
        except ExchangeRejected as err:
            ctx.report.skipped_symbols.setdefault(strategy.id, []).append(f"{symbol}: {err}")
            continue
        if len(history.candles[strategy.entry_interval]):
            histories[symbol] = history
    return histories


def _current(ctx: Ctx, strategy: Strategy[Any], frame: SignalFrame) -> bool:
    """Whether the frame's last row is the bar closing now; logs a skip when it is not."""
    if len(frame) and int(frame.close_ms[-1]) == ctx.close_ms:
        return True
    last = ms_to_iso(int(frame.close_ms[-1])) if len(frame) else "none"
    record = SignalRecord(
        strategy.id, frame.symbol, ctx.close_ms, "hold", "skipped",
        f"no_candle: the exchange has no closed {strategy.entry_interval} bar at"
        f" {ms_to_iso(ctx.close_ms)} (last: {last})",
        str(strategy.entry_interval),
    )  # fmt: skip
    ctx.decisions.append(record)
    return False
