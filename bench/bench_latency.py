"""Latency and CPU of the scheduled trading path on one machine (issue 16, item 8).

(a) One account's candle-close evaluation with all four strategies (a Monday 00:00 close, where
the 15m, 1h, 4h, 1d and weekly bars all close), warm, in CPU time (`time.process_time`) with the
exchange round trips taken out: every call into the exchange client is timed in CPU too and
subtracted, so neither the HTTP client nor the in-process simulator's work is counted. Beside it,
the same account's bare evaluation at the same closes with no strategy kept (lock, ledger,
account context): the part every evaluation pays. Goal: at most 150 ms.

(b) On the one-machine stack (`algo up`'s code, a replay clock as fast as possible, one replayed
day), the wall time from the scheduler firing a job to the simulator acknowledging each order
that job placed, p50 and p99; beside it, the wall time of the deliveries that placed no order.
With a replay clock the scheduled time is the replay's, so the clock starts when the job fires.
Goal: p99 under 1 s.

The embedded PostgreSQL (or DATABASE_URL) holds the accounts; the bundled data is the market.
"""

from __future__ import annotations

import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from algotrading.crypto import generate_key
from algotrading.db.connection import connection
from algotrading.domain.credentials import ApiCredentials
from algotrading.domain.timefmt import ms_to_iso, parse_time
from algotrading.exchange.factory import open_bybit
from algotrading.execution import Runtime, evaluate
from algotrading.local import stack
from algotrading.local.bybit_sim import DEFAULT_API_KEY, DEFAULT_API_SECRET, BybitSimulator
from algotrading.local.bybit_sim import rest as sim_rest
from algotrading.local.bybit_sim.config import SimConfig
from algotrading.local.paper_replay import ReplayConfig, paper_account
from algotrading.settings import Settings, get_settings

WEEK_MS = 7 * 86_400_000
FIRST_MONDAY = parse_time("2025-10-06T00:00:00Z")
MONDAYS = 6
"""The first is the cold run (discarded); the other five are the warm samples."""
DAY_START = parse_time("2025-10-03T00:00:00Z")
"""A day with orders: a scalper entry, its take-profit and its exit (docs/jobs.md)."""
CPU_GOAL_MS = 150.0
P99_GOAL_S = 1.0


