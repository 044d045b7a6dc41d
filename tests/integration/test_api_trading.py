"""`/api/trading` over the real app, database and simulator: the trades the executor booked, the
simulator's positions and wallet read through the account's own client, and a hand-made level
change and close that reach the simulator and are audited."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from api_support import add_account, add_user, login
from api_trading_support import rows, scoped, seed_entry, use_runtime
from execution_support import ENTRY_CLOSE, sim_at
from fastapi.testclient import TestClient


@pytest.fixture
def seeded(secrets_key: str, client: TestClient, api_db_url: str) -> Iterator[dict[str, Any]]:
    ann = add_user(api_db_url, "ann@x.io")
    bob = add_user(api_db_url, "bob@x.io")
    with sim_at(ENTRY_CLOSE) as sim:
        account, rt = seed_entry(api_db_url, sim, ann)
        use_runtime(client, rt)
        token = login(client, "ann@x.io")["access_token"]
        trade = rows(api_db_url, "SELECT id, qty, stop_loss FROM trades")[0]
        yield {"account": account, "foreign": add_account(api_db_url, bob), "token": token,
               "rt": rt, "trade": trade}  # fmt: skip


def test_trades_list_detail_and_filters(client: TestClient, seeded: dict) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    trade_id, qty, stop = seeded["trade"]
    page = client.get("/api/trading/trades", headers=headers).json()
    assert page["total"] == 1 and [t["id"] for t in page["items"]] == [trade_id]
    item = page["items"][0]
    assert (item["qty"], item["stop_loss"], item["status"]) == (str(qty), str(stop), "open")
    for query, total in (("status=open", 1), ("status=closed", 0), ("strategy=scalper", 1),
                         ("strategy=trend", 0), ("symbol=ETHUSDT", 0)):  # fmt: skip
        found = client.get(f"/api/trading/trades?{query}", headers=headers).json()
        assert found["total"] == total, query
    detail = client.get(f"/api/trading/trades/{trade_id}", headers=headers).json()
    # the entry and its resting partial take-profit (tests/integration/test_flatten.py)
    assert sorted(o["purpose"] for o in detail["orders"]) == ["entry", "take_profit"]
    assert client.get("/api/trading/trades/999999", headers=headers).status_code == 404
    for bad in ("status=done", "strategy=ema_cross", "symbol=btc", "limit=0", "offset=-1"):
        answer = client.get(f"/api/trading/trades?{bad}", headers=headers)
        assert answer.status_code == 422, bad
        assert answer.json()["error"]["field"] == bad.split("=")[0]


def test_positions_and_balance_come_from_the_simulator(client: TestClient, seeded: dict) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    exchange = seeded["rt"].exchange
    positions = client.get("/api/trading/positions", headers=headers)
    assert positions.status_code == 200, positions.text
    assert (positions.json()["total"], positions.json()["limit"]) == (1, 50)
    [position] = positions.json()["items"]
    [expected] = exchange.get_positions()
    assert (position["symbol"], position["size"]) == ("BTCUSDT", str(expected.size))
    assert Decimal(position["size"]) == seeded["trade"][1]
    balance = client.get("/api/trading/balance", headers=headers).json()
    assert Decimal(balance["total_equity"]) == exchange.get_total_equity()


def test_levels_update_and_close_reach_the_exchange(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    trade_id, _, stop = seeded["trade"]
    lower = stop - Decimal(100)
    none = client.put(f"/api/trading/trades/{trade_id}", json={}, headers=headers)
    assert none.status_code == 422
    moved = client.put(f"/api/trading/trades/{trade_id}", json={"stop_loss": str(lower)},
                       headers=headers)  # fmt: skip
    assert moved.status_code == 200, moved.text
    assert Decimal(moved.json()["stop_loss"]) == lower
    assert seeded["rt"].exchange.get_positions()[0].stop_loss == lower
    closed = client.post(f"/api/trading/trades/{trade_id}/close", json={"reason": "by hand"},
                         headers=headers)  # fmt: skip
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["exit_reason"]) == ("closed", "flatten")
    assert seeded["rt"].exchange.get_positions() == []
    again = client.post(f"/api/trading/trades/{trade_id}/close", json={"reason": "again"},
                        headers=headers)  # fmt: skip
    assert again.status_code == 409 and "closed trade" in again.json()["error"]["message"]
    assert rows(api_db_url, "SELECT action, actor, reason FROM operator_actions ORDER BY id") == [
        ("trade_update", "ann@x.io", None), ("trade_close", "ann@x.io", "by hand"),
    ]  # fmt: skip


def test_cancel_order_cancels_the_resting_take_profit(
    client: TestClient, seeded: dict, api_db_url: str
) -> None:
    headers = scoped(seeded["token"], seeded["account"])
    [(order_id,)] = rows(api_db_url, "SELECT id FROM orders WHERE purpose = 'take_profit'")
    answer = client.delete(f"/api/trading/orders/{order_id}", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "cancelled"
    assert seeded["rt"].exchange.get_open_orders() == []
    again = client.delete(f"/api/trading/orders/{order_id}", headers=headers)
    assert again.status_code == 409
    assert client.delete("/api/trading/orders/999999", headers=headers).status_code == 404
    assert rows(api_db_url, "SELECT action FROM operator_actions") == [("order_cancel",)]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/trading/trades", None),
        ("get", "/api/trading/trades/1", None),
        ("put", "/api/trading/trades/1", {"stop_loss": "1"}),
        ("post", "/api/trading/trades/1/close", {"reason": "r"}),
        ("delete", "/api/trading/orders/1", None),
        ("get", "/api/trading/positions", None),
        ("get", "/api/trading/balance", None),
    ],
)
def test_foreign_account_404_missing_header_400(
    client: TestClient, seeded: dict, api_db_url: str, method: str, path: str, body: Any
) -> None:
    kwargs = {} if body is None else {"json": body}
    token = seeded["token"]
    foreign = client.request(method.upper(), path, headers=scoped(token, seeded["foreign"]),
                             **kwargs)  # fmt: skip
    assert foreign.status_code == 404, foreign.text
    missing = client.request(method.upper(), path, headers={"Authorization": f"Bearer {token}"},
                             **kwargs)  # fmt: skip
    assert missing.status_code == 400
    assert rows(api_db_url, "SELECT count(*) FROM operator_actions") == [(0,)]
