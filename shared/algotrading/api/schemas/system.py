"""Models of `/api/health` and `/api/system`: health checks, job runs, alerts, the audit."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from algotrading.db.alerts import StoredAlert
from algotrading.db.audit import AuditEntry
from algotrading.db.job_runs import JobRun
from algotrading.domain.timefmt import ms_to_iso

JOB_RUN_ID = r"^[a-z][a-z0-9_]{0,63}@[0-9]{1,15}$"


def _iso(ms: int | None) -> str | None:
    return None if ms is None else ms_to_iso(ms)


class Check(BaseModel):
    ok: bool | None = Field(description="True healthy, False not, null when it cannot be known")
    detail: str
    at: str | None = Field(default=None, description="When it was last seen working (ISO 8601)")


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded when the database is not")
    version: str
    database: Check
    exchange: Check
    stream: Check


class JobRunOut(BaseModel):
    id: str = Field(
        pattern=JOB_RUN_ID, examples=["funding_poll@1759276800000"],
        description="`job@scheduled time in UTC ms`: a run is one job at one scheduled time",
    )  # fmt: skip
    job: str
    scheduled_time: str
    status: Literal["running", "done", "failed"]
    attempts: int = Field(ge=1)
    started_at: str | None
    finished_at: str | None
    result: dict[str, Any] | None = Field(description="The run's summary (done or failed)")

    @classmethod
    def of(cls, run: JobRun) -> JobRunOut:
        return cls(
            id=f"{run.job}@{run.scheduled_ms}", job=run.job,
            scheduled_time=ms_to_iso(run.scheduled_ms), status=run.status,  # type: ignore[arg-type]
            attempts=run.attempts, started_at=_iso(run.started_ms),
            finished_at=_iso(run.finished_ms), result=run.result,
        )  # fmt: skip


class AlertOut(BaseModel):
    id: int
    account_id: int | None = Field(description="null: a system-wide alert")
    level: Literal["info", "warning", "critical"]
    kind: str
    message: str
    details: dict[str, Any]
    created_at: str
    delivered_at: str | None

    @classmethod
    def of(cls, stored: StoredAlert) -> AlertOut:
        event = stored.event
        return cls(
            id=stored.id, account_id=event.account_id, level=event.level.value,
            kind=event.kind.value, message=event.message, details=dict(event.details),
            created_at=ms_to_iso(stored.created_ms), delivered_at=_iso(stored.delivered_ms),
        )  # fmt: skip


class AuditOut(BaseModel):
    id: int
    account_id: int | None = Field(description="null: an admin action on a user")
    action: str
    scope: str
    actor: str | None
    reason: str | None
    user_id: int | None
    detail: dict[str, Any]
    created_at: str

    @classmethod
    def of(cls, entry: AuditEntry) -> AuditOut:
        return cls(
            id=entry.id, account_id=entry.account_id, action=entry.action.value,
            scope=entry.scope, actor=entry.actor, reason=entry.reason, user_id=entry.user_id,
            detail=dict(entry.detail), created_at=ms_to_iso(entry.time_ms),
        )  # fmt: skip
