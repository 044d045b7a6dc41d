"""`/api/accounts` through the real app over a real PostgreSQL: ownership, risk limits, keys
written encrypted and never shown, the key check against the loopback simulator, the audit
rows, and bad input answered with the field and nothing written."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import psycopg
import pytest
from api_support import add_account, add_user, admin_session, bearer, login
from fastapi.testclient import TestClient
from sim_support import KEY, SECRET, running_sim

from algotrading.local.bybit_sim.config import DEFAULT_BALANCE


def _audit(url: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT action, trading_account_id, actor, detail FROM operator_actions ORDER BY id"
        ).fetchall()


def _sealed(url: str, account_id: int) -> tuple[Any, ...]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT api_key_encrypted, api_secret_encrypted FROM trading_accounts WHERE id = %s",
            (account_id,),
        ).fetchone()
    assert row is not None
    return tuple(row)


def _count(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT count(*) FROM trading_accounts").fetchone()
    assert row is not None
    return int(row[0])


def test_create_then_list_get_and_audit(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    body = {
        "name": "swing", "mode": "test", "environment": "testnet",
        "starting_capital": "2500.5", "max_risk_per_trade_pct": 1.5, "max_leverage": "5",
    }  # fmt: skip
    created = client.post("/api/accounts", json=body, headers=auth)
    assert created.status_code == 201, created.text
    account = created.json()
    assert account["user_id"] == uid and account["owner_email"] == "ann@x.io"
    assert account["base_url"] == "https://api-testnet.bybit.com" and account["mode"] == "test"
    assert Decimal(account["starting_capital"]) == Decimal("2500.5")
    assert Decimal(account["max_risk_per_trade_pct"]) == Decimal("1.5")
    assert Decimal(account["max_portfolio_risk_pct"]) == Decimal(10)  # the table's default
    assert Decimal(account["max_leverage"]) == Decimal(5)
    assert account["max_loss_per_trade"] is None and account["has_keys"] is False
    listed = client.get("/api/accounts", headers=auth).json()
    assert listed["total"] == 1 and [a["name"] for a in listed["items"]] == ["swing"]
    got = client.get(f"/api/accounts/{account['id']}", headers=auth)
    assert got.status_code == 200 and got.json() == account
    assert [(a, acc, actor) for a, acc, actor, _ in _audit(api_db_url)] == [
        ("account_create", account["id"], "ann@x.io")
    ]


def test_users_see_their_own_accounts_and_admins_all(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    ann, bob = add_user(api_db_url, "ann@x.io"), add_user(api_db_url, "bob@x.io")
    mine, theirs = add_account(api_db_url, ann, "a1"), add_account(api_db_url, bob, "b1")
    add_account(api_db_url, ann, "a2")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    page = client.get("/api/accounts", params={"limit": 1, "offset": 1}, headers=auth).json()
    assert page["total"] == 2 and [a["name"] for a in page["items"]] == ["a2"]
    for method in ("get", "patch", "delete"):
        kwargs: dict[str, Any] = {"json": {"name": "x"}} if method == "patch" else {}
        answer = client.request(method, f"/api/accounts/{theirs}", headers=auth, **kwargs)
        assert answer.status_code == 404, method
    assert client.get(f"/api/accounts/{mine}", headers=auth).status_code == 200
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    everyone = client.get("/api/accounts", headers=admin).json()
    assert everyone["total"] == 3
    assert {(a["name"], a["owner_email"]) for a in everyone["items"]} == {
        ("a1", "ann@x.io"), ("a2", "ann@x.io"), ("b1", "bob@x.io")
    }  # fmt: skip
    assert _count(api_db_url) == 3 and _audit(api_db_url) == []  # the 404s wrote nothing


def test_update_changes_only_given_fields_and_null_clears_a_cap(
    client: TestClient, api_db_url: str
) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    account_id = add_account(api_db_url, uid, "main")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    first = {"max_loss_per_trade": "150", "is_active": False, "mode": "live"}
    changed = client.patch(f"/api/accounts/{account_id}", json=first, headers=auth).json()
    assert Decimal(changed["max_loss_per_trade"]) == 150 and changed["is_active"] is False
    assert changed["mode"] == "live" and changed["name"] == "main"
    assert changed["base_url"] == "http://127.0.0.1:1"
    cleared = client.patch(
        f"/api/accounts/{account_id}", json={"max_loss_per_trade": None}, headers=auth
    ).json()
    assert cleared["max_loss_per_trade"] is None and cleared["mode"] == "live"
    actions = _audit(api_db_url)
    assert [a[0] for a in actions] == ["account_update", "account_update"]
    assert actions[0][3] == {"max_loss_per_trade": "150", "is_active": False, "mode": "live"}


BAD_UPDATES = [
    ({"max_risk_per_trade_pct": 0}, "max_risk_per_trade_pct"),
    ({"max_risk_per_trade_pct": "100.0001"}, "max_risk_per_trade_pct"),
    ({"max_portfolio_risk_pct": 101}, "max_portfolio_risk_pct"),
    ({"max_leverage": "0.5"}, "max_leverage"),
    ({"max_leverage": "3.125"}, "max_leverage"),
    ({"starting_capital": "-1"}, "starting_capital"),
    ({"starting_capital": "1e30"}, "starting_capital"),
    ({"max_loss_per_trade": "NaN"}, "max_loss_per_trade"),
    ({"mode": "real"}, "mode"),
    ({"environment": "ftp://x"}, "environment"),
    ({"name": ""}, "name"),
    ({"name": "x" * 101}, "name"),
    ({"name": "a\u0000b"}, "name"),
    ({"environment": "http://host/\u0000"}, "environment"),
    ({"name": None}, "name"),
    ({"max_leverage": None}, "max_leverage"),
    ({"nmae": "typo"}, "nmae"),
]


def test_bad_updates_name_the_field_and_write_nothing(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    account_id = add_account(api_db_url, uid, "main")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    for body, field in BAD_UPDATES:
        answer = client.patch(f"/api/accounts/{account_id}", json=body, headers=auth)
        assert answer.status_code == 422, (body, answer.text)
        error = answer.json()["error"]
        assert error["field"] == field and field in error["message"], body
        if body != {"max_leverage": None}:  # on create, a null limit takes the default
            created = client.post("/api/accounts", json={"name": "n", **body}, headers=auth)
            assert created.status_code == 422 and created.json()["error"]["field"] == field
    assert _audit(api_db_url) == [] and _count(api_db_url) == 1
    assert client.get(f"/api/accounts/{account_id}", headers=auth).json()["name"] == "main"


def test_duplicate_name_is_409_and_nothing_is_written(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    add_account(api_db_url, uid, "main")
    other = add_account(api_db_url, uid, "other")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    created = client.post("/api/accounts", json={"name": "main"}, headers=auth)
    assert created.status_code == 409 and created.json()["error"]["field"] == "name"
    renamed = client.patch(f"/api/accounts/{other}", json={"name": "main"}, headers=auth)
    assert renamed.status_code == 409 and "'main'" in renamed.json()["error"]["message"]
    assert _count(api_db_url) == 2 and _audit(api_db_url) == []


def test_delete_removes_the_account_and_keeps_its_audit(
    client: TestClient, api_db_url: str
) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    account_id = add_account(api_db_url, uid, "old")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    assert client.delete(f"/api/accounts/{account_id}", headers=auth).status_code == 200
    assert client.get(f"/api/accounts/{account_id}", headers=auth).status_code == 404
    assert client.delete(f"/api/accounts/{account_id}", headers=auth).status_code == 404
    assert _audit(api_db_url) == [
        ("account_delete", None, "ann@x.io",
         {"account_id": account_id, "name": "old", "owner_id": uid})
    ]  # fmt: skip


def test_keys_are_sealed_never_shown_and_checked_on_the_exchange(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    with running_sim() as sim:
        created = client.post(
            "/api/accounts", json={"name": "sim", "environment": sim.rest_url}, headers=auth
        ).json()
        account_id = created["id"]
        none_yet = client.post(f"/api/accounts/{account_id}/keys/verify", headers=auth).json()
        assert none_yet == {"ok": False, "reason": "no exchange keys are stored for this account",
                            "total_equity": None}  # fmt: skip
        stored = client.put(
            f"/api/accounts/{account_id}/keys",
            json={"api_key": KEY, "api_secret": SECRET}, headers=auth,
        )  # fmt: skip
        assert stored.status_code == 200 and stored.json()["has_keys"] is True
        assert KEY not in stored.text and SECRET not in stored.text
        key, secret = _sealed(api_db_url, account_id)
        assert KEY.encode() not in bytes(key) and SECRET.encode() not in bytes(secret)
        good = client.post(f"/api/accounts/{account_id}/keys/verify", headers=auth).json()
        assert good["ok"] is True and Decimal(good["total_equity"]) == DEFAULT_BALANCE
        client.put(
            f"/api/accounts/{account_id}/keys",
            json={"api_key": KEY, "api_secret": "WRONG" + SECRET[5:]}, headers=auth,
        )  # fmt: skip
        bad = client.post(f"/api/accounts/{account_id}/keys/verify", headers=auth).json()
    assert bad["ok"] is False and "secret" in bad["reason"] and SECRET[5:] not in bad["reason"]
    assert [a[0] for a in _audit(api_db_url)] == ["account_create", "account_keys", "account_keys"]
    assert uid == created["user_id"]


def test_keys_without_the_secrets_key_are_refused_with_a_reason(
    client: TestClient, api_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from algotrading.settings import get_settings

    monkeypatch.delenv("ALGO_SECRETS_KEY", raising=False)
    get_settings.cache_clear()
    uid = add_user(api_db_url, "ann@x.io")
    account_id = add_account(api_db_url, uid, "main")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    answer = client.put(
        f"/api/accounts/{account_id}/keys",
        json={"api_key": "ABCDEFGH1234", "api_secret": "SECRETSECRET1234"}, headers=auth,
    )  # fmt: skip
    assert answer.status_code == 503
    assert "ALGO_SECRETS_KEY" in answer.json()["error"]["message"]
    assert _sealed(api_db_url, account_id) == (None, None) and _audit(api_db_url) == []
    get_settings.cache_clear()


BAD_KEYS = [
    ({"api_key": "short", "api_secret": "SECRETSECRET1234"}, "api_key"),
    ({"api_key": "ABCDEFGH1234", "api_secret": "has spaces in it"}, "api_secret"),
    ({"api_key": "ABCDEFGH1234"}, "api_secret"),
    ({"api_key": "ABCDEFGH1234", "api_secret": "SECRETSECRET1234", "x": 1}, "x"),
]


def test_bad_keys_name_the_field(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    account_id = add_account(api_db_url, uid, "main")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    for body, field in BAD_KEYS:
        answer = client.put(f"/api/accounts/{account_id}/keys", json=body, headers=auth)
        assert answer.status_code == 422 and answer.json()["error"]["field"] == field, body
    assert _sealed(api_db_url, account_id) == (None, None) and _audit(api_db_url) == []


def test_foreign_account_keys_are_404_and_signed_out_is_401(
    client: TestClient, api_db_url: str
) -> None:
    add_user(api_db_url, "ann@x.io")
    bob = add_user(api_db_url, "bob@x.io")
    theirs = add_account(api_db_url, bob, "b1")
    auth = bearer(login(client, "ann@x.io")["access_token"])
    keys = {"api_key": "ABCDEFGH1234", "api_secret": "SECRETSECRET1234"}
    assert client.put(f"/api/accounts/{theirs}/keys", json=keys, headers=auth).status_code == 404
    assert client.post(f"/api/accounts/{theirs}/keys/verify", headers=auth).status_code == 404
    assert client.get("/api/accounts").status_code == 401
    assert client.get("/api/accounts/0", headers=auth).status_code == 422
    assert _sealed(api_db_url, theirs) == (None, None)
