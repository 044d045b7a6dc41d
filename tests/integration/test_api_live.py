"""Live events over the one-machine WebSocket: first-message auth, only one's own account,
catch-up after a reconnect, account switches; events published by another connection (as a
job in another process would) arrive through PostgreSQL's NOTIFY."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from api_support import add_account, add_user, login
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from algotrading.db.live_events import publish
from algotrading.domain.live_events import LiveEvent, LiveEventType


def _publish(url: str, account: int | None, equity: str, key: str | None = None) -> int | None:
    with psycopg.connect(url) as conn:
        return publish(
            conn, LiveEvent(LiveEventType.EQUITY_UPDATE, account, 1_700_000_000_000,
                            {"equity": equity}, key),
        )  # fmt: skip


@pytest.fixture
def world(client: TestClient, api_db_url: str) -> dict[str, Any]:
    ann, bob = add_user(api_db_url, "ann@x.io"), add_user(api_db_url, "bob@x.io")
    return {
        "token": login(client, "ann@x.io")["access_token"],
        "mine": add_account(api_db_url, ann), "second": add_account(api_db_url, ann, "spare"),
        "bobs": add_account(api_db_url, bob),
    }  # fmt: skip


def _ready(client: TestClient, ws: Any, token: str, account: int, **extra: Any) -> None:
    ws.send_json({"type": "auth", "token": token, "account_id": account, **extra})
    assert ws.receive_json() == {"type": "ready", "account_id": account}
    assert client.app.state.live_hub.listening.wait(10)  # type: ignore[attr-defined]


def test_a_client_gets_its_accounts_events_only(
    client: TestClient, api_db_url: str, world: dict[str, Any]
) -> None:
    with client.websocket_connect("/api/ws") as ws:
        _ready(client, ws, world["token"], world["mine"])
        _publish(api_db_url, world["bobs"], "999")
        _publish(api_db_url, world["mine"], "1000.5")
        first = ws.receive_json()
        assert first["type"] == "portfolio:equity_update" and first["data"] == {"equity": "1000.5"}
        assert first["account_id"] == world["mine"]
        _publish(api_db_url, None, "market-wide")
        assert ws.receive_json()["data"] == {"equity": "market-wide"}
        ws.send_json({"type": "ping"})
        assert ws.receive_json() == {"type": "pong"}


def test_a_repeated_publication_is_one_event(
    client: TestClient, api_db_url: str, world: dict[str, Any]
) -> None:
    assert _publish(api_db_url, world["mine"], "1", key="equity:1:t") is not None
    assert _publish(api_db_url, world["mine"], "1", key="equity:1:t") is None
    with psycopg.connect(api_db_url) as conn:
        assert conn.execute("SELECT count(*) FROM live_events").fetchone() == (1,)


@pytest.mark.parametrize(
    ("first", "code"),
    [
        ({"type": "hello"}, 4400),
        ({"type": "auth", "token": "garbage", "account_id": 1}, 4401),
        ({"type": "auth", "account_id": 1}, 4401),
        ({"type": "auth", "token": "TOKEN", "account_id": "BOBS"}, 4404),
        ({"type": "auth", "token": "TOKEN", "account_id": 987654}, 4404),
        ({"type": "auth", "token": "TOKEN", "account_id": "one"}, 4400),
    ],
)
def test_bad_first_messages_close_the_socket(
    client: TestClient, world: dict[str, Any], first: dict[str, Any], code: int
) -> None:
    message = {
        k: (world["token"] if v == "TOKEN" else world["bobs"] if v == "BOBS" else v)
        for k, v in first.items()
    }
    with client.websocket_connect("/api/ws") as ws:
        ws.send_json(message)
        assert ws.receive_json()["type"] == "error"
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
    assert closed.value.code == code


def test_reconnect_replays_what_was_missed(
    client: TestClient, api_db_url: str, world: dict[str, Any]
) -> None:
    seen = _publish(api_db_url, world["mine"], "1")
    assert seen is not None
    _publish(api_db_url, world["mine"], "2")
    _publish(api_db_url, world["bobs"], "not mine")
    _publish(api_db_url, world["mine"], "3")
    with client.websocket_connect("/api/ws") as ws:
        _ready(client, ws, world["token"], world["mine"], after_id=seen)
        replayed = [ws.receive_json()["data"]["equity"] for _ in range(2)]
    assert replayed == ["2", "3"]


def test_switching_accounts(client: TestClient, api_db_url: str, world: dict[str, Any]) -> None:
    with client.websocket_connect("/api/ws") as ws:
        _ready(client, ws, world["token"], world["mine"])
        ws.send_json({"type": "switch_account", "account_id": world["bobs"]})
        refused = ws.receive_json()
        assert refused["type"] == "error" and "does not exist" in refused["message"]
        ws.send_json({"type": "switch_account", "account_id": world["second"]})
        assert ws.receive_json() == {"type": "ready", "account_id": world["second"]}
        _publish(api_db_url, world["mine"], "old account")
        _publish(api_db_url, world["second"], "spare")
        assert ws.receive_json()["data"] == {"equity": "spare"}
