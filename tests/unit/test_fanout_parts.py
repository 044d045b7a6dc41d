"""The fan-out's message, its queue setting, the adapter choice and a refused dispatch (no
database, no AWS: a stand-in SQS client)."""

from __future__ import annotations

from typing import Any

import pytest

from algotrading.errors import ConfigError
from algotrading.jobs.account_message import AccountMessage
from algotrading.jobs.events import BadEvent
from algotrading.jobs.fanout import InProcessFanOut, fanout_from_settings
from algotrading.jobs.sqs_fanout import DispatchFailed, SqsFanOut, queue_region
from algotrading.jobs.worker_entry import batch_counts
from algotrading.settings import load_settings

CLOSE = 1_761_318_000_000  # 2025-10-24T15:00:00Z
QUEUE = "https://sqs.eu-west-1.amazonaws.com/123456789012/accounts.fifo"


def test_message_group_is_the_account_and_dedup_is_job_time_account() -> None:
    message = AccountMessage.of("candle_close", CLOSE, 42)
    assert message.body() == {
        "job": "candle_close", "scheduled_time": "2025-10-24T15:00:00Z", "account_id": 42,
    }  # fmt: skip
    assert message.group_id == "42"
    assert message.dedup_id == "candle_close:1761318000000:42"
    assert (
        AccountMessage.parse_body(
            '{"job": "candle_close", "scheduled_time": "2025-10-24T15:00:00Z", "account_id": 42}'
        )
        == message
    )


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ('{"job": "candle_close", "scheduled_time": "2025-10-24T15:00:00Z"}', "account_id"),
        ('{"job": "candle_close", "scheduled_time": "2025-10-24T15:00:00Z", "account_id": 0}',
         "greater than 0"),
        ('{"job": "funding_poll", "scheduled_time": "2025-10-24T15:00:00Z", "account_id": 1}',
         "not fanned out"),
        ("not json", "Invalid JSON"),
    ],
)  # fmt: skip
def test_a_body_that_is_not_an_account_message_is_refused(body: str, why: str) -> None:
    with pytest.raises(BadEvent, match=why):
        AccountMessage.parse_body(body)


def test_queue_setting_must_be_a_fifo_queue_url() -> None:
    assert load_settings(ALGO_ACCOUNT_QUEUE_URL=QUEUE).account_queue_url == QUEUE
    assert load_settings(ALGO_ACCOUNT_QUEUE_URL=" ").account_queue_url is None
    with pytest.raises(ConfigError, match="FIFO"):
        load_settings(ALGO_ACCOUNT_QUEUE_URL=QUEUE.removesuffix(".fifo"))


def test_adapter_is_chosen_by_the_queue_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALGO_ACCOUNT_QUEUE_URL", raising=False)
    assert isinstance(fanout_from_settings(load_settings()), InProcessFanOut)
    chosen = fanout_from_settings(load_settings(ALGO_ACCOUNT_QUEUE_URL=QUEUE))
    assert isinstance(chosen, SqsFanOut) and chosen.queue_url == QUEUE


def test_region_comes_from_the_queue_url() -> None:
    assert queue_region(QUEUE) == "eu-west-1"
    assert queue_region("http://localhost:9324/000000000000/accounts.fifo") is None


class RefusingSqs:
    """Refuses the second entry of every batch."""

    def __init__(self) -> None:
        self.batches: list[list[dict[str, Any]]] = []

    def send_message_batch(self, **call: Any) -> dict[str, Any]:
        self.batches.append(call["Entries"])
        return {"Failed": [{"Id": "1", "Code": "InternalError", "SenderFault": False}]}


def test_a_refused_entry_fails_the_dispatch_naming_its_account() -> None:
    client = RefusingSqs()
    fanout = SqsFanOut(QUEUE, client)
    batch = [AccountMessage.of("candle_close", CLOSE, a) for a in (7, 8, 9)]
    with pytest.raises(DispatchFailed, match=r"accounts \[8\].*InternalError"):
        fanout._send(batch)
    entry = client.batches[0][2]
    assert entry["MessageGroupId"] == "9"
    assert entry["MessageDeduplicationId"] == "candle_close:1761318000000:9"


def test_batch_metrics_count_fresh_work_only() -> None:
    lines = [
        {"account_id": 1, "status": "done", "replayed": False, "orders": 2},
        {"account_id": 2, "status": "done", "replayed": True, "orders": 2},  # counted before
        {"account_id": 3, "status": "skipped", "replayed": False},
        {"account_id": 4, "error": "MissingCredentials: no keys"},
        {"message_id": "m", "status": "refused", "error": "refused account message"},
    ]
    assert batch_counts(lines) == {
        "AccountsEvaluated": 1, "OrdersPlaced": 2, "AccountFailures": 1, "RefusedPayloads": 1,
    }  # fmt: skip
