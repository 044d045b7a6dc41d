"""Serving the dashboard's static files from the API process (one machine).

Mounted at `/` after the API routers, so a page is one origin with its API (no CORS, the
WebSocket on the same host). Paths under `/api` never reach the files: an unknown API route
keeps answering the JSON 404 of every other API error, whatever the method.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from algotrading.dashboard import STATIC_DIR


class DashboardFiles(StaticFiles):
    """StaticFiles that leaves `/api` to the API's own 404."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and (path == "/api" or path.startswith("/api/")):
            raise HTTPException(status_code=404)
        await super().__call__(scope, receive, send)


def mount_dashboard(app: FastAPI, directory: Path | None) -> None:
    """Serve `directory` (default: the packaged files) at `/`; index.html for `/`."""
    folder = directory or STATIC_DIR
    app.mount("/", DashboardFiles(directory=folder, html=True, check_dir=False), name="dashboard")
