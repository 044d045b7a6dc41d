"""The executor: evaluation at each candle close, the signal processor, reconciliation, and the
equity tracker's snapshot. docs/EXECUTION.md describes the pipeline, the ledger, order ids,
the intent log, reconciliation, paper trading and the replay."""

from __future__ import annotations

from typing import TYPE_CHECKING

from algotrading.lazy_exports import lazy_exports

if TYPE_CHECKING:
    from algotrading.execution.order_ids import order_link_id
    from algotrading.execution.runtime import RunResult, Runtime
    from algotrading.execution.schedule import BadCloseTime, closes_between, due, is_due
    from algotrading.execution.service import AccountInactive, evaluate, snapshot

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "algotrading.execution.order_ids": ("order_link_id",),
        "algotrading.execution.schedule": (
            "BadCloseTime",
            "closes_between",
            "due",
            "is_due",
        ),
        "algotrading.execution.runtime": ("RunResult", "Runtime"),
        "algotrading.execution.service": ("AccountInactive", "evaluate", "snapshot"),
    },
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
