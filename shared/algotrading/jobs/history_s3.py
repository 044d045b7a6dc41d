"""The S3 adapter of the market-history store (`jobs.history_store`): the same keys under a
bucket and prefix (ALGO_HISTORY_BUCKET, ALGO_HISTORY_PREFIX).

A PUT replaces an object in one step, so a reader never sees half a file. There is no lock
across processes here: in AWS the job's deliveries are serialised by the job ledger
(`jobs.runs`, one run per scheduled time under a database lock), and each write keeps only rows
after the last stored time, so a repeat appends nothing. `lock` serialises writers within one
process. boto3 is imported when the adapter is built, so the local store never loads it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class S3HistoryStore:
    """Files as objects `{prefix}/{key}` of one bucket."""

    def __init__(self, bucket: str, prefix: str = "", client: Any = None) -> None:
        if client is None:
            import boto3

            client = boto3.client("s3")
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._lock = threading.Lock()

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def read(self, key: str) -> bytes | None:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self.client.exceptions.NoSuchKey:
            return None
        data: bytes = answer["Body"].read()
        return data

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket, Key=self._key(key), Body=data, ContentType="application/gzip"
        )

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        with self._lock:
            yield

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"
