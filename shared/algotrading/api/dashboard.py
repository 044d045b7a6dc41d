"""Serving the dashboard's static files from the API process (one machine).

The files are the router's fallback, not a route: a request reaches them only when no API route
matches its path, so every route wins whatever the order it was added in, and a wrong method on
an API path stays a 405. Paths under `/api` never reach the files: an unknown API route keeps
answering the JSON 404 of every other API error. The page and its API share one origin (no
CORS, the WebSocket on the same host).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from algotrading.dashboard import STATIC_DIR


class DashboardFiles(StaticFiles):
    """StaticFiles that hands `/api` paths and non-HTTP requests back to the router's 404."""

    def __init__(self, *, directory: Path, fallback: ASGIApp) -> None:
        super().__init__(directory=directory, html=True, check_dir=False)
        self.fallback = fallback

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path == "/api" or path.startswith("/api/"):
            await self.fallback(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def mount_dashboard(app: FastAPI, directory: Path | None) -> None:
    """Serve `directory` (default: the packaged files) where no route matches; index.html at /."""
    router = app.router
    router.default = DashboardFiles(directory=directory or STATIC_DIR, fallback=router.default)
