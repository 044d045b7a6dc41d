"""`/api/health`: is the API able to serve (database reachable and migrated)? Public, so a
load balancer or an uptime check can call it without a token; it reveals no data."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel

from algotrading import __version__
from algotrading.api.database import Database
from algotrading.api.responses import errors
from algotrading.errors import AppError
from algotrading.logs import redact

router = APIRouter(prefix="/api", tags=["system"])


class Check(BaseModel):
    ok: bool
    detail: str


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: Check


def _database_check(database: Database) -> Check:
    try:
        with database.connection() as conn:
            conn.execute("SELECT 1")
    except AppError as exc:
        return Check(ok=False, detail=redact(str(exc)))
    return Check(ok=True, detail="reachable, schema current")


@router.get("/health", responses=errors(503))
def health(request: Request) -> Health:
    database = _database_check(request.app.state.database)
    return Health(
        status="ok" if database.ok else "degraded", version=__version__, database=database
    )
