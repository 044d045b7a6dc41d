"""`/api/market`: public market data for a signed-in caller (no account needed), from the data
set the product trades from; the candles carry an account's markers when it is named."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request

from algotrading.api.deps import Caller, Conn
from algotrading.api.market import candles, scanners, series, status
from algotrading.api.market.data import Market
from algotrading.api.market.scope import MaybeScoped
from algotrading.api.market.ticker import read_ticker
from algotrading.api.responses import SIGNED_IN, errors
from algotrading.api.schemas.market import (
    CandlesOut,
    CarryOut,
    FundingRatesOut,
    FundingSettlement,
    IntervalsOut,
    OpenInterestPoint,
    RankingOut,
    StrategyStatusOut,
    SymbolsOut,
    TickerOut,
)
from algotrading.domain.intervals import Interval
from algotrading.domain.timefmt import ms_to_iso

router = APIRouter(prefix="/api/market", tags=["market"], responses=SIGNED_IN)
ONE_SYMBOL = errors(400, 401, 403, 404, 422, 503)
LAST_MS = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z

Symbol = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9]{2,30}$", description="e.g. BTCUSDT", examples=["BTCUSDT"])
]
TimeMs = Annotated[int | None, Query(ge=0, le=LAST_MS, description="UTC milliseconds")]
Limit = Annotated[int, Query(ge=1, le=1000, description="Points to return (the newest)")]


@router.get("/symbols")
def symbols(caller: Caller, market: Market) -> SymbolsOut:
    """Every symbol of the market data (klines or funding)."""
    return SymbolsOut(symbols=market.dataset.symbols())


@router.get("/intervals")
def intervals(caller: Caller) -> IntervalsOut:
    """The candle intervals (an interval without a file is built from a shorter one)."""
    return IntervalsOut(intervals=list(Interval))


@router.get("/candles/{symbol}", responses=errors(400, 401, 403, 404, 422, 503))
def get_candles(
    symbol: Symbol, caller: Caller, conn: Conn, market: Market, scope: MaybeScoped,
    interval: Interval = Interval.H1, limit: Limit = 200, start: TimeMs = None,
    end: TimeMs = None,
) -> CandlesOut:  # fmt: skip
    """Closed candles opened in [start, end] (the newest `limit`; page back with `end`), with
    the account's signal and trade markers when X-Trading-Account-Id is given."""
    name = market.symbol(symbol)
    found = candles.read_candles(market, name, interval, limit, start, end)
    account = None if scope is None else scope.account_id
    return candles.candles_out(found, name, interval, conn, account)


@router.get("/ticker/{symbol}", responses=ONE_SYMBOL)
def ticker(symbol: Symbol, caller: Caller, market: Market, request: Request) -> TickerOut:
    """The exchange's live ticker (a short timeout: 503 when the exchange is slow)."""
    t = read_ticker(request.app.state.settings.bybit_base_url, market.symbol(symbol))
    return TickerOut(
        **{k: getattr(t, k) for k in TickerOut.model_fields if hasattr(t, k)},
        next_funding_time=None if t.next_funding_ms is None else ms_to_iso(t.next_funding_ms),
        time=ms_to_iso(t.time_ms),
    )


@router.get("/funding-rates")
def funding_rates(caller: Caller, market: Market, as_of: TimeMs = None) -> FundingRatesOut:
    """Each symbol's funding as known at `as_of` (default: the latest settlement)."""
    return scanners.funding_rates(market, as_of)


@router.get("/funding-history/{symbol}", responses=ONE_SYMBOL)
def funding_history(
    symbol: Symbol, caller: Caller, market: Market, limit: Limit = 200,
    start: TimeMs = None, end: TimeMs = None,
) -> list[FundingSettlement]:  # fmt: skip
    """Settlements in [start, end], the newest `limit`."""
    return series.funding_history(market, market.symbol(symbol), limit, start, end)


@router.get("/open-interest/{symbol}", responses=ONE_SYMBOL)
def open_interest(
    symbol: Symbol, caller: Caller, market: Market, limit: Limit = 200,
    start: TimeMs = None, end: TimeMs = None,
) -> list[OpenInterestPoint]:  # fmt: skip
    """Open-interest snapshots in [start, end], the newest `limit`."""
    return series.open_interest(market, market.symbol(symbol), limit, start, end)


@router.get("/ranking")
def ranking(caller: Caller, market: Market, as_of: TimeMs = None) -> RankingOut:
    """The momentum ranking by the daily candles closed by `as_of` (default: data end)."""
    return scanners.ranking(market, as_of)


@router.get("/carry")
def carry(caller: Caller, market: Market, as_of: TimeMs = None) -> CarryOut:
    """The carry strategy's funding scan at `as_of` (default: data end)."""
    return scanners.carry(market, as_of)


@router.get("/status/{strategy}")
def strategy_status(
    strategy: Annotated[Literal["trend", "scalper"], Path(description="The strategy's table")],
    caller: Caller, market: Market, as_of: TimeMs = None,
) -> StrategyStatusOut:  # fmt: skip
    """Per symbol, the strategy's indicator values and entry/exit conditions on its last bar
    closed by `as_of` (default: data end), computed by the strategy itself."""
    return status.strategy_status(market, strategy, as_of)
