"""How a close reaches its accounts: the fan-out port and its choice by settings.

A close with a handful of accounts runs them in the job's own process, one after the other
(`InProcessFanOut`, the loop of `jobs.each_account`): that is the one-machine stack and every
deployment without `ALGO_ACCOUNT_QUEUE_URL`. With thousands of accounts one process cannot
finish inside the bar (docs/scaling.md), so the job only dispatches: `SqsFanOut`
(`jobs.sqs_fanout`) puts one message per active account on an SQS FIFO queue and returns, and
the `account_worker` function runs each account through the same per-account code.
"""

from __future__ import annotations

from typing import Any, Protocol

import psycopg

from algotrading.jobs.each_account import AccountWork, each_account
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.settings import Settings


class AccountFanOut(Protocol):
    """Runs (or hands off) one job's per-account work for every active account."""

    def run(
        self,
        conn: psycopg.Connection,
        job: str,
        time_ms: int,
        settings: Settings,
        cache: RuntimeCache,
        work: AccountWork,
    ) -> dict[str, Any]:
        """The job summary: `accounts` and `failures` of the accounts run here (none when the
        work was handed off), `evaluated`, and what the adapter adds (`dispatched`)."""
        ...


class InProcessFanOut:
    """Every account in this process, one after the other: today's loop, unchanged."""

    def run(
        self,
        conn: psycopg.Connection,
        job: str,
        time_ms: int,
        settings: Settings,
        cache: RuntimeCache,
        work: AccountWork,
    ) -> dict[str, Any]:
        return each_account(conn, job, time_ms, settings, cache, work)


def fanout_from_settings(settings: Settings) -> AccountFanOut:
    """SQS when a queue is configured, else in process (the adapter module and boto3 load
    only when a queue is configured, so the default path imports nothing more)."""
    if settings.account_queue_url:
        from algotrading.jobs.sqs_fanout import SqsFanOut

        return SqsFanOut(settings.account_queue_url)
    return InProcessFanOut()
