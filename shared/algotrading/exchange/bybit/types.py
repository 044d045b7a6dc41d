"""Raw Bybit V5 shapes, as they arrive, with their ambiguities written down.

Nothing here is used for validation: the mapper reads these dicts defensively (quirks 11, 12).
The TypedDicts exist so a reader sees, next to each field, what Bybit really sends. All numbers
are strings, sometimes empty (`""`) and sometimes `null`; timestamps are strings of milliseconds
on some endpoints and JSON numbers on others.
"""

from __future__ import annotations

from typing import Any, TypedDict

Raw = dict[str, Any]


class Envelope(TypedDict):
    retCode: int
    retMsg: str
    result: Raw  # `{}` on success without data; `null` on some errors
    retExtInfo: Raw
    time: int  # server time (ms) at answer


class RawCoin(TypedDict, total=False):
    """wallet-balance `result.list[].coin[]`; asset balances use `result.balance[]` (quirk 2)."""

    coin: str  # "POL" since the MATIC migration (quirk 17)
    equity: str
    walletBalance: str
    availableToWithdraw: str  # "" on unified accounts since 2025; fall back (quirk 4)
    transferBalance: str  # only on /asset/transfer/query-account-coins-balance
    unrealisedPnl: str  # British spelling (quirk 6)
    usdValue: str
    locked: str


class RawAccount(TypedDict, total=False):
    """One entry of wallet-balance `result.list[]` (one per account type; quirk 1)."""

    accountType: str  # "UNIFIED", or "CONTRACT"/"SPOT" on classic accounts
    totalEquity: str
    totalAvailableBalance: str
    totalWalletBalance: str
    coin: list[RawCoin]


class RawPosition(TypedDict, total=False):
    symbol: str
    side: str  # "Buy", "Sell", or "" when flat
    size: str
    avgPrice: str
    markPrice: str
    leverage: str
    positionBalance: str  # the position margin (quirk 5); there is no `positionMargin`
    positionIM: str
    unrealisedPnl: str  # British spelling (quirk 6)
    cumRealisedPnl: str
    liqPrice: str  # "" when none
    takeProfit: str  # "0.00" when none
    stopLoss: str
    positionIdx: int
    createdTime: str
    updatedTime: str


class RawOrder(TypedDict, total=False):
    """Order rows; older paths and other SDKs spell several fields differently (quirk 11)."""

    orderId: str  # or `id`
    orderLinkId: str  # or `clientOrderId`
    symbol: str
    side: str
    orderType: str  # or `type`
    orderStatus: str  # or `status`
    qty: str  # or `quantity`
    price: str
    cumExecQty: str
    avgPrice: str | None  # "" or null before any fill
    reduceOnly: bool
    timeInForce: str
    takeProfit: str
    stopLoss: str
    rejectReason: str  # "EC_NoError" when none
    createdTime: str  # or `createTime` / `createdAt`
    updatedTime: str


class RawExecution(TypedDict, total=False):
    execId: str
    orderId: str
    orderLinkId: str
    symbol: str
    side: str
    execPrice: str
    execQty: str
    execValue: str
    execFee: str
    feeRate: str
    isMaker: bool
    execType: str  # Trade, AdlTrade, BustTrade, Funding, Settle, ...
    execTime: str


class RawInstrument(TypedDict, total=False):
    symbol: str
    contractType: str  # LinearPerpetual, LinearFutures, ...
    status: str  # Trading, PreLaunch, Settling, Delivering, Closed
    baseCoin: str
    quoteCoin: str
    settleCoin: str
    launchTime: str
    priceFilter: Raw  # tickSize
    lotSizeFilter: Raw  # qtyStep, minOrderQty, maxOrderQty, maxMktOrderQty, minNotionalValue
    leverageFilter: Raw  # minLeverage, maxLeverage, leverageStep
    fundingInterval: int  # MINUTES (480 = 8 h)


class RawTicker(TypedDict, total=False):
    symbol: str
    lastPrice: str
    markPrice: str
    indexPrice: str
    bid1Price: str
    ask1Price: str
    volume24h: str
    turnover24h: str
    openInterest: str
    fundingRate: str  # "" for dated futures
    nextFundingTime: str  # "" for dated futures
    fundingIntervalHour: str  # HOURS here, unlike instruments-info


class RawTransaction(TypedDict, total=False):
    """transaction-log row; `transactionTime` is a string now, a number in older answers."""

    symbol: str
    type: str  # SETTLEMENT for funding, TRADE, TRANSFER_IN, ...
    side: str
    size: str  # position size after the entry
    qty: str
    tradePrice: str
    funding: str  # > 0 received, < 0 paid
    feeRate: str  # the funding rate on SETTLEMENT rows
    change: str  # cashFlow + funding - fee
    currency: str
    transactionTime: str | int


class RawKeyInfo(TypedDict, total=False):
    """user/query-api; the account id is `userID` here and `uid`/`subUID` elsewhere (quirk 13)."""

    apiKey: str  # never printed
    readOnly: int
    permissions: dict[str, list[str]]
    ips: list[str]
    expiredAt: str
    uta: int
    isMaster: bool
    userID: int


RawKline = list[str]
"""[startTime, open, high, low, close, volume, turnover], newest first (quirk 15)."""
