"""The one builder for synthetic market data in the tests: candles, funding, their files.

Tests that need a market nobody recorded (a dip of a known shape, a flat hour, a ramp whose
every price is known by heart) build it here rather than by hand, so a reader sees one
vocabulary and the arithmetic behind each shape is written once. The shapes are plain
formulas, so a test can state its expected numbers from the formula, not from our code:

- `ohlc`: every column given; `from_bars`: (open, high, low, close) rows;
- `from_closes`: a close path with flat (or given) opens and wicks by `spread` / `wick`;
- `random_walk`: a seeded log-return path (`drift_returns`) turned into candles;
- `ramp`: row i opens at i + 1, reaches i + 2, dips to i, closes at i + 1.5;
- `complete_groups`: the coarser candles of whole groups (15m -> 1h by hand);
- `funding`; `kline_rows`, `write_klines`, `write_funding`: the data files the loaders read.

Times are UTC milliseconds on a fixed grid (`start_ms + i * step`) unless `times` is given.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import ArrayLike, NDArray

from algotrading.domain.intervals import Interval
from algotrading.domain.series import Candles, FundingHistory

Step = Interval | int
"""A bar length: an `Interval` or milliseconds."""

Bar = tuple[float, float, float, float]
"""One candle's (open, high, low, close)."""

KLINE_HEADER = "start_ms,open,high,low,close,volume,turnover"
FUNDING_HEADER = "funding_time_ms,funding_rate"
FUNDING_STEP_MS = 8 * Interval.H1.ms


def _ms(step: Step) -> int:
    return step.ms if isinstance(step, Interval) else int(step)


def grid(count: int, *, start_ms: int = 0, step: Step = Interval.H1) -> NDArray[np.int64]:
    """`count` open times from `start_ms`, `step` apart."""
    return start_ms + np.arange(count, dtype=np.int64) * _ms(step)


def _floats(values: ArrayLike, n: int) -> NDArray[np.float64]:
    """A float column of length n; a scalar is repeated (volume 1 for every bar, say)."""
    array = np.asarray(values, dtype=np.float64)
    return np.full(n, float(array)) if array.ndim == 0 else array


def ohlc(
    open_: ArrayLike,
    high: ArrayLike,
    low: ArrayLike,
    close: ArrayLike,
    *,
    start_ms: int = 0,
    step: Step = Interval.H1,
    times: ArrayLike | None = None,
    volume: ArrayLike = 1.0,
    turnover: ArrayLike | None = None,
) -> Candles:
    """Candles with every price column given; turnover defaults to volume x close."""
    c = np.asarray(close, dtype=np.float64)
    n = len(c)
    at = grid(n, start_ms=start_ms, step=step) if times is None else np.asarray(times, np.int64)
    v = _floats(volume, n)
    t = v * c if turnover is None else _floats(turnover, n)
    o, h, lo = (np.asarray(a, dtype=np.float64) for a in (open_, high, low))
    return Candles(at, o, h, lo, c, v, t)


def from_bars(
    rows: Sequence[Bar],
    *,
    start_ms: int = 0,
    step: Step = Interval.H1,
    volume: ArrayLike = 1.0,
    turnover: ArrayLike | None = None,
) -> Candles:
    """Candles from (open, high, low, close) rows, `step` apart from `start_ms`."""
    o, h, lo, c = (np.array([r[i] for r in rows], dtype=np.float64) for i in range(4))
    return ohlc(o, h, lo, c, start_ms=start_ms, step=step, volume=volume, turnover=turnover)


def from_closes(
    close: ArrayLike,
    *,
    start_ms: int = 0,
    step: Step = Interval.H1,
    open_: ArrayLike | None = None,
    spread: float = 0.0,
    wick: float = 0.0,
    volume: ArrayLike = 1.0,
    turnover: ArrayLike | None = None,
) -> Candles:
    """Candles around a close path: open = close unless given; high = max(open, close) x
    (1 + wick) + spread and low = min(open, close) x (1 - wick) - spread."""
    c = np.asarray(close, dtype=np.float64)
    o = c if open_ is None else np.asarray(open_, dtype=np.float64)
    high = np.maximum(o, c) * (1 + wick) + spread
    low = np.minimum(o, c) * (1 - wick) - spread
    return ohlc(o, high, low, c, start_ms=start_ms, step=step, volume=volume, turnover=turnover)


def drift_returns(count: int, drift: float, volatility: float, seed: int) -> NDArray[np.float64]:
    """`count` log returns: drift + volatility x standard normal, from numpy's seeded PCG64."""
    rng = np.random.default_rng(seed)
    return drift + volatility * rng.standard_normal(count)


