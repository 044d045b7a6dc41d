"""The AWS side of the live events: the API Gateway WebSocket Lambda (`functions/ws`) and the
jobs' WebSocket publisher, under moto's `apigatewaymanagementapi` with the real PostgreSQL.

What moto's management API receives is recorded (`posted`: connection id and message, in
order); a connection whose client left is made to answer `GoneException`.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from api_support import JWT_SECRET, add_account, add_user, login
from fastapi.testclient import TestClient
from moto import mock_aws
from moto.apigatewaymanagementapi.models import ApiGatewayManagementApiBackend
from moto.core.exceptions import JsonRESTError

from algotrading.api.config import get_api_settings
from algotrading.api.live.gateway import Gateway
from algotrading.domain.live_events import LiveEvent, LiveEventType
from algotrading.jobs.live_publishers import WebSocketPublisher
from algotrading.notify.ws_gateway import GatewayPoster
from algotrading.settings import get_settings

ENDPOINT = "https://abc123.execute-api.eu-west-1.amazonaws.com/prod"
HANDLER = Path(__file__).resolve().parents[2] / "functions" / "ws" / "handler.py"
Posted = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> Iterator[Posted]:
    """Every message moto's management API accepted; posting to `gone-*` answers 410 Gone."""
    sent: Posted = []
    real = ApiGatewayManagementApiBackend.post_to_connection

    def post(self: Any, data: bytes, connection_id: str) -> None:
        if connection_id.startswith("gone-"):
            raise JsonRESTError("GoneException", f"{connection_id} is gone")
        sent.append((connection_id, json.loads(data)))
        real(self, data, connection_id)

    monkeypatch.setattr(ApiGatewayManagementApiBackend, "post_to_connection", post)
    with mock_aws():
        yield sent


@pytest.fixture
def world(client: TestClient, api_db_url: str) -> dict[str, Any]:
    ann, bob = add_user(api_db_url, "ann@x.io"), add_user(api_db_url, "bob@x.io")
    return {
        "ann": login(client, "ann@x.io")["access_token"],
        "bob": login(client, "bob@x.io")["access_token"],
        "mine": add_account(api_db_url, ann), "second": add_account(api_db_url, ann, "spare"),
        "bobs": add_account(api_db_url, bob),
    }  # fmt: skip


def gateway(url: str) -> Gateway:
    return Gateway(lambda: psycopg.connect(url), JWT_SECRET, GatewayPoster(ENDPOINT))


def auth(token: str, account: int, **extra: Any) -> str:
    return json.dumps({"type": "auth", "token": token, "account_id": account, **extra})


def event(account: int | None, equity: str, key: str | None = None) -> LiveEvent:
    return LiveEvent(LiveEventType.EQUITY_UPDATE, account, 1_700_000_000_000,
                     {"equity": equity}, key)  # fmt: skip


def publish(url: str, *events: LiveEvent) -> list[int | None]:
    with psycopg.connect(url, autocommit=True) as conn:
        publisher = WebSocketPublisher(conn, GatewayPoster(ENDPOINT))
        return [publisher.publish(e) for e in events]


def stored(url: str) -> dict[str, tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT connection_id, user_id, trading_account_id FROM ws_connections"
        ).fetchall()
    return {r[0]: r[1:] for r in rows}


def equities(posted: Posted, connection: str) -> list[str]:
    return [m["data"]["equity"] for c, m in posted if c == connection and "data" in m]


def test_events_reach_the_accounts_connections_only(
    api_db_url: str, world: dict[str, Any], posted: Posted
) -> None:
    gw = gateway(api_db_url)
    for connection in ("c-ann", "c-bob", "c-anon"):
        assert gw.handle("$connect", connection, None) == {"statusCode": 200}
    gw.handle("$default", "c-ann", auth(world["ann"], world["mine"]))
    gw.handle("$default", "c-bob", auth(world["bob"], world["bobs"]))
    assert posted == [("c-ann", {"type": "ready", "account_id": world["mine"]}),
                      ("c-bob", {"type": "ready", "account_id": world["bobs"]})]  # fmt: skip
    ann_user, bob_user = stored(api_db_url)["c-ann"][0], stored(api_db_url)["c-bob"][0]
    assert stored(api_db_url)["c-anon"] == (None, None)
    ids = publish(api_db_url, event(world["mine"], "101.5", "k1"), event(world["bobs"], "7"),
                  event(None, "0"), event(world["mine"], "101.5", "k1"))  # fmt: skip
    assert ids[3] is None  # the same dedupe key: stored and posted once
    assert equities(posted, "c-ann") == ["101.5", "0"]
    assert equities(posted, "c-bob") == ["7", "0"]
    assert equities(posted, "c-anon") == []
    message = [m for c, m in posted if c == "c-ann"][1]
    assert message == {"id": ids[0], "type": "portfolio:equity_update", "account_id": world["mine"],
                       "time_ms": 1_700_000_000_000, "data": {"equity": "101.5"}}  # fmt: skip
    gw.handle("$disconnect", "c-bob", None)
    assert stored(api_db_url) == {"c-ann": (ann_user, world["mine"]), "c-anon": (None, None)}
    assert bob_user != ann_user


