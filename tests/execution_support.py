"""Helpers for the executor tests: an account on the simulator, deterministic entries, queries.

The scalper with `setup_window_bars: 3` (a documented override: the oversold bar may come up
to two bars before the Stochastic RSI turn) enters long on BTCUSDT at the 15m bar closing
2025-10-24 15:00 UTC of the primary set (the compact test set tests/data has its rows); tests
that need an entry at a known bar use it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from sim_support import KEY, SECRET, running_sim

from algotrading.crypto import generate_key
from algotrading.db.accounts import create_account
from algotrading.db.strategy_configs import upsert_strategy_config
from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.timefmt import parse_time
from algotrading.exchange.factory import open_bybit
from algotrading.execution import Runtime
from algotrading.local.bybit_sim import BybitSimulator
from algotrading.local.paper_replay import REPLAY_USER
from algotrading.settings import get_settings
from algotrading.strategies.registry import sleeve_ids

ENTRY_CLOSE = parse_time("2025-10-24T15:00:00Z")
SCALPER_ENTRY = {"setup_window_bars": 3}
QUARTER = 15 * 60_000


def use_secrets_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALGO_SECRETS_KEY", generate_key())
    get_settings.cache_clear()


def autocommit(url: str) -> psycopg.Connection:
    return psycopg.connect(url, autocommit=True)


def make_account(
    url: str,
    base_url: str,
    *,
    capital: Decimal = Decimal(10_000),
    strategies: dict[str, dict[str, Any]] | None = None,
) -> int:
    """A user and an account on `base_url` with the simulator's key; only the strategies given
    ({id: {"params": ..., "symbols": ...}}) are enabled, the others are disabled."""
    with psycopg.connect(url) as conn:
        email = f"exec-{uuid.uuid4().hex[:12]}@example.test"
        user_id = conn.execute(
            "INSERT INTO users (email, password_hash) VALUES (%s, '!') RETURNING id", (email,)
        ).fetchone()[0]
        account_id = create_account(
            conn, user_id=user_id, name="exec-test", mode="paper", base_url=base_url,
            credentials=ApiCredentials(KEY, SECRET),
        )  # fmt: skip
        conn.execute(
            "UPDATE trading_accounts SET starting_capital = %s WHERE id = %s",
            (capital, account_id),
        )
        chosen = strategies or {}
        for strategy in ("trend", "scalper", "carry", "momentum"):
            spec = chosen.get(strategy)
            upsert_strategy_config(
                conn, account_id, strategy, params=(spec or {}).get("params"),
                symbols=(spec or {}).get("symbols"), enabled=spec is not None,
                known=sleeve_ids(),
            )  # fmt: skip
        conn.commit()
    return account_id


def scalper_account(url: str, sim: BybitSimulator, **kw: Any) -> int:
    spec = {"params": SCALPER_ENTRY, "symbols": ["BTCUSDT"]}
    return make_account(url, sim.rest_url, strategies={"scalper": spec}, **kw)


def runtime(sim: BybitSimulator) -> Runtime:
    """A runtime on the simulator that does not sleep between fill lookups."""
    exchange = open_bybit(sim.rest_url, ApiCredentials(KEY, SECRET))
    return Runtime(exchange=exchange, fill_delays_s=(0.0, 0.0, 0.0))


@contextmanager
def sim_at(close_ms: int, **kw: Any) -> Iterator[BybitSimulator]:
    with running_sim(start_ms=close_ms, **kw) as sim:
        yield sim


def remove_test_accounts(url: str) -> None:
    """Delete the users these tests created, and with them (cascade) every row they wrote: the
    worker database is shared with tests that count rows table-wide."""
    with psycopg.connect(url) as conn:
        conn.execute(
            "DELETE FROM users WHERE email LIKE 'exec-%%@example.test' OR email = %s",
            (REPLAY_USER,),
        )


def rows(url: str, sql: str, *params: Any) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()
