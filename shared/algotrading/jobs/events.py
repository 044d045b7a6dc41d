"""The payload every schedule delivers, one model for the handlers and the schedules' definitions.

EventBridge Scheduler fills `scheduled_time` from `<aws.scheduler.scheduled-time>` (ISO 8601,
UTC, e.g. `2025-10-24T15:00:00Z`); the local scheduler and the CLI build the same payload.
The scheduled time, never the request id or the wall clock, is the job's idempotency key: a
retried or duplicated delivery carries the same time. Only pydantic is imported here so a
handler can refuse a bad payload before it loads anything heavy.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, field_validator

from algotrading.errors import AppError

JobName = Literal[
    "candle_close",
    "equity_snapshot",
    "weekly_rebalance",
    "funding_poll",
    "live_parity",
    "market_history",
]
JOB_NAMES: tuple[JobName, ...] = (
    "candle_close", "equity_snapshot", "weekly_rebalance", "funding_poll", "live_parity",
)  # fmt: skip
"""The jobs `algo jobs run` and the local scheduler run; `market_history` is run by hand with
`algo data fetch`, over any span (docs/jobs.md)."""


class RefusedJob(AppError, ValueError):
    """A payload or time the job will not run: nothing was written."""


class BadEvent(RefusedJob):
    """The payload is not `{"job": NAME, "scheduled_time": ISO 8601 with a zone}`."""


class ScheduledEvent(BaseModel):
    """`{"job": NAME, "scheduled_time": "<ISO 8601 UTC>"}`; other keys are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    job: JobName
    scheduled_time: AwareDatetime

    @field_validator("scheduled_time", mode="before")
    @classmethod
    def _iso_text(cls, value: Any) -> Any:
        """Only text: a bare number could be seconds or milliseconds, so it is refused."""
        if not isinstance(value, str):
            raise ValueError("scheduled_time must be an ISO 8601 string with a time zone")
        return value

    @property
    def time_ms(self) -> int:
        """The scheduled time in UTC milliseconds (sub-millisecond parts are not on any grid)."""
        return round(self.scheduled_time.timestamp() * 1000)

    @classmethod
    def for_job(cls, job: JobName, payload: Any) -> ScheduledEvent:
        """Parse `payload` and check it names `job`; a `BadEvent` (one line) otherwise."""
        try:
            event = cls.model_validate(payload)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'payload'}: {e['msg']}"
                for e in exc.errors()
            )
            raise BadEvent(f"refused {job} payload: {problems}") from None
        if event.job != job:
            raise BadEvent(f"refused payload: it is for {event.job!r}, this is {job!r}")
        return event

    @classmethod
    def at(cls, job: JobName, moment: datetime) -> ScheduledEvent:
        """The payload the schedules deliver for `job` at `moment` (aware), parsed from its ISO
        text as a delivery is (the model accepts only text)."""
        return cls.for_job(job, {"job": job, "scheduled_time": moment.isoformat()})

    def payload(self) -> dict[str, str]:
        """The JSON payload, as EventBridge Scheduler's input template produces it."""
        text = self.scheduled_time.isoformat().replace("+00:00", "Z")
        return {"job": self.job, "scheduled_time": text}
