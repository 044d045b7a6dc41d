"""Models of `/api/backtest`: starting a run, the list, one run with its trades.

Figures are the stored run's, as `algo backtest list --json` and `algo backtest show --json`
print them (floats; metrics as the backtest computed them)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from algotrading.api.schemas.common import Page, Strict

RUN_ID = r"^bt-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$"
LAST_MS = 253_402_300_799_999
Symbol = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{2,30}$", examples=["BTCUSDT"])]


class BacktestCreate(Strict):
    """A run to start: one strategy (`kind` strategy) or the four-sleeve portfolio."""

    kind: Literal["strategy", "portfolio"] = "strategy"
    strategy: str | None = Field(
        default=None, pattern=r"^[a-z][a-z0-9_]{0,39}$", examples=["trend"],
        description="The strategy id (kind strategy only)",
    )  # fmt: skip
    symbols: list[Symbol] | None = Field(
        default=None, min_length=1, max_length=50, examples=[["BTCUSDT"]],
        description="Symbols of the data set; default: the strategy's that the data has",
    )  # fmt: skip
    start: int | None = Field(default=None, ge=0, le=LAST_MS, description="UTC ms; default: data")
    end: int | None = Field(default=None, ge=0, le=LAST_MS, description="UTC ms; default: data end")
    capital: float = Field(default=10_000.0, gt=0, le=1e12, description="USDT")
    params: dict[str, Any] | None = Field(
        default=None, description="Overrides of the strategy's parameters (kind strategy only)"
    )


class BacktestStarted(BaseModel):
    run_id: str = Field(pattern=RUN_ID)
    status: Literal["running"]


class BacktestSummary(BaseModel):
    run_id: str
    kind: Literal["strategy", "portfolio"]
    status: Literal["running", "done", "failed"]
    created: str
    strategy: str | None
    symbols: list[str]
    start: str
    end: str
    initial_capital: float
    final_equity: float | None
    total_return: float | None
    sharpe: float | None
    max_drawdown: float | None
    trades: int | None


class BacktestTrade(BaseModel):
    """A stored trade as `algo backtest show --json` prints it."""

    symbol: str
    side: Literal["long", "short"]
    qty: float
    entry_time: str
    entry_price: float
    exit_time: str | None
    exit_price: float | None
    pnl: float | None
    fees: float
    funding: float
    exit_reason: str | None


class BacktestDetail(BaseModel):
    """The stored run in the result schema of docs/BACKTESTING.md, its trades paged."""

    run_id: str
    kind: Literal["strategy", "portfolio"]
    status: Literal["running", "done", "failed"]
    error: str | None = Field(description="Why a failed run failed")
    created: str
    strategy: str | None
    title: str | None
    params: dict[str, Any]
    symbols: list[str]
    interval: str | None
    start: str
    end: str
    initial_capital: float
    final_equity: float | None
    assumptions: dict[str, Any]
    metrics: dict[str, Any]
    idle: list[dict[str, Any]]
    equity_curve: dict[str, Any] = Field(description="Daily closes: time_ms and equity")
    report_available: bool
    trades: Page[BacktestTrade]
