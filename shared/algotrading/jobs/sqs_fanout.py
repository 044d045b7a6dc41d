"""The SQS adapter of the fan-out port: one FIFO message per active account, then return.

The dispatcher runs once per close (the `job_runs` ledger around it): it lists the active
accounts and sends them in batches of ten (SQS's batch limit), each with the account as its
message group and (job, time, account) as its deduplication id (`jobs.account_message`). A
batch entry SQS refuses makes the dispatch raise: the run is stored `failed`, and the next
delivery of the schedule dispatches again; the messages already sent collapse into their first
copy (within SQS's 5-minute window) or are replayed by the per-account ledger (after it).
"""

from __future__ import annotations

import json
import re
from typing import Any

import psycopg

from algotrading.db.accounts import list_active_accounts
from algotrading.errors import AppError
from algotrading.jobs.account_message import FANNED_OUT, AccountMessage
from algotrading.jobs.each_account import AccountWork
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.logs import get_logger
from algotrading.settings import Settings

log = get_logger(__name__)

SQS_BATCH = 10
"""SQS's most entries per SendMessageBatch call."""
_REGION = re.compile(r"^https?://sqs[.-]([a-z0-9-]+)\.amazonaws\.com/")


class DispatchFailed(AppError):
    """SQS refused some of a close's messages: the next delivery of the close dispatches again."""


def queue_region(queue_url: str) -> str | None:
    """The region in an SQS queue URL (`https://sqs.eu-west-1.amazonaws.com/...`), if any."""
    found = _REGION.match(queue_url)
    return found.group(1) if found else None


class SqsFanOut:
    """Hands each account's work to the `account_worker` function through an SQS FIFO queue."""

    def __init__(self, queue_url: str, client: Any = None) -> None:
        self.queue_url = queue_url
        self._client = client

    @property
    def client(self) -> Any:
        """The SQS client, made on first use (boto3 loads only on the dispatching path)."""
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs", region_name=queue_region(self.queue_url))
        return self._client

    def run(
        self,
        conn: psycopg.Connection,
        job: str,
        time_ms: int,
        settings: Settings,
        cache: RuntimeCache,
        work: AccountWork,
    ) -> dict[str, Any]:
        """Send one message per active account; nothing is evaluated here (`evaluated` 0)."""
        if job not in FANNED_OUT:
            raise ValueError(f"{job} is not a fanned-out job")
        accounts = [a.id for a in list_active_accounts(conn)]
        messages = [AccountMessage.of(job, time_ms, a) for a in accounts]
        for start in range(0, len(messages), SQS_BATCH):
            self._send(messages[start : start + SQS_BATCH])
        log.info("%s: dispatched %d accounts to %s", job, len(messages), self.queue_url)
        return {"accounts": [], "failures": [], "evaluated": 0, "dispatched": len(messages)}

    def _send(self, batch: list[AccountMessage]) -> None:
        entries = [_entry(str(i), m) for i, m in enumerate(batch)]
        answer = self.client.send_message_batch(QueueUrl=self.queue_url, Entries=entries)
        refused = answer.get("Failed") or []
        if refused:
            ids = [batch[int(f["Id"])].account_id for f in refused]
            reasons = sorted({f.get("Code", "?") for f in refused})
            raise DispatchFailed(f"SQS refused the messages of accounts {ids}: {reasons}")


def _entry(entry_id: str, message: AccountMessage) -> dict[str, str]:
    """One SendMessageBatch entry: the account as its group, (job, time, account) deduplicates."""
    return {
        "Id": entry_id,
        "MessageBody": json.dumps(message.body()),
        "MessageGroupId": message.group_id,
        "MessageDeduplicationId": message.dedup_id,
    }
