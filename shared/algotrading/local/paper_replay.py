"""`algo paper replay`: the executor on recorded data, exactly as the schedules would run it.

A stepped loopback simulator replays the data; a paper trading account (mode `paper`, starting
capital = the replay's capital, the simulator's key stored encrypted) is created for the run;
the clock is stepped to every 15-minute close between start and end, and at each close
`evaluate` runs (the schedule decides which strategies are due) followed by `snapshot` at the
same time. The live schedule snapshots every 5 minutes; the replay snapshots at every 15-minute
close, which keeps the equity curve on the evaluation grid and the run short (the breakers see
the same trades, a little less often).

The account is found by name under the replay user: an earlier replay's paper account of the
same name is deleted with everything it recorded first, because the simulator starts from a
fresh wallet each time and the two must agree. A non-paper account of that name is refused.
Without ALGO_SECRETS_KEY an ephemeral key is generated for this process (the stored keys are the
simulator's public test key anyway, and are unreadable after the run).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from pydantic import SecretStr

from algotrading.crypto import generate_key
from algotrading.db.accounts import create_account
from algotrading.db.connection import connection
from algotrading.db.evaluations import list_evaluations
from algotrading.db.orders import list_orders
from algotrading.db.signals import list_signals
from algotrading.db.snapshots import load_snapshots
from algotrading.db.strategy_configs import upsert_strategy_config
from algotrading.db.trades import list_trades
from algotrading.db.users import LOCAL_USER_EMAIL, local_user
from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.jsonsafe import json_safe
from algotrading.domain.scopes import PORTFOLIO, check_strategy
from algotrading.domain.timefmt import ms_to_iso
from algotrading.errors import AppError
from algotrading.exchange.factory import open_bybit
from algotrading.execution import Runtime, closes_between, evaluate, snapshot
from algotrading.local.bybit_sim import (
    DEFAULT_API_KEY,
    DEFAULT_API_SECRET,
    BybitSimulator,
    SimConfig,
)
from algotrading.market.datafiles import DataSet
from algotrading.settings import Settings
from algotrading.strategies.registry import sleeve_ids

REPLAY_USER = LOCAL_USER_EMAIL


class ReplayError(AppError):
    """A replay that cannot run as asked (times, name, configuration)."""


@dataclass(frozen=True, slots=True)
class ReplayConfig:
    data_dirs: tuple[Path, ...]
    start_ms: int
    end_ms: int
    capital: Decimal = Decimal(10_000)
    name: str = "paper-replay"
    strategies: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """{strategy: {"params": {...}, "symbols": [...], "enabled": bool, "allocation_pct": n}};
    others: defaults. `allocation_pct` overrides the strategy's default share (the merged table
    must sum to 100 %)."""


@dataclass
class ReplayOutcome:
    account_id: int
    closes: int
    duration_s: float
    ephemeral_key: bool
    report: dict[str, Any]


def check(config: ReplayConfig) -> None:
    if config.end_ms <= config.start_ms:
        raise ReplayError("--end must be after --start")
    if config.capital <= 0:
        raise ReplayError(f"--capital must be positive, got {config.capital}")
    for strategy, spec in config.strategies.items():
        check_strategy(strategy, sleeve_ids())
        if not isinstance(spec, Mapping):
            raise ReplayError(f"strategy config of {strategy} must be an object")
    check_span(config)


def check_span(config: ReplayConfig) -> None:
    """The span lies within the data: a replay past its end would step through closes without a
    candle for minutes, trading nothing (the simulator has no market there)."""
    data = DataSet(list(config.data_dirs)) if config.data_dirs else DataSet()
    spans = []
    for symbol in data.symbols():
        for interval in data.intervals(symbol):  # coarser bars replay where the finest lack
            starts = data.candles(symbol, interval).start_ms
            if len(starts):
                spans.append((int(starts[0]) + interval.ms, int(starts[-1]) + interval.ms))
    if not spans:
        raise ReplayError("the data has no candles to replay")
    first, last = min(a for a, _ in spans), max(b for _, b in spans)
    if config.start_ms < first:
        raise ReplayError(
            f"--start {ms_to_iso(config.start_ms)} is before the data begins ({ms_to_iso(first)})"
        )
    if config.end_ms > last:
        raise ReplayError(
            f"--end {ms_to_iso(config.end_ms)} is after the data ends ({ms_to_iso(last)})"
        )


def replay(
    config: ReplayConfig,
    settings: Settings,
    progress: Callable[[int], None] | None = None,
) -> ReplayOutcome:
    """Run the replay; `progress(n)` is called after each close with the closes done so far."""
    check(config)
    ephemeral = settings.secrets_key is None
    if ephemeral:
        settings = settings.model_copy(update={"secrets_key": SecretStr(generate_key())})
    closes = list(closes_between(config.start_ms, config.end_ms))
    if not closes:
        raise ReplayError("no 15-minute close lies between --start and --end")
    sim = _simulator(config, closes[0])
    began = time.monotonic()
    try:
        with connection(settings, autocommit=True) as conn:
            account_id = paper_account(conn, config, sim.rest_url, settings)
            runtime = Runtime(
                exchange=open_bybit(
                    sim.rest_url,
                    ApiCredentials(DEFAULT_API_KEY, DEFAULT_API_SECRET),
                    market_clock=lambda: sim.now_ms,  # windowed reads end at the replayed time
                ),
                fill_delays_s=(0.0, 0.05, 0.2),
            )
            for done, close in enumerate(closes, start=1):
                sim.step_to(close)
                evaluate(account_id, close, settings=settings, conn=conn, runtime=runtime)
                snapshot(account_id, close, settings=settings, conn=conn, runtime=runtime)
                if progress is not None:
                    progress(done)
            report = _report(conn, account_id, config, closes)
            report["instruments"] = _instruments(sim, report)
    finally:
        sim.stop()
    return ReplayOutcome(account_id, len(closes), time.monotonic() - began, ephemeral, report)


def _simulator(config: ReplayConfig, first_close: int) -> BybitSimulator:
    try:
        sim_config = SimConfig(
            data_dirs=config.data_dirs, stepped=True, start_ms=first_close,
            balance=config.capital,
        )  # fmt: skip
        return BybitSimulator(sim_config).start()
    except ValueError as exc:  # SimConfigError and data errors are ValueErrors/AppErrors
        raise ReplayError(str(exc)) from None


def paper_account(
    conn: psycopg.Connection, config: ReplayConfig, url: str, settings: Settings
) -> int:
    """A fresh paper account named `config.name` trading on the simulator at `url` (an older one
    of that name is replaced: the simulator's wallet starts fresh too). `algo up` uses it."""
    with conn.transaction():
        user_id = local_user(conn)
        found = conn.execute(
            "SELECT id, mode FROM trading_accounts WHERE user_id = %s AND name = %s",
            (user_id, config.name),
        ).fetchone()
        if found is not None and found[1] != "paper":
            raise ReplayError(f"account {config.name!r} exists and is not a paper account")
        if found is not None:
            conn.execute("DELETE FROM trading_accounts WHERE id = %s", (found[0],))
        credentials = ApiCredentials(DEFAULT_API_KEY, DEFAULT_API_SECRET)
        account_id = create_account(
            conn, user_id=user_id, name=config.name, mode="paper", base_url=url,
            credentials=credentials, settings=settings,
        )  # fmt: skip
        conn.execute(
            "UPDATE trading_accounts SET starting_capital = %s WHERE id = %s",
            (config.capital, account_id),
        )
        for strategy, spec in config.strategies.items():
            upsert_strategy_config(
                conn, account_id, strategy, params=dict(spec.get("params") or {}),
                symbols=spec.get("symbols"), enabled=bool(spec.get("enabled", True)),
                allocation_pct=spec.get("allocation_pct"), known=sleeve_ids(),
            )  # fmt: skip
    return account_id


def _report(
    conn: psycopg.Connection, account_id: int, config: ReplayConfig, closes: list[int]
) -> dict[str, Any]:
    evaluations = list_evaluations(conn, account_id, "evaluate")
    snapshots = []
    for scope in (PORTFOLIO, *sleeve_ids()):
        snapshots += [_snapshot_row(r) for r in load_snapshots(conn, account_id, scope)]
    portfolio = [s for s in snapshots if s["scope"] == PORTFOLIO]
    safe: dict[str, Any] = json_safe(
        {
            "account_id": account_id, "name": config.name,
            "data_dirs": [str(d) for d in config.data_dirs],
            "start": ms_to_iso(closes[0]), "end": ms_to_iso(closes[-1]), "closes": len(closes),
            "capital": config.capital,
            "final_equity": portfolio[-1]["equity"] if portfolio else config.capital,
            "evaluations": {
                status: sum(1 for e in evaluations if e.status == status)
                for status in ("done", "failed", "running")
            },
            "incomplete": [ms_to_iso(e.close_ms) for e in evaluations if e.status != "done"],
            "signals": [s.as_dict() for s in list_signals(conn, account_id)],
            "orders": [o.as_dict() for o in list_orders(conn, account_id)],
            "trades": [t.as_dict() for t in list_trades(conn, account_id)],
            "snapshots": snapshots,
        }
    )  # fmt: skip
    return safe


def _instruments(sim: BybitSimulator, report: Mapping[str, Any]) -> dict[str, Any]:
    """The tick and lot step of every symbol a strategy looked at (signals) or traded: what a
    comparison with the backtest rounds its prices to (`backtest.parity`). Not only the traded
    ones, so that a trade the backtest has and the replay lacks is still compared in full."""
    infos = sim.engine.infos
    symbols = {s["symbol"] for s in report["signals"]} | {t["symbol"] for t in report["trades"]}
    return {
        symbol: {"tick": str(infos[symbol].tick), "qty_step": str(infos[symbol].qty_step)}
        for symbol in sorted(symbols)
    }


def _snapshot_row(r: Any) -> dict[str, Any]:
    return {
        "scope": r.scope, "time_ms": r.time_ms, "time": ms_to_iso(r.time_ms),
        "equity": r.equity, "real_peak": r.real_peak, "real_drawdown_pct": r.real_drawdown_pct,
        "breaker_reference": r.breaker_reference,
        "breaker_drawdown_pct": r.breaker_drawdown_pct, "realized_pnl": r.realized_pnl,
        "unrealized_pnl": r.unrealized_pnl, "open_positions": r.open_positions,
        "breaker_state": r.breaker_state,
    }  # fmt: skip