class TimedExchange:
    """An exchange client whose every call's CPU time is added to `spent_s`."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.spent_s = 0.0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return attr(*args, **kwargs)
            finally:
                self.spent_s += time.process_time() - start

        return timed


def bench_settings() -> Settings:
    """The environment's settings with one fresh Fernet key for both parts and, without
    DATABASE_URL, an embedded database of the bench's own: the jobs run every active account,
    so accounts left by other runs (stored with other keys) must not be in it."""
    settings = get_settings()
    update: dict[str, object] = {"secrets_key": SecretStr(generate_key())}
    if settings.database_url is None:
        update["pgdata_dir"] = Path(".local/bench-pg")
    return settings.model_copy(update=update)


def evaluation_cpu(settings: Settings) -> tuple[list[float], list[float]]:
    """(bare, full) CPU ms per warm Monday close, exchange calls excluded."""
    end = FIRST_MONDAY + (MONDAYS - 1) * WEEK_MS
    sim = BybitSimulator(SimConfig(stepped=True, start_ms=FIRST_MONDAY - 900_000).validated())
    sim.start()
    try:
        # the stack's account name: part (b) replaces this account rather than running it too
        replay = ReplayConfig((), FIRST_MONDAY, end, name=stack.LOCAL_ACCOUNT)
        with connection(settings, autocommit=True) as conn:
            account = paper_account(conn, replay, sim.rest_url, settings)
        credentials = ApiCredentials(DEFAULT_API_KEY, DEFAULT_API_SECRET)
        client = TimedExchange(
            open_bybit(sim.rest_url, credentials, market_clock=lambda: sim.now_ms)
        )
        runtime = Runtime(exchange=client, fill_delays_s=stack.SIM_FILL_DELAYS_S)  # type: ignore[arg-type]
        bare, full = [], []
        for week in range(MONDAYS):
            close = FIRST_MONDAY + week * WEEK_MS
            sim.step_to(close)
            with connection(settings, autocommit=True) as conn:
                for job, keep, out in (("bench_bare", lambda _s: False, bare),
                                       ("evaluate", None, full)):  # fmt: skip
                    client.spent_s = 0.0
                    start = time.process_time()
                    evaluate(account, close, settings=settings, conn=conn, runtime=runtime,
                             job=job, keep=keep)  # fmt: skip
                    out.append((time.process_time() - start - client.spent_s) * 1000)
    finally:
        sim.stop()
    return bare[1:], full[1:]


def stack_latency(settings: Settings) -> tuple[list[float], list[float], int]:
    """(order acknowledgement latencies, no-order delivery times) in s over one replayed day."""
    fired: dict[str, float] = {}
    acks: list[float] = []
    quiet: list[float] = []
    lock = threading.Lock()
    endpoint = sim_rest.ENDPOINTS["/v5/order/create"]
    create = endpoint.handler

    def acked(*args: Any, **kwargs: Any) -> Any:
        answer = create(*args, **kwargs)
        with lock:
            acks.append(time.perf_counter() - fired["at"])
        return answer

    original_run_one = stack.run_one

    def run_one(event: Any, settings: Settings, cache: Any) -> tuple[str, bool]:
        before = len(acks)
        fired["at"] = time.perf_counter()
        line, ok = original_run_one(event, settings, cache)
        if len(acks) == before:
            quiet.append(time.perf_counter() - fired["at"])
        return line, ok

    sim_rest.ENDPOINTS["/v5/order/create"] = _with_handler(endpoint, acked)
    stack.run_one = run_one  # type: ignore[assignment]
    try:
        config = stack.UpConfig((), DAY_START, until_ms=DAY_START + 86_400_000)
        sim = stack.simulator(config)
        outcome = stack.up(config, settings, sim, lambda _line: None, threading.Event())
    finally:
        sim_rest.ENDPOINTS["/v5/order/create"] = endpoint
        stack.run_one = original_run_one  # type: ignore[assignment]
    return acks, quiet, outcome.runs


def _with_handler(endpoint: Any, handler: Callable[..., Any]) -> Any:
    from dataclasses import replace

    return replace(endpoint, handler=handler)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    settings = bench_settings()
    bare, full = evaluation_cpu(settings)
    med_full, med_bare = statistics.median(full), statistics.median(bare)
    first = ms_to_iso(FIRST_MONDAY + WEEK_MS)
    print(f"(a) one account, all four strategies at a Monday 00:00 close, warm, CPU without the "
          f"exchange calls, median of {len(full)} closes (from {first})")  # fmt: skip
    print(
        f"    full evaluation {med_full:8.1f} ms (min {min(full):.1f}, max {max(full):.1f})"
        f"   goal <= {CPU_GOAL_MS:.0f} ms: {'met' if med_full <= CPU_GOAL_MS else 'NOT met'}"
    )
    print(f"    bare evaluation {med_bare:8.1f} ms (no strategy kept: lock, ledger, context)")
    acks, quiet, runs = stack_latency(settings)
    print(
        f"(b) algo up, replay clock at max speed over {ms_to_iso(DAY_START)} + 1 day: "
        f"{runs} job runs, {len(acks)} orders acknowledged"
    )
    if acks:
        p99 = _pct(acks, 0.99)
        print(
            f"    fired -> order acknowledged  p50 {_pct(acks, 0.5) * 1000:7.1f} ms"
            f"  p99 {p99 * 1000:7.1f} ms   goal p99 < {P99_GOAL_S:.0f} s: "
            f"{'met' if p99 < P99_GOAL_S else 'NOT met'}"
        )
    print(
        f"    deliveries with no order     p50 {_pct(quiet, 0.5) * 1000:7.1f} ms"
        f"  p99 {_pct(quiet, 0.99) * 1000:7.1f} ms ({len(quiet)} runs)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
