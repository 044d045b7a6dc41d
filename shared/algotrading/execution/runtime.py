"""What an evaluation or a snapshot is given and gives back: the warm `Runtime` and `RunResult`.

They live apart from `execution.service` so that the jobs which only hold runtimes (the warm
cache, the funding poll) do not import the strategies and the pipeline to name them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from algotrading.execution.ledger import DEFAULT_LOCK_TIMEOUT_S

if TYPE_CHECKING:
    from algotrading.exchange.port import ExchangeService
    from algotrading.execution.inputs import CloseMarketData
    from algotrading.notify.base import Notifier

DEFAULT_FILL_DELAYS_S = (0.0, 0.2, 0.5, 1.0)
"""Pauses before each look at a just-placed market order (it normally fills at once)."""


@dataclass
class Runtime:
    """Reusable collaborators: one exchange client and its candle cache, one notifier."""

    exchange: ExchangeService | None = None
    market: CloseMarketData | None = None
    notifier: Notifier | None = None
    fill_delays_s: tuple[float, ...] = DEFAULT_FILL_DELAYS_S
    lock_timeout_s: float = DEFAULT_LOCK_TIMEOUT_S


@dataclass(frozen=True, slots=True)
class RunResult:
    """What `evaluate` or `snapshot` did (or, replayed, what the first run did)."""

    job: str
    account_id: int
    time_ms: int
    status: str
    replayed: bool
    report: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "job": self.job, "account_id": self.account_id, "time_ms": self.time_ms,
            "status": self.status, "replayed": self.replayed, "report": self.report,
        }  # fmt: skip
