"""What the fan-out benchmark runs on: a throw-away embedded PostgreSQL, the loopback simulator
with one wallet per account, accounts with all four strategies at their defaults, and a
counter of the HTTP requests the exchange clients send.

Everything lives in a temporary folder and is stopped at the end: the benchmark never writes
to the one-machine database under `.local/`.
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import requests

from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.crypto import generate_key
from algotrading.db.accounts import create_account
from algotrading.db.embedded import embedded_database_url
from algotrading.db.migrate import apply_migrations
from algotrading.domain.credentials import ApiCredentials
from algotrading.local.bybit_sim import AccountConfig, BybitSimulator, SimConfig
from algotrading.settings import get_settings

SYMBOLS = ("BTCUSDT", "ETHUSDT")


@dataclass(frozen=True)
class Stack:
    db_url: str
    sim: BybitSimulator
    accounts: list[int]


def sim_keys(count: int) -> list[ApiCredentials]:
    """One simulator wallet per account, so no account ever sees another's positions."""
    return [ApiCredentials(f"BENCHKEY{i:010d}", f"BENCHSECRET{i:026d}") for i in range(count)]


@contextmanager
def fanout_stack(count: int, close_ms: int) -> Iterator[Stack]:
    """`count` accounts on a simulator stepped to `close_ms`, in a fresh embedded database;
    DATABASE_URL and ALGO_SECRETS_KEY point at them while the block runs."""
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "ALGO_SECRETS_KEY")}
    with tempfile.TemporaryDirectory(prefix="bf", dir="/tmp") as tmp:
        url = embedded_database_url(Path(tmp) / "pg")
        os.environ["DATABASE_URL"], os.environ["ALGO_SECRETS_KEY"] = url, generate_key()
        get_settings.cache_clear()
        keys = sim_keys(count)
        config = SimConfig(
            data_dirs=(BUNDLED_DATA_DIR,), symbols=SYMBOLS, stepped=True, start_ms=close_ms,
            accounts=tuple(AccountConfig(k.api_key, k.api_secret) for k in keys),
        )  # fmt: skip
        sim = BybitSimulator(config)
        sim.start()
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                apply_migrations(conn)
            yield Stack(url, sim, make_accounts(url, sim.rest_url, keys))
        finally:
            sim.stop()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()


def make_accounts(url: str, base_url: str, keys: list[ApiCredentials]) -> list[int]:
    """One user, one paper account per key, every strategy at its defaults (no config row)."""
    with psycopg.connect(url) as conn:
        user = conn.execute(
            "INSERT INTO users (email, password_hash) VALUES ('bench@example.test', '!')"
            " RETURNING id"
        ).fetchone()[0]
        ids = [_account(conn, user, i, base_url, key) for i, key in enumerate(keys)]
        conn.commit()
    return ids


def _account(
    conn: psycopg.Connection, user: int, i: int, base_url: str, key: ApiCredentials
) -> int:
    account = create_account(
        conn, user_id=user, name=f"bench-{i}", mode="paper", base_url=base_url, credentials=key
    )
    conn.execute("UPDATE trading_accounts SET starting_capital = 10000 WHERE id = %s", (account,))
    return account


def forget_runs(url: str) -> None:
    """Forget the ledgers, so the next pass evaluates the same close again (the accounts trade
    nothing at the benchmark's close, so every pass does the same work)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM evaluations")
        conn.execute("DELETE FROM job_runs")


@contextmanager
def counted_requests() -> Iterator[Counter[str]]:
    """Requests sent through `requests` while the block runs (the exchange clients' HTTP), by
    path (`/v5/market/kline`, ...)."""
    count: Counter[str] = Counter()
    original = requests.Session.send

    def send(self: requests.Session, request: requests.PreparedRequest, **kw: object) -> object:
        count[(request.path_url or "").split("?")[0]] += 1
        return original(self, request, **kw)

    requests.Session.send = send  # type: ignore[method-assign,assignment]
    try:
        yield count
    finally:
        requests.Session.send = original  # type: ignore[method-assign]
