"""The executor: evaluation at each candle close, the signal processor, reconciliation, and the
equity tracker's snapshot. docs/EXECUTION.md describes the pipeline, the ledger, order ids,
the intent log, reconciliation, paper trading and the replay."""

from algotrading.execution.order_ids import order_link_id
from algotrading.execution.schedule import BadCloseTime, closes_between, due, is_due
from algotrading.execution.service import (
    AccountInactive,
    RunResult,
    Runtime,
    evaluate,
    snapshot,
)

__all__ = [
    "AccountInactive",
    "BadCloseTime",
    "RunResult",
    "Runtime",
    "closes_between",
    "due",
    "evaluate",
    "is_due",
    "order_link_id",
    "snapshot",
]