def test_a_gone_connection_is_removed(
    api_db_url: str, world: dict[str, Any], posted: Posted
) -> None:
    gw = gateway(api_db_url)
    for connection in ("c-ann", "gone-ann"):
        gw.handle("$connect", connection, None)
    gw.handle("$default", "c-ann", auth(world["ann"], world["mine"]))
    with psycopg.connect(api_db_url) as conn:  # authenticated before its client went away
        conn.execute("UPDATE ws_connections SET user_id = (SELECT user_id FROM trading_accounts"
                     " WHERE id = %s), trading_account_id = %s WHERE connection_id = 'gone-ann'",
                     (world["mine"], world["mine"]))  # fmt: skip
    publish(api_db_url, event(world["mine"], "5"))
    assert equities(posted, "c-ann") == ["5"]
    assert list(stored(api_db_url)) == ["c-ann"]


@pytest.mark.parametrize(
    ("body", "code", "says"),
    [
        ("not json", 4400, "the first message must be"),
        (json.dumps({"type": "ping"}), 4400, "the first message must be"),
        (json.dumps({"type": "auth", "account_id": 1}), 4401, "token is required"),
        (json.dumps({"type": "auth", "token": "x.y.z", "account_id": 1}), 4401, "not valid"),
        (None, 4404, "does not exist"),  # ann naming bob's account
        ("account", 4400, "account_id must be"),
    ],
)
def test_a_refused_first_message_is_answered_and_dropped(
    api_db_url: str, world: dict[str, Any], posted: Posted, body: str | None, code: int, says: str
) -> None:
    if body is None:
        body = auth(world["ann"], world["bobs"])
    elif body == "account":
        body = json.dumps({"type": "auth", "token": world["ann"], "account_id": "7"})
    gw = gateway(api_db_url)
    gw.handle("$connect", "c-1", None)
    gw.handle("$default", "c-1", body)
    assert [(c, m["type"], m["code"]) for c, m in posted] == [("c-1", "error", code)]
    assert says in posted[0][1]["message"]
    assert stored(api_db_url) == {}
    publish(api_db_url, event(world["bobs"], "9"), event(None, "1"))
    assert len(posted) == 1  # a refused client receives nothing, not even account-less events


def test_switching_accounts(api_db_url: str, world: dict[str, Any], posted: Posted) -> None:
    gw = gateway(api_db_url)
    gw.handle("$connect", "c-ann", None)
    gw.handle("$default", "c-ann", auth(world["ann"], world["mine"]))
    gw.handle("$default", "c-ann", json.dumps({"type": "switch_account",
                                               "account_id": world["bobs"]}))  # fmt: skip
    assert posted[-1][1]["type"] == "error" and posted[-1][1]["code"] == 4404
    gw.handle("$default", "c-ann", json.dumps({"type": "switch_account",
                                               "account_id": world["second"]}))  # fmt: skip
    assert posted[-1] == ("c-ann", {"type": "ready", "account_id": world["second"]})
    publish(api_db_url, event(world["mine"], "1"), event(world["second"], "2"))
    assert equities(posted, "c-ann") == ["2"]


def load_ws_handler() -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("handler_ws", HANDLER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler  # type: ignore[no-any-return]


def test_the_lambda_handler_answers_api_gateway_events(
    api_db_url: str, world: dict[str, Any], posted: Posted, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", api_db_url)
    monkeypatch.setenv("ALGO_JWT_SECRET", JWT_SECRET)
    monkeypatch.delenv("ALGO_WS_ENDPOINT", raising=False)  # the stage named by the event
    get_settings.cache_clear()
    get_api_settings.cache_clear()
    handler = load_ws_handler()

    def call(route: str, body: str | None = None) -> dict[str, Any]:
        context = {"routeKey": route, "connectionId": "L1", "stage": "prod",
                   "domainName": "abc123.execute-api.eu-west-1.amazonaws.com"}  # fmt: skip
        return handler({"requestContext": context, "body": body}, None)

    assert call("$connect") == {"statusCode": 200}
    assert call("$default", auth(world["ann"], world["mine"])) == {"statusCode": 200}
    assert posted == [("L1", {"type": "ready", "account_id": world["mine"]})]
    assert call("$disconnect") == {"statusCode": 200}
    assert stored(api_db_url) == {}
    get_settings.cache_clear()
    get_api_settings.cache_clear()
