"""The app factory: one FastAPI app for uvicorn (one machine) and Mangum (Lambda).

`create_app` wires settings, the lazily opened database, the error shape, the body limit, the
routers and the dashboard's static files; it opens nothing itself, so building the app costs no
connection (Lambda cold start).
"""

from __future__ import annotations

from fastapi import FastAPI

from algotrading import __version__
from algotrading.api.config import ApiSettings, get_api_settings
from algotrading.api.dashboard import mount_dashboard
from algotrading.api.database import Database
from algotrading.api.errors import install_error_handlers
from algotrading.api.limits import BodyLimit
from algotrading.api.live import socket as live_socket
from algotrading.api.routers import (
    accounts,
    auth,
    backtest,
    controls,
    market,
    portfolio,
    strategies,
    system,
    trading,
    users,
)  # fmt: skip
from algotrading.logs import in_lambda
from algotrading.settings import Settings, get_settings

ROUTERS = (
    system.router, auth.router, users.router, accounts.router, portfolio.router,
    strategies.router, controls.router, trading.router, market.router, backtest.router,
    live_socket.router,
)  # fmt: skip

DESCRIPTION = """Portfolio trading on Bybit USDT perpetuals.

Sign in at `/api/auth/login`, then send `Authorization: Bearer <access token>`. Routes about one
trading account also need `X-Trading-Account-Id`. Every error answers
`{"error": {"code", "message", "field"}}`.
"""


API_NEEDS_REQUIRED = ("DATABASE_URL",)
API_NEEDS_OPTIONAL = ("ALGO_SECRETS_KEY",)
"""In Lambda the API reads its database and, when present, the key of the exchange keys (a
route that needs it and finds none answers 503) from Secrets Manager/SSM, as the jobs do."""


def platform_settings() -> Settings:
    """The trading settings of this process: per-function secrets in Lambda, else the
    environment (docs/configuration.md, "Secrets in AWS Lambda")."""
    if not in_lambda():
        return get_settings()
    from algotrading.jobs.config import SettingsNeeds, lambda_settings

    return lambda_settings(SettingsNeeds(API_NEEDS_REQUIRED, API_NEEDS_OPTIONAL))


def create_app(
    settings: Settings | None = None, api_settings: ApiSettings | None = None
) -> FastAPI:
    app = FastAPI(
        title="algotrading", version=__version__, description=DESCRIPTION,
        docs_url="/docs", redoc_url=None, openapi_url="/openapi.json",
    )  # fmt: skip
    app.state.settings = settings or platform_settings()
    app.state.api_settings = api_settings or get_api_settings()
    app.state.database = Database(app.state.settings)
    app.state.live_hub = None  # started by the first WebSocket client
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    mount_dashboard(app, app.state.api_settings.static_dir)  # where no route matches
    app.add_middleware(BodyLimit, max_bytes=app.state.api_settings.max_body_bytes)
    return app
