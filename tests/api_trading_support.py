"""Seeding for the strategies and trading API tests: a real account on the loopback simulator,
owned by an API user, with the scalper's known entry (execution_support) evaluated by the
executor itself, and an app whose runtimes reach that simulator without waiting."""

from __future__ import annotations

from typing import Any

import psycopg
from execution_support import ENTRY_CLOSE, autocommit, runtime, scalper_account
from fastapi.testclient import TestClient

from algotrading.execution import Runtime, evaluate
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.local.bybit_sim import BybitSimulator


def seed_entry(url: str, sim: BybitSimulator, user_id: int) -> tuple[int, Runtime]:
    """The scalper's BTCUSDT entry at ENTRY_CLOSE on an account of `user_id`; its runtime."""
    account = scalper_account(url, sim)
    rt = runtime(sim)
    with autocommit(url) as conn:
        conn.execute("UPDATE trading_accounts SET user_id = %s WHERE id = %s", (user_id, account))
        evaluate(account, ENTRY_CLOSE, conn=conn, runtime=rt)
    return account, rt


def use_runtime(client: TestClient, rt: Runtime) -> None:
    """Every account of the app reaches the simulator through `rt` (one account per test)."""
    client.app.state.runtimes = RuntimeCache(lambda: rt)  # type: ignore[attr-defined]


def scoped(token: str, account: int) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "X-Trading-Account-Id": str(account)}


def rows(url: str, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql, params).fetchall()
