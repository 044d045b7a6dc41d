"""What a strategy is: its inputs, its vectorized output and its position policy.

* `MarketHistory` is everything a strategy may look at for one symbol: **closed** candles per
  timeframe (ascending), funding settlements, open-interest snapshots and the funding interval
  from instrument info. Closed-ness is the caller's promise (`CandleService` and the backtest's
  replay only hand out closed candles); order and grid are checked here.
* `Strategy.signals(histories)` turns the histories of all symbols into one `SignalFrame` per
  symbol, aligned to the bars of the strategy's entry timeframe. It is computed over the whole
  history at once, and every value at bar i depends only on data known at that bar's close, so
  the live executor (which looks at the last row after each close) and the backtest (which walks
  all rows) read the same numbers: the strategies are written once.
* `PositionPolicy` says, as data, how a position the strategy opened is managed (stop,
  take-profit, trailing, partial exit, time stop, indicator exits); `strategies.policy.step` is
  the one interpreter of it, shared by the executor and the backtest.

Conventions the executor and the backtest rely on (docs/STRATEGIES.md has the full contract):
a signal at the close of bar i is acted on at the open of bar i+1; an entry signal for a symbol
the strategy already holds on the same side is a hold (no pyramiding); exits are processed before
entries, so a momentum symbol switching sides first closes, then opens.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any, ClassVar, Generic, Self, TypeVar

import numpy as np
import numpy.typing as npt

from algotrading.domain.intervals import Interval
from algotrading.domain.positions import PositionSide
from algotrading.domain.series import Candles, FundingHistory, OpenInterestSeries
from algotrading.domain.trades import StrategyId
from algotrading.market.funding import check_interval_hours
from algotrading.market.resample import bucket_origin
from algotrading.market.universe import UniverseConfig
from algotrading.strategies.params import StrategyConfigError, StrategyParams
from algotrading.strategies.profile import StrategyProfile
from algotrading.strategies.window import Window, windowed_frames

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class MarketHistory:
    """One symbol's closed market data as known at the decision time.

    `funding_interval_hours` is the current interval from instrument info when the caller has
    it (live); without it the interval is inferred from the settlement spacing (backtests).
    """

    symbol: str
    candles: Mapping[Interval, Candles]
    funding: FundingHistory | None = None
    open_interest: OpenInterestSeries | None = None
    funding_interval_hours: int | None = None

    def __post_init__(self) -> None:
        for interval, candles in self.candles.items():
            _check_candles(self.symbol, Interval(interval), candles)
        for name in ("funding", "open_interest"):
            series = getattr(self, name)
            if series is not None and len(series) > 1 and (np.diff(series.time_ms) <= 0).any():
                raise ValueError(f"{self.symbol}: {name} times must be strictly ascending")
        if self.funding_interval_hours is not None:
            check_interval_hours(self.funding_interval_hours)

    def require(self, interval: Interval, strategy: str) -> Candles:
        """The candles of `interval`; a clear error if the caller did not provide them."""
        candles = self.candles.get(interval)
        if candles is None:
            have = ", ".join(str(Interval(i)) for i in self.candles) or "none"
            raise ValueError(
                f"{strategy} needs {interval} candles for {self.symbol}; given: {have}"
            )
        return candles


def _check_candles(symbol: str, interval: Interval, candles: Candles) -> None:
    times = candles.start_ms
    if len(times) > 1 and (np.diff(times) <= 0).any():
        raise ValueError(f"{symbol} {interval} candles must be strictly ascending in time")
    if len(times) and ((times - bucket_origin(interval)) % interval.ms).any():
        raise ValueError(f"{symbol} {interval} candles are not on the {interval} grid")


@dataclass(frozen=True, slots=True)
class SignalRow:
    """One bar of a `SignalFrame` as plain Python values (NaN = none), for the executor."""

    symbol: str
    close_ms: int
    entry_long: bool
    entry_short: bool
    exit_long: bool
    exit_short: bool
    stop_distance: float
    take_profit_distance: float
    target_price: float
    trail_distance: float
    weight: float | None
    time_stop_bars: int | None
    settled: bool


@dataclass(frozen=True, slots=True)
class SignalFrame:
    """A strategy's view of one symbol, one row per bar of its entry timeframe.

    Every array has one value per bar; `close_ms` is each bar's close time (open + interval).
    Entries are the AND of the named conditions in `long_entry` / `short_entry`; indicator exits
    the OR of those in `long_exit` / `short_exit`, so the executor can log which condition
    failed or fired (`explain`). Distances are prices (not ATR multiples) measured from the entry
    price; `target_price` is a level. `weight` is set only by strategies that size by relative
    weight (momentum) and is None otherwise; `time_stop_bars` overrides the policy's time stop
    for a position entered on that bar (None: the policy's). `settled` is True where every
    timeframe had at least the strategy's `warmup_bars` of history, i.e. where the values equal
    those of any longer history (see docs/STRATEGIES.md, warm-up).
    """

    symbol: str
    interval: Interval
    close_ms: I64
    entry_long: Bools
    entry_short: Bools
    exit_long: Bools
    exit_short: Bools
    stop_distance: F64
    take_profit_distance: F64
    target_price: F64
    trail_distance: F64
    settled: Bools
    weight: F64 | None = None
    time_stop_bars: F64 | None = None
    conditions: Mapping[str, Bools] = field(default_factory=dict)
    values: Mapping[str, F64] = field(default_factory=dict)
    long_entry: tuple[str, ...] = ()
    short_entry: tuple[str, ...] = ()
    long_exit: tuple[str, ...] = ()
    short_exit: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        n = len(self.close_ms)
        arrays = {name: getattr(self, name) for name in _FRAME_ARRAYS}
        arrays.update({f"condition {k!r}": v for k, v in self.conditions.items()})
        arrays.update({f"value {k!r}": v for k, v in self.values.items()})
        for name, arr in arrays.items():
            if arr is not None and len(arr) != n:
                raise ValueError(f"{self.symbol}: {name} has {len(arr)} rows, close_ms {n}")

    def __len__(self) -> int:
        return len(self.close_ms)

    def index_of(self, close_ms: int) -> int:
        """Row of the bar closing at `close_ms`; ValueError when there is none."""
        i = int(np.searchsorted(self.close_ms, close_ms))
        if i == len(self) or int(self.close_ms[i]) != close_ms:
            raise ValueError(f"{self.symbol}: no {self.interval} bar closes at {close_ms}")
        return i

    def row(self, i: int) -> SignalRow:
        """Row i (negative counts from the end, -1 = the bar that just closed)."""
        weight = None if self.weight is None else float(self.weight[i])
        bars = None if self.time_stop_bars is None else self.time_stop_bars[i]
        return SignalRow(
            symbol=self.symbol,
            close_ms=int(self.close_ms[i]),
            entry_long=bool(self.entry_long[i]),
            entry_short=bool(self.entry_short[i]),
            exit_long=bool(self.exit_long[i]),
            exit_short=bool(self.exit_short[i]),
            stop_distance=float(self.stop_distance[i]),
            take_profit_distance=float(self.take_profit_distance[i]),
            target_price=float(self.target_price[i]),
            trail_distance=float(self.trail_distance[i]),
            weight=weight,
            time_stop_bars=None if bars is None or not np.isfinite(bars) else int(bars),
            settled=bool(self.settled[i]),
        )

    def failed(self, i: int, side: PositionSide) -> list[str]:
        """Entry conditions of `side` that were false at row i (empty: it entered)."""
        names = self.long_entry if side is PositionSide.LONG else self.short_entry
        return [name for name in names if not self.conditions[name][i]]

    def explain(self, i: int) -> dict[str, Any]:
        """Row i's conditions and values as JSON-ready data for the `signals.details` column."""
        return {
            "conditions": {k: bool(v[i]) for k, v in self.conditions.items()},
            "values": {k: _json_float(v[i]) for k, v in self.values.items()},
            "settled": bool(self.settled[i]),
        }


_FRAME_ARRAYS = (
    "entry_long", "entry_short", "exit_long", "exit_short", "stop_distance",
    "take_profit_distance", "target_price", "trail_distance", "settled", "weight",
    "time_stop_bars",
)  # fmt: skip


def _json_float(value: float) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


class TakeProfitMode(StrEnum):
    """Where a position takes profit."""

    NONE = "none"
    """No take-profit level (exits come from stops, signals or the time stop)."""
    DISTANCE = "distance"
    """entry ± the entry bar's `take_profit_distance`, fixed for the life of the position."""
    TARGET = "target"
    """The frame's `target_price` (a level, e.g. the middle Bollinger band)."""


class TrailStart(StrEnum):
    """When a trailing stop starts to follow the price."""

    ENTRY = "entry"
    """From the first bar."""
    TAKE_PROFIT = "take_profit"
    """Once the take-profit level is touched: the position trails instead of closing there."""
    PARTIAL = "partial"
    """After the partial exit: the remainder trails."""


class PolicySizing(StrEnum):
    RISK = "risk"
    """Quantity from the risk per trade and the stop distance (risk module)."""
    WEIGHT = "weight"
    """Quantity from the sleeve's capital x the frame's `weight` (momentum)."""


@dataclass(frozen=True, slots=True)
class PositionPolicy:
    """How a position is managed, as data; `strategies.policy.step` interprets it.

    `initial_stop`: place a stop at entry ∓ the entry bar's `stop_distance`.
    `take_profit` / `target_follows`: which take-profit level, and whether a TARGET moves to each
    new bar's `target_price` after that bar closes (a moving middle band) or stays at entry's.
    `partial_fraction`: touching the take-profit level closes this fraction of the initial
    quantity once (None: touching it closes everything, unless trailing starts there).
    `trail_start`: when trailing starts (None: never); the distance is the entry bar's
    `trail_distance`. `time_stop_bars`: close at the close of this many bars after entry (the
    frame's per-bar `time_stop_bars` overrides it). `exit_on_signal`: the frame's exit flags close
    the position at the next open. `leverage`, `risk_per_trade_pct`, `sizing` are what the risk
    module and the signal processor need to size and place the order.
    """

    initial_stop: bool = True
    take_profit: TakeProfitMode = TakeProfitMode.NONE
    target_follows: bool = False
    partial_fraction: float | None = None
    trail_start: TrailStart | None = None
    time_stop_bars: int | None = None
    exit_on_signal: bool = True
    leverage: float = 1.0
    risk_per_trade_pct: float | None = None
    sizing: PolicySizing = PolicySizing.RISK

    def __post_init__(self) -> None:
        if self.partial_fraction is not None and not 0 < self.partial_fraction < 1:
            raise ValueError(f"partial_fraction must lie in (0, 1), got {self.partial_fraction}")
        needs_level = self.partial_fraction is not None or self.trail_start in (
            TrailStart.TAKE_PROFIT,
            TrailStart.PARTIAL,
        )
        if needs_level and self.take_profit is TakeProfitMode.NONE:
            raise ValueError("a partial exit or a trail started by the take-profit needs a level")
        if self.trail_start is TrailStart.PARTIAL and self.partial_fraction is None:
            raise ValueError("trail_start=partial needs a partial_fraction")
        if self.time_stop_bars is not None and self.time_stop_bars < 1:
            raise ValueError(f"time_stop_bars must be >= 1, got {self.time_stop_bars}")
        if self.leverage < 1:
            raise ValueError(f"leverage must be >= 1, got {self.leverage}")


P = TypeVar("P", bound=StrategyParams)


class Strategy(ABC, Generic[P]):
    """A strategy: identity, data needs, typed parameters, position policy and signals.

    Instances are immutable in practice: `with_overrides` returns a new one. Subclasses set the
    class attributes and implement `warmup_bars`, `policy` and `signals` (per-symbol rules derive
    from `PerSymbolStrategy` and implement `symbol_signals` instead).
    """

    id: ClassVar[StrategyId]
    title: ClassVar[str]
    timeframes: tuple[Interval, ...]
    """Entry timeframe first, then the filters' timeframes. Set on the class; an instance may
    set its own (`ema_cross` takes its interval from its parameters), so no ClassVar."""
    default_symbols: ClassVar[tuple[str, ...]]
    default_allocation_pct: ClassVar[Decimal]
    """The strategy's share of the account in the default allocation table (30/20/20/30 for
    trend, scalper, carry, momentum); an account overrides it in its own table."""
    profile: ClassVar[StrategyProfile | None] = None
    """How the strategy trades a sleeve (`strategies.profile`); None: never traded live."""
    params_type: ClassVar[type[StrategyParams]]
    windowed: ClassVar[bool] = True
    """False only for a reference strategy compared with outside libraries on whole histories."""

    def __init__(self, params: P | None = None) -> None:
        chosen = params if params is not None else self.params_type()
        if not isinstance(chosen, self.params_type):
            raise StrategyConfigError(
                f"{self.id}: parameters must be {self.params_type.__name__}, "
                f"got {type(chosen).__name__}"
            )
        self.params: P = chosen  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params!r})"

    @property
    def entry_interval(self) -> Interval:
        return self.timeframes[0]

    @property
    @abstractmethod
    def warmup_bars(self) -> Mapping[Interval, int]:
        """Closed candles per timeframe before a row is settled: the indicators' `min_history`
        at the window tolerance (1 % of a recursive seed left), the shortest window."""

    def context_symbols(self) -> tuple[str, ...]:
        """Symbols whose history the rules read besides those traded (a benchmark): the executor
        fetches them with the traded ones. None by default."""
        return ()

    @property
    def universe_config(self) -> UniverseConfig:
        """The liquidity rules of the strategy's scan (`market.scan`); only a strategy whose
        profile names a scanned universe has one."""
        raise ValueError(f"{self.id} has no scanned universe")

    @property
    def funding_history_ms(self) -> int:
        """How far back funding settlements are needed (0: not used)."""
        return 0

    @property
    def open_interest_history_ms(self) -> int:
        """How far back open-interest snapshots are needed (0: not used)."""
        return 0

    @property
    @abstractmethod
    def policy(self) -> PositionPolicy:
        """How positions opened by this strategy are managed."""

    def with_overrides(self, overrides: Mapping[str, Any] | None) -> Self:
        """The same strategy with some parameters overridden (validated; this one unchanged)."""
        return type(self)(self.params.with_overrides(overrides))

    @property
    def windows(self) -> Mapping[Interval, Window]:
        """Per timeframe, the window every value is computed from (`strategies.window`): at
        least `warmup_bars` candles, at most 200 for the default parameters."""
        return {iv: Window.for_warmup(n) for iv, n in self.warmup_bars.items()}

    def signals(
        self, histories: Mapping[str, MarketHistory], since_ms: int | None = None
    ) -> dict[str, SignalFrame]:
        """One frame per symbol; every row is computed from the windows at its close, so the
        executor (a window's worth of candles) and the backtest (years) read the same values.
        Rows closing before `since_ms` may be left out."""
        if not self.windowed:
            return self.frames(histories, since_ms)
        lookbacks = (self.funding_history_ms, self.open_interest_history_ms)
        return windowed_frames(
            self.windows, self.entry_interval, histories, self.frames, since_ms, lookbacks
        )

    @abstractmethod
    def frames(
        self, histories: Mapping[str, MarketHistory], since_ms: int | None = None
    ) -> dict[str, SignalFrame]:
        """The rules over exactly the history given (no window): one frame per symbol. Rows
        closing before `since_ms` need not be computed in full (the caller will not read them)."""


class PerSymbolStrategy(Strategy[P]):
    """A strategy whose rule looks at one symbol at a time (all but the cross-sectional ones)."""

    def frames(
        self, histories: Mapping[str, MarketHistory], since_ms: int | None = None
    ) -> dict[str, SignalFrame]:
        check_history_keys(histories)
        return {symbol: self.symbol_signals(h) for symbol, h in histories.items()}

    @abstractmethod
    def symbol_signals(self, history: MarketHistory) -> SignalFrame:
        """One symbol's frame."""


def check_history_keys(histories: Mapping[str, MarketHistory]) -> None:
    for symbol, history in histories.items():
        if history.symbol != symbol:
            raise ValueError(f"history for {history.symbol} passed under the key {symbol}")


def frozen_mapping(values: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view, so a frame handed to the executor cannot be edited by accident."""
    return MappingProxyType(dict(values))
