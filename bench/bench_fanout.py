"""Accounts evaluated per second through the candle close's fan-out, beside the bare loop.

Each pass evaluates the same close (2025-10-20 10:15 UTC: the 15m strategies only, where
nobody trades) for every account, on warm runtimes, after the ledgers are forgotten:

- bare loop: `execution.evaluate` per account, one after the other (the baseline);
- in process: `jobs.scheduled.candle_close` without a queue (job ledger, isolation, summary);
- bare loop under moto: the baseline again inside `mock_aws` (moto routes every HTTP request
  of the process through its own patch, which slows the simulator calls too);
- SQS (moto): `candle_close` with a FIFO queue (dispatch timed apart), then the real worker
  (`jobs.worker_entry.process_batch`) over batches of ten, as the event source mapping
  would deliver them. One worker here; in AWS the queue feeds many at once (docs/scaling.md).

It also counts the HTTP requests one account's evaluation sends to the exchange (the
figure docs/scaling.md builds on). Run: `python -m bench.bench_fanout [accounts]`.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

import psycopg

from algotrading.db.accounts import list_active_accounts
from algotrading.execution import evaluate
from algotrading.jobs.account_runs import is_per_bar
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.jobs.scheduled import candle_close
from algotrading.jobs.worker_entry import process_batch
from algotrading.settings import get_settings
from bench.fanout_stack import Stack, counted_requests, fanout_stack, forget_runs

CLOSE = 1_760_955_300_000  # 2025-10-20T10:15:00Z
ACCOUNTS = 40
REGION = "eu-west-1"


def bare_loop(stack: Stack, cache: RuntimeCache, close: int = CLOSE) -> Callable[[], int]:
    """`evaluate` per account on one autocommit connection, nothing around it."""

    def run() -> int:
        with psycopg.connect(stack.db_url, autocommit=True) as conn:
            results = [
                evaluate(a.id, close, conn=conn, runtime=cache.get(a), keep=is_per_bar)
                for a in list_active_accounts(conn)
            ]
        return sum(len(r.report.get("orders", [])) for r in results)

    return run


def in_process(stack: Stack, cache: RuntimeCache) -> Callable[[], int]:
    def run() -> int:
        return candle_close(CLOSE, cache=cache).metric("orders_placed")

    return run


def through_sqs(stack: Stack, cache: RuntimeCache, dispatch_s: list[float]) -> Callable[[], int]:
    """Dispatch to a moto FIFO queue, then drain it through the worker in batches of ten."""
    import boto3

    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="bench.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]

    def run() -> int:
        os.environ["ALGO_ACCOUNT_QUEUE_URL"] = url
        get_settings.cache_clear()
        try:
            start = time.perf_counter()
            candle_close(CLOSE, cache=cache)
            dispatch_s.append(time.perf_counter() - start)
            return _drain(sqs, url, cache)
        finally:
            os.environ.pop("ALGO_ACCOUNT_QUEUE_URL")
            get_settings.cache_clear()

    return run


def _drain(sqs: object, url: str, cache: RuntimeCache) -> int:
    orders = 0
    while messages := sqs.receive_message(  # type: ignore[attr-defined]
        QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    ).get("Messages", []):
        records = [_record(m) for m in messages]
        response, lines = process_batch({"Records": records}, get_settings(), cache)
        if response["batchItemFailures"]:
            raise RuntimeError(f"the worker failed: {lines}")
        orders += sum(int(line.get("orders", 0)) for line in lines)
        for m in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])  # type: ignore[attr-defined]
    return orders


def _record(message: dict[str, Any]) -> dict[str, Any]:
    """The fields of an SQS event record the worker reads."""
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": message["Attributes"],
    }


def timed(stack: Stack, run: Callable[[], int]) -> tuple[float, int, int]:
    """(seconds, orders placed, HTTP requests) of one pass over every account."""
    forget_runs(stack.db_url)
    with counted_requests() as sent:
        start = time.perf_counter()
        orders = run()
        elapsed = time.perf_counter() - start
    return elapsed, orders, sum(sent.values())


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else ACCOUNTS
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    from moto import mock_aws

    with fanout_stack(count, CLOSE) as stack:
        cache = RuntimeCache()
        cold, _, cold_requests = timed(stack, bare_loop(stack, cache))  # opens the clients
        print(f"fan-out of one 15m close over {count} accounts (all four strategies, defaults),"
              f" warm runtimes; cold first pass {cold:.2f} s, {cold_requests / count:.1f}"
              " HTTP requests per account")  # fmt: skip
        print(f"{'path':<26}{'s':>8}{'accounts/s':>12}{'req/account':>13}{'orders':>8}")
        passes: list[tuple[str, Callable[[], int]]] = [
            ("bare loop (baseline)", bare_loop(stack, cache)),
            ("in process (adapter)", in_process(stack, cache)),
        ]
        for name, run in passes:
            _row(name, count, *timed(stack, run))
        dispatch_s: list[float] = []
        with mock_aws():
            _row("bare loop under moto", count, *timed(stack, bare_loop(stack, cache)))
            _row(
                "SQS (moto) + 1 worker", count, *timed(stack, through_sqs(stack, cache, dispatch_s))
            )
        print(f"  of which the dispatch of {count} messages: {dispatch_s[0] * 1e3:.1f} ms")
        per_path(stack, cache, count)
    return 0


def per_path(stack: Stack, cache: RuntimeCache, count: int) -> None:
    """The requests of one account at the next close on warm runtimes (a new close: fresh
    candles), by endpoint: what one account's evaluation costs at Bybit's limits."""
    with counted_requests() as sent:
        bare_loop(stack, cache, CLOSE + 15 * 60_000)()
    paths = ", ".join(f"{p} {n / count:g}" for p, n in sorted(sent.items()))
    print(f"requests per account at the next close (warm): {sum(sent.values()) / count:g}: {paths}")


def _row(name: str, count: int, elapsed: float, orders: int, requests: int) -> None:
    print(f"{name:<26}{elapsed:>8.2f}{count / elapsed:>12.1f}{requests / count:>13.1f}{orders:>8}")


if __name__ == "__main__":
    sys.exit(main())
