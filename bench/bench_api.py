"""`GET /api/portfolio/summary` latency at a fixed request rate, beside a bare endpoint of the same
app in the same run.

The stack: a throw-away embedded PostgreSQL, migrated, holding one account replayed by
`algo paper replay`'s library call over six hours of the bundled data (2025-10-03 06:00 to
12:00 UTC: 24 closes, every one with its portfolio snapshot, so the summary reads real rows),
owned by a signed-in user; the app served by uvicorn on loopback in a thread of this process.

Measured (open loop: requests start on a fixed schedule, whatever the previous answers took,
so a slow answer cannot hide behind a lower rate), RATE requests per second for SECONDS each:

- bare: `GET /bench/bare`, a route added to this app only here, which answers `{"ok": true}`
  without a dependency: uvicorn, the app's middleware, routing and JSON, i.e. the floor every
  route pays (`/api/health` is not used: it queries the database);
- summary: the real route with a bearer token and `X-Trading-Account-Id`: token check, user and
  account rows, scope, the newest snapshots, in one transaction.

Goal: summary p95 within 3x the bare p95. Run: `python -m bench.bench_api [rate] [seconds]`.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import uvicorn
from fastapi import FastAPI

from algotrading.api.app import create_app
from algotrading.api.auth.passwords import hash_password
from algotrading.api.auth.tokens import issue_access
from algotrading.api.config import load_api_settings
from algotrading.bundled import BUNDLED_DATA_DIR
from algotrading.crypto import generate_key
from algotrading.db.embedded import embedded_database_url
from algotrading.db.migrate import apply_migrations
from algotrading.domain.timefmt import parse_time
from algotrading.local.paper_replay import ReplayConfig, replay
from algotrading.settings import get_settings, load_settings

RATE, SECONDS, WORKERS = 50, 10, 8
START, END = parse_time("2025-10-03T06:00:00Z"), parse_time("2025-10-03T12:00:00Z")
SECRET = "bench-api-signing-secret-0123456789abcdef"
GOAL = 3.0


@contextmanager
def seeded_database() -> Iterator[tuple[str, int, int]]:
    """A migrated embedded database with one replayed account; (url, user id, account id)."""
    saved = {k: os.environ.get(k) for k in ("DATABASE_URL", "ALGO_SECRETS_KEY")}
    with tempfile.TemporaryDirectory(prefix="ba", dir="/tmp") as tmp:
        url = embedded_database_url(Path(tmp) / "pg")
        os.environ["DATABASE_URL"], os.environ["ALGO_SECRETS_KEY"] = url, generate_key()
        get_settings.cache_clear()
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                apply_migrations(conn)
            config = ReplayConfig(data_dirs=(BUNDLED_DATA_DIR,), start_ms=START, end_ms=END)
            outcome = replay(config, get_settings())
            with psycopg.connect(url) as conn:
                row = conn.execute(
                    "INSERT INTO users (email, password_hash) VALUES ('bench@x.io', %s)"
                    " RETURNING id",
                    (hash_password("bench-password-1"),),
                ).fetchone()
                assert row is not None
                conn.execute(
                    "UPDATE trading_accounts SET user_id = %s WHERE id = %s",
                    (row[0], outcome.account_id),
                )
            yield url, int(row[0]), outcome.account_id
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            get_settings.cache_clear()


def bench_app(url: str) -> FastAPI:
    """The product's app, plus the bare route this benchmark compares against."""
    app = create_app(load_settings(database_url=url), load_api_settings(jwt_secret=SECRET))

    @app.get("/bench/bare", include_in_schema=False)
    def bare() -> dict[str, bool]:
        return {"ok": True}

    return app


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """uvicorn on a free loopback port in a thread; its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def at_rate(
    client: httpx.Client, path: str, headers: dict[str, str], rate: int, seconds: int
) -> list[float]:
    """Latencies (ms) of `rate` x `seconds` GETs started on a fixed schedule (open loop)."""

    def one() -> float:
        began = time.perf_counter()
        answer = client.get(path, headers=headers)
        took = (time.perf_counter() - began) * 1000
        if answer.status_code != 200:
            raise RuntimeError(f"{path}: {answer.status_code} {answer.text[:200]}")
        return took

    for _ in range(20):  # warm: the pool's connections, the app's caches
        one()
    start = time.perf_counter()
    with ThreadPoolExecutor(WORKERS) as pool:
        futures = []
        for i in range(rate * seconds):
            delay = start + i / rate - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            futures.append(pool.submit(one))
        return [f.result() for f in futures]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    rate = int(sys.argv[1]) if len(sys.argv) > 1 else RATE
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else SECONDS
    print(f"seeding: a paper replay of 24 closes into a fresh database; {rate} req/s x {seconds} s")
    with seeded_database() as (url, user_id, account_id):
        token, _ = issue_access(SECRET, user_id, "user", 3600, second_factor=False)
        scoped = {"Authorization": f"Bearer {token}", "X-Trading-Account-Id": str(account_id)}
        app = bench_app(url)
        with serving(app) as base, httpx.Client(base_url=base, timeout=10) as client:
            bare = at_rate(client, "/bench/bare", {}, rate, seconds)
            summary = at_rate(client, "/api/portfolio/summary", scoped, rate, seconds)
        app.state.database.close()
    print(f"{'endpoint':<24} {'n':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for name, values in (("bare /bench/bare", bare), ("/api/portfolio/summary", summary)):
        p50, p95 = percentile(values, 0.5), percentile(values, 0.95)
        print(f"{name:<24} {len(values):>5} {p50:>8.2f} {p95:>8.2f}")
    ratio = percentile(summary, 0.95) / percentile(bare, 0.95)
    verdict = "met" if ratio <= GOAL else "NOT met"
    print(f"summary p95 / bare p95 = {ratio:.2f}x (goal: within {GOAL:g}x): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
