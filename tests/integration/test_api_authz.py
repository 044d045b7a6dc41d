"""The authorization matrix over every route of the app, found by walking the routes (a route
added later is covered without editing this file):

- every account-scoped route: user A with A's account passes the scope; A with B's account and
  A with an unknown account get the same 404; no header is a 400;
- every route that names an account in its path (`{account_id}`): B's account and an unknown
  one are the same 404 for A, whatever the method (nothing of B's is changed);
- every signed-in route: no token, an expired token, a tampered token and a token signed with
  another secret are 401;
- every admin route: a user is 403;
- every route under the account areas is account-scoped (a route that forgot is a failure).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_support import (
    JWT_SECRET,
    add_account,
    add_user,
    api_routes,
    bearer,
    empty_tables,
    login,
    make_client,
)
from fastapi.testclient import TestClient

from algotrading.api.auth.tokens import issue_access
from algotrading.api.deps import account_scope, current_user, require_admin

SCOPED_AREAS = ("/api/portfolio", "/api/strategies", "/api/trading")
VALID_BODIES = {"/api/accounts/{account_id}/keys": {"api_key": "k" * 18, "api_secret": "s" * 36}}
"""Bodies that pass validation, so the ownership check (not the body's) answers."""
PATH_VALUES = {"symbol": "BTCUSDT", "strategy": "trend", "strategy_id": "trend", "interval": "1h"}


def _calls(dependant: Any) -> set[Callable[..., Any]]:
    found = {dependant.call} if dependant.call else set()
    for sub in dependant.dependencies:
        found |= _calls(sub)
    return found


def _routes() -> list[tuple[str, str, frozenset[str]]]:
    """(method, path, kinds) for every API route; kinds among scoped, admin, signed_in."""
    from algotrading.api.app import create_app
    from algotrading.api.config import load_api_settings
    from algotrading.settings import load_settings

    app = create_app(load_settings(), load_api_settings(jwt_secret=JWT_SECRET))
    found = []
    for route in api_routes(app.routes):
        if not route.path.startswith("/api/"):
            continue
        calls = _calls(route.dependant)
        kinds = {
            name for name, dep in
            (("scoped", account_scope), ("admin", require_admin), ("signed_in", current_user))
            if dep in calls
        }  # fmt: skip
        found += [(m, route.path, frozenset(kinds)) for m in sorted(route.methods)]
    return found


ROUTES = _routes()


def _url(path: str) -> str:
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        path = path[:start] + "1" + path[end + 1 :]
    return path


@pytest.fixture(scope="module")
def world(api_db_url: str) -> Iterator[dict[str, Any]]:
    empty_tables(api_db_url)
    ann, bob = add_user(api_db_url, "ann@x.io"), add_user(api_db_url, "bob@x.io")
    ids = {"ann_account": add_account(api_db_url, ann), "bob_account": add_account(api_db_url, bob)}
    with make_client(api_db_url) as client:
        token = login(client, "ann@x.io")["access_token"]
        yield {"client": client, "ann": ann, "token": token, **ids}
    client.app.state.database.close()  # type: ignore[attr-defined]


def _send(world: dict[str, Any], method: str, path: str, headers: dict[str, str]) -> Any:
    client: TestClient = world["client"]
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return client.request(method, _url(path), headers=headers, json=body)


def test_account_areas_are_scoped() -> None:
    loose = [(m, p) for m, p, k in ROUTES if p.startswith(SCOPED_AREAS) and "scoped" not in k]
    assert loose == []


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, k in ROUTES if "scoped" in k])
def test_scoped_routes_refuse_other_accounts(world: dict[str, Any], method: str, path: str) -> None:
    token = bearer(world["token"])
    for other in (world["bob_account"], 987_654_321):
        answer = _send(world, method, path, {**token, "X-Trading-Account-Id": str(other)})
        assert answer.status_code == 404, (other, answer.text)
        assert answer.json()["error"]["message"] == f"trading account {other} does not exist"
    missing = _send(world, method, path, token)
    assert missing.status_code == 400 and missing.json()["error"]["field"] == "X-Trading-Account-Id"
    if method == "GET":
        own = _send(
            world, method, path, {**token, "X-Trading-Account-Id": str(world["ann_account"])}
        )
        assert own.status_code < 500
        scope_refusal = f"trading account {world['ann_account']} does not exist"
        assert own.status_code not in (401, 403) and scope_refusal not in own.text, own.text


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, _ in ROUTES if "{account_id}" in p])
def test_accounts_in_the_path_are_owned(world: dict[str, Any], method: str, path: str) -> None:
    token = bearer(world["token"])
    body = VALID_BODIES.get(path, {})
    for other in (world["bob_account"], 987_654_321):
        url = path.replace("{account_id}", str(other))
        sent = body if method in ("POST", "PUT", "PATCH") else None
        answer = world["client"].request(method, url, headers=token, json=sent)
        assert answer.status_code == 404, (other, answer.text)
        assert answer.json()["error"]["message"] == f"trading account {other} does not exist"


def _bad_tokens(user_id: int) -> dict[str, str]:
    good, _ = issue_access(JWT_SECRET, user_id, "user", 600, False)
    head, claims, sig = good.split(".")
    expired, _ = issue_access(JWT_SECRET, user_id, "user", 60, False, now=time.time() - 7200)
    foreign, _ = issue_access("z" * 40, user_id, "user", 600, False)
    return {
        "none": "", "expired": expired, "foreign": foreign,
        "tampered": f"{head}.{claims}.{sig[::-1]}",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path"), [(m, p) for m, p, k in ROUTES if k & {"signed_in", "scoped", "admin"}]
)
def test_signed_in_routes_refuse_bad_tokens(world: dict[str, Any], method: str, path: str) -> None:
    account = {"X-Trading-Account-Id": str(world["ann_account"])}
    for name, token in _bad_tokens(world["ann"]).items():
        headers = {**account, **(bearer(token) if token else {})}
        answer = _send(world, method, path, headers)
        assert answer.status_code == 401, (name, answer.text)


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p, k in ROUTES if "admin" in k])
def test_admin_routes_refuse_users(world: dict[str, Any], method: str, path: str) -> None:
    headers = {**bearer(world["token"]), "X-Trading-Account-Id": str(world["ann_account"])}
    answer = _send(world, method, path, headers)
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
