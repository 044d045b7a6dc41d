"""`/api/health` and `/api/system`: is the product running, and what did it do?

Health is public, so a load balancer or an uptime check can call it without a token; it
reveals no data. Job runs are system-wide (one run serves every account): admins only. Alerts
and the audit: an admin sees all, a user the rows of their own accounts.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from algotrading import __version__
from algotrading.api import system_status
from algotrading.api.deps import Admin, Caller, Conn, PageQuery
from algotrading.api.responses import SIGNED_IN, errors
from algotrading.api.schemas.common import Page
from algotrading.api.schemas.system import JOB_RUN_ID, AlertOut, AuditOut, Health, JobRunOut
from algotrading.db import job_runs

router = APIRouter(prefix="/api", tags=["system"])
JobName = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z][a-z0-9_]{0,63}$", description="Only this job", examples=["candle_close"]
    ),
]
RunId = Annotated[
    str, Path(pattern=JOB_RUN_ID, description="`job@scheduled_ms`", examples=["candle_close@0"])
]


@router.get("/health", responses=errors(503))
def health(request: Request) -> Health:
    database = request.app.state.database
    db_check = system_status.database_check(database)
    return Health(
        status="ok" if db_check.ok else "degraded", version=__version__, database=db_check,
        exchange=system_status.exchange_check(database), stream=system_status.STREAM_UNKNOWN,
    )  # fmt: skip


@router.get("/system/job-runs", responses=SIGNED_IN)
def list_job_runs(
    admin: Admin, conn: Conn, page: PageQuery, job: JobName = None
) -> Page[JobRunOut]:
    """Runs of the scheduled jobs, newest first, with their summaries (admins)."""
    found, total = job_runs.page_runs(conn, job, page.limit, page.offset)
    items = [JobRunOut.of(r) for r in found]
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/system/job-runs/{run_id}", responses=errors(400, 401, 403, 404, 422, 503))
def get_job_run(run_id: RunId, admin: Admin, conn: Conn) -> JobRunOut:
    return system_status.job_run(conn, run_id)


@router.get("/system/alerts", responses=SIGNED_IN)
def list_alerts(caller: Caller, conn: Conn, page: PageQuery) -> Page[AlertOut]:
    """Alerts, newest first: an admin's all, a user's of their own accounts."""
    items, total = system_status.alert_page(conn, caller, page.limit, page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)


@router.get("/system/audit", responses=SIGNED_IN)
def list_audit(caller: Caller, conn: Conn, page: PageQuery) -> Page[AuditOut]:
    """Operator and admin actions, newest first: an admin's all, a user's on their accounts."""
    items, total = system_status.audit_page(conn, caller, page.limit, page.offset)
    return Page(items=items, total=total, limit=page.limit, offset=page.offset)
