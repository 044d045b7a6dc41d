"""Helpers for the fan-out tests and benchmark: a moto SQS FIFO queue, accounts with nothing to
trade, and SQS messages turned into the event the Lambda event source mapping delivers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import psycopg
from execution_support import make_account
from moto import mock_aws
from sim_support import OTHER_KEY, OTHER_SECRET

from algotrading.db.accounts import set_credentials
from algotrading.domain.credentials import ApiCredentials

REGION = "eu-west-1"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:123456789012:accounts.fifo"


@contextmanager
def fifo_queue(visibility_s: int = 30) -> Iterator[tuple[Any, str]]:
    """(an SQS client, the URL of a FIFO queue without content-based deduplication) in moto."""
    with mock_aws():
        sqs = boto3.client("sqs", region_name=REGION)
        url = sqs.create_queue(
            QueueName="accounts.fifo",
            Attributes={"FifoQueue": "true", "VisibilityTimeout": str(visibility_s)},
        )["QueueUrl"]
        yield sqs, url


def idle_accounts(url: str, base_url: str, count: int) -> list[int]:
    """`count` active accounts with every strategy disabled, on the simulator's second wallet
    (so they never see another account's positions): each evaluation reconciles and places
    nothing."""
    ids = [make_account(url, base_url) for _ in range(count)]
    with psycopg.connect(url) as conn:
        for account_id in ids:
            set_credentials(conn, account_id, ApiCredentials(OTHER_KEY, OTHER_SECRET))
    return ids


def receive_event(sqs: Any, url: str, max_messages: int = 10) -> dict[str, Any]:
    """One `ReceiveMessage`, shaped as the SQS event a Lambda function receives."""
    answer = sqs.receive_message(
        QueueUrl=url, MaxNumberOfMessages=max_messages, MessageSystemAttributeNames=["All"]
    )
    return {"Records": [as_record(m) for m in answer.get("Messages", [])]}


def as_record(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "messageId": message["MessageId"], "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"], "attributes": message.get("Attributes", {}),
        "messageAttributes": {}, "md5OfBody": message["MD5OfBody"], "eventSource": "aws:sqs",
        "eventSourceARN": QUEUE_ARN, "awsRegion": REGION,
    }  # fmt: skip


def acknowledge(sqs: Any, url: str, event: dict[str, Any], answer: dict[str, Any]) -> None:
    """What the event source mapping does with a partial batch response: delete the records
    not listed in `batchItemFailures` (the listed ones come back after the visibility timeout)."""
    failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
    for record in event["Records"]:
        if record["messageId"] not in failed:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=record["receiptHandle"])


def bodies(event: dict[str, Any]) -> list[dict[str, Any]]:
    return [json.loads(r["body"]) for r in event["Records"]]
