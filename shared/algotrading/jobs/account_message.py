"""One unit of fanned-out work: a job, its scheduled time and one account.

The dispatcher (`jobs.sqs_fanout`) writes it, the worker (`jobs.account_worker`) parses it.
Its queue attributes are derived from it, never from the wall clock or a request id:

- group: the account id, so one account's messages are delivered in order, one at a time,
  while different accounts run in parallel;
- deduplication id: job, scheduled time and account, so the same dispatch sent twice (a
  retried or duplicated delivery of the schedule) is one message within SQS's 5-minute
  window, and the per-account ledger (`evaluations`) makes any later copy a replay.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import PositiveInt, ValidationError

from algotrading.domain.timefmt import ms_to_iso
from algotrading.jobs.events import BadEvent, ScheduledEvent

FannedOutJob = Literal["candle_close"]
FANNED_OUT: tuple[FannedOutJob, ...] = ("candle_close",)
"""The jobs whose accounts can be fanned out (the others still run in one loop)."""


class AccountMessage(ScheduledEvent):
    """`{"job": NAME, "scheduled_time": "<ISO 8601 UTC>", "account_id": N}`."""

    account_id: PositiveInt

    @classmethod
    def parse_body(cls, body: str) -> AccountMessage:
        """The message from a queue body; `BadEvent` (one line) when it is not one."""
        try:
            message = cls.model_validate_json(body)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
            )
            raise BadEvent(f"refused account message: {problems}") from None
        if message.job not in FANNED_OUT:
            raise BadEvent(f"refused account message: {message.job!r} is not fanned out")
        return message

    @classmethod
    def of(cls, job: FannedOutJob, time_ms: int, account_id: int) -> AccountMessage:
        """The message for `account_id`'s part of `job` at `time_ms` (UTC ms)."""
        return cls.model_validate(
            {"job": job, "scheduled_time": ms_to_iso(time_ms), "account_id": account_id}
        )

    @property
    def group_id(self) -> str:
        return str(self.account_id)

    @property
    def dedup_id(self) -> str:
        return f"{self.job}:{self.time_ms}:{self.account_id}"

    def body(self) -> dict[str, Any]:
        return {**self.payload(), "account_id": self.account_id}
