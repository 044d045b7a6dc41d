"""The exchange a request reaches: the account's own client, kept warm per account.

A route that touches the exchange (positions, balance, a manual close, a flatten) gets the
`Runtime` of the request's account from one `RuntimeCache` per app (`jobs.runtimes`): keyed by
account id with the base URL checked, so a request is never served by another account's client
and a warm process (uvicorn, a Lambda container) reuses the client between requests. Tests
replace the app's cache to get runtimes that do not wait between fill lookups.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from algotrading.api.deps import Scoped
from algotrading.execution.runtime import Runtime
from algotrading.jobs.runtimes import RuntimeCache
from algotrading.settings import Settings


def runtime_cache(request: Request) -> RuntimeCache:
    cache = getattr(request.app.state, "runtimes", None)
    if cache is None:
        cache = request.app.state.runtimes = RuntimeCache()
    return cache


def account_runtime(scope: Scoped, request: Request) -> Runtime:
    return runtime_cache(request).get(scope.account)


def library_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


AccountRuntime = Annotated[Runtime, Depends(account_runtime)]
LibrarySettings = Annotated[Settings, Depends(library_settings)]
