"""The fan-out worker's Lambda shape: an SQS FIFO batch in, a partial batch response out.

Each record is one account's work (`jobs.account_worker`), on one database connection per
batch. A record whose account fails is reported in `batchItemFailures` (SQS delivers it again
after the visibility timeout, then to the dead-letter queue) and never fails the others; with
`skip_group_on_error` only the later records of the same account (message group) are held
back with it, so an account's work stays in order. A body that is not an account message is
refused with a log line and a `RefusedPayloads` metric and not retried: a retry could not
make it valid.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from algotrading.jobs.account_message import AccountMessage
from algotrading.jobs.account_worker import work_account
from algotrading.jobs.config import TRADING_SETTINGS, job_connection, job_settings
from algotrading.jobs.events import RefusedJob
from algotrading.jobs.lambda_entry import Handler
from algotrading.jobs.runtimes import RuntimeCache, warm_cache
from algotrading.jobs.tracing import tracer_for
from algotrading.settings import Settings

SERVICE = "account_worker"


def process_batch(
    event: dict[str, Any], settings: Settings, cache: RuntimeCache | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(the partial batch response, one summary line per record in order) for an SQS event."""
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    processor.raise_on_entire_batch_failure = False  # answered, not raised: see the docstring
    lines: list[dict[str, Any]] = []
    with job_connection(settings) as db:

        def handle(record: SQSRecord) -> dict[str, Any]:
            try:
                message = AccountMessage.parse_body(record.body)
            except RefusedJob as exc:
                line = {"message_id": record.message_id, "status": "refused", "error": str(exc)}
                lines.append(line)
                return line
            try:
                line = work_account(db, message, settings, cache or warm_cache(message.job))
            except Exception as exc:
                lines.append({"account_id": message.account_id, "error": str(exc)})
                raise
            lines.append(line | {"job": message.job, "time_ms": message.time_ms})
            return line

        with processor(records=event.get("Records", []), handler=handle):
            processor.process()
    return dict(processor.response()), lines


def account_worker_handler() -> Handler:
    """The `account_worker` function: one batch per delivery, its business metrics counted."""
    logger = Logger(service=SERVICE)
    metrics = Metrics(namespace="algotrading", service=SERVICE)
    tracer = tracer_for(SERVICE)

    @logger.inject_lambda_context(clear_state=True)
    @metrics.log_metrics
    @tracer.capture_lambda_handler
    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response, lines = process_batch(event, job_settings(TRADING_SETTINGS))
        counts = batch_counts(lines)
        for name, value in counts.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        for line in lines:
            if line.get("status") == "refused":
                logger.error("refused", extra=line)
        logger.info(SERVICE, extra={"accounts": lines, **counts, **response})
        return response

    return handler


def batch_counts(lines: list[dict[str, Any]]) -> dict[str, int]:
    """The worker's metrics over one batch (an account replayed was counted by its first run)."""
    fresh = [ln for ln in lines if "error" not in ln and not ln.get("replayed")]
    return {
        "AccountsEvaluated": sum(1 for ln in fresh if ln.get("status") in ("done", "failed")),
        "OrdersPlaced": sum(int(ln.get("orders", 0)) for ln in fresh),
        "AccountFailures": sum(1 for ln in lines if "error" in ln and "status" not in ln),
        "RefusedPayloads": sum(1 for ln in lines if ln.get("status") == "refused"),
    }