def random_walk(
    returns: ArrayLike,
    *,
    start_price: float = 100.0,
    start_ms: int = 0,
    step: Step = Interval.H1,
    wick: float = 0.0,
    volume: ArrayLike = 1.0,
) -> Candles:
    """close = start_price x exp(cumulative returns); each bar opens at the previous close
    (the first at `start_price`); wicks as `from_closes`."""
    close = start_price * np.exp(np.cumsum(np.asarray(returns, dtype=np.float64)))
    open_ = np.concatenate([[start_price], close[:-1]])
    return from_closes(close, start_ms=start_ms, step=step, open_=open_, wick=wick, volume=volume)


def ramp(
    indices: int | Iterable[int],
    *,
    start_ms: int = 0,
    step: Step = Interval.H1,
    volume: float = 10.0,
    turnover: float = 15.0,
) -> Candles:
    """Row i (of `range(indices)` or the indices given) at start_ms + i x step: open i + 1,
    high i + 2, low i, close i + 1.5; every price readable from the row number."""
    chosen = range(indices) if isinstance(indices, int) else indices
    i = np.fromiter(chosen, dtype=np.int64)
    x = i.astype(np.float64)
    times = start_ms + i * _ms(step)
    return ohlc(x + 1, x + 2, x, x + 1.5, times=times, volume=volume, turnover=turnover)


def complete_groups(candles: Candles, size: int) -> Candles:
    """The candles of each whole group of `size` rows (four 15m -> one 1h): first open,
    highest high, lowest low, last close, summed volume and turnover; a partial tail is
    dropped, as the exchange publishes only complete candles."""
    n = len(candles) // size * size
    cut = {
        name: getattr(candles, name)[:n].reshape(-1, size)
        for name in ("open", "high", "low", "close", "volume", "turnover")
    }
    return Candles(
        candles.start_ms[:n:size], cut["open"][:, 0], cut["high"].max(1), cut["low"].min(1),
        cut["close"][:, -1], cut["volume"].sum(1), cut["turnover"].sum(1),
    )  # fmt: skip


def funding(
    rates: ArrayLike,
    *,
    start_ms: int = 0,
    step: Step = FUNDING_STEP_MS,
    times: ArrayLike | None = None,
) -> FundingHistory:
    """Settlements `step` apart (8 h unless said) from `start_ms`, or at the `times` given."""
    r = np.asarray(rates, dtype=np.float64)
    at = grid(len(r), start_ms=start_ms, step=step) if times is None else np.asarray(times)
    return FundingHistory(at.astype(np.int64), r)


def _text(value: float | int) -> str:
    """A number as a data file writes it: whole numbers without ".0", others in full."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def kline_rows(candles: Candles) -> list[str]:
    """One data-file row per candle (`start_ms,open,high,low,close,volume,turnover`), the
    numbers as the exchange's files write them: `1,2,0,1.5,10,15` for the ramp's row 0."""
    columns = zip(
        candles.start_ms.tolist(), candles.open.tolist(), candles.high.tolist(),
        candles.low.tolist(), candles.close.tolist(), candles.volume.tolist(),
        candles.turnover.tolist(), strict=True,
    )  # fmt: skip
    return [",".join(_text(v) for v in row) for row in columns]


def kline_lines(candles: Candles) -> list[str]:
    """The whole data-file text of `candles`: the header, then `kline_rows`."""
    return [KLINE_HEADER, *kline_rows(candles)]


def write_gz(path: Path, lines: list[str]) -> Path:
    """Gzipped text lines, as the data files are stored; parent folders are created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt") as handle:
        handle.write("\n".join(lines) + "\n")
    return path


def write_klines(root: Path, symbol: str, interval: str, candles: Candles) -> Path:
    """`root/klines/{symbol}_{interval}.csv.gz`, the layout `DataSet` reads."""
    return write_gz(root / "klines" / f"{symbol}_{interval}.csv.gz", kline_lines(candles))


def write_funding(root: Path, symbol: str, history: FundingHistory) -> Path:
    """`root/funding/{symbol}.csv.gz`, the layout `DataSet` reads."""
    rows = zip(history.time_ms.tolist(), history.rate.tolist(), strict=True)
    lines = [FUNDING_HEADER, *(f"{t},{_text(r)}" for t, r in rows)]
    return write_gz(root / "funding" / f"{symbol}.csv.gz", lines)
