"""Signing in through the real app over a real PostgreSQL: tokens, refresh rotation and reuse,
revocation, the rate limit, and the second factor."""

from __future__ import annotations

import time

import jwt
import pytest
from api_support import (
    JWT_SECRET,
    PASSWORD,
    add_user,
    admin_session,
    bearer,
    empty_tables,
    enrol_totp,
    login,
    make_client,
    rfc6238_code,
)  # fmt: skip
from fastapi.testclient import TestClient

from algotrading.api.auth.tokens import issue_access


def test_login_returns_tokens_that_reach_me(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "Ann@X.io")
    tokens = login(client, "ann@x.io")
    assert tokens["token_type"] == "bearer" and tokens["expires_in"] == 15 * 60
    me = client.get("/api/auth/me", headers=bearer(tokens["access_token"]))
    assert me.status_code == 200
    assert me.json()["id"] == uid and me.json()["email"] == "Ann@X.io"
    assert "password" not in me.text and "totp_secret" not in me.text


@pytest.mark.parametrize(
    "email, password", [("ann@x.io", "wrong password!"), ("bob@x.io", PASSWORD)]
)
def test_wrong_email_or_password_is_one_message(
    client: TestClient, api_db_url: str, email: str, password: str
) -> None:
    add_user(api_db_url, "ann@x.io")
    answer = client.post("/api/auth/login", json={"email": email, "password": password})
    assert answer.status_code == 401
    assert answer.json()["error"]["message"] == "the email or the password is wrong"


def test_bad_tokens_are_401(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    good = login(client, "ann@x.io")["access_token"]
    head, claims, signature = good.split(".")
    tampered = f"{head}.{claims}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    expired, _ = issue_access(JWT_SECRET, uid, "user", 60, False, now=time.time() - 3600)
    foreign, _ = issue_access("another-secret-" + "y" * 32, uid, "user", 600, False)
    unsigned = jwt.encode({"sub": str(uid), "typ": "access"}, key=None, algorithm="none")
    for token in (tampered, expired, foreign, unsigned, "garbage"):
        answer = client.get("/api/auth/me", headers=bearer(token))
        assert answer.status_code == 401, token
        assert answer.json()["error"]["code"] == "unauthorized"
    assert client.get("/api/auth/me").status_code == 401
    assert (
        "expired" in client.get("/api/auth/me", headers=bearer(expired)).json()["error"]["message"]
    )


def test_refresh_rotates_and_a_reused_token_ends_every_session(
    client: TestClient, api_db_url: str
) -> None:
    add_user(api_db_url, "ann@x.io")
    first = login(client, "ann@x.io")
    second = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    again = client.post("/api/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401
    newest = second.json()
    assert (
        client.post(
            "/api/auth/refresh", json={"refresh_token": newest["refresh_token"]}
        ).status_code
        == 401
    )
    assert client.get("/api/auth/me", headers=bearer(newest["access_token"])).status_code == 401


def test_logout_revokes_the_refresh_token(client: TestClient, api_db_url: str) -> None:
    add_user(api_db_url, "ann@x.io")
    tokens = login(client, "ann@x.io")
    assert (
        client.post("/api/auth/logout", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 200
    )
    answer = client.post("/api/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert answer.status_code == 401


def test_password_change_signs_out_old_tokens(client: TestClient, api_db_url: str) -> None:
    add_user(api_db_url, "ann@x.io")
    old = login(client, "ann@x.io")["access_token"]
    short = client.post(
        "/api/auth/password", headers=bearer(old),
        json={"current_password": PASSWORD, "new_password": "short"},
    )  # fmt: skip
    assert short.status_code == 400 and short.json()["error"]["field"] == "new_password"
    changed = client.post(
        "/api/auth/password", headers=bearer(old),
        json={"current_password": PASSWORD, "new_password": "a much longer one"},
    )  # fmt: skip
    assert changed.status_code == 200
    assert client.get("/api/auth/me", headers=bearer(old)).status_code == 401
    assert (
        client.post("/api/auth/login", json={"email": "ann@x.io", "password": PASSWORD}).status_code
        == 401
    )
    login(client, "ann@x.io", "a much longer one")


def test_five_failures_lock_the_email_until_the_window_passes(
    client: TestClient, api_db_url: str
) -> None:
    add_user(api_db_url, "ann@x.io")
    for _ in range(5):
        bad = client.post("/api/auth/login", json={"email": "ann@x.io", "password": "nope nope"})
        assert bad.status_code == 401
    locked = client.post("/api/auth/login", json={"email": "ANN@x.io", "password": PASSWORD})
    assert locked.status_code == 429
    assert 1 <= int(locked.headers["Retry-After"]) <= 15 * 60
    add_user(api_db_url, "bob@x.io")
    login(client, "bob@x.io")  # another email from the same address is not locked at 5


def test_failures_from_one_address_lock_every_email(api_db_url: str) -> None:
    empty_tables(api_db_url)
    add_user(api_db_url, "ann@x.io")
    with make_client(api_db_url, login_failures_per_client=3) as c:
        for n in range(3):
            c.post("/api/auth/login", json={"email": f"u{n}@x.io", "password": "nope nope"})
        assert (
            c.post("/api/auth/login", json={"email": "ann@x.io", "password": PASSWORD}).status_code
            == 429
        )
        c.app.state.database.close()  # type: ignore[attr-defined]


def test_second_factor_is_asked_and_checked(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    add_user(api_db_url, "ann@x.io")
    secret = enrol_totp(client, login(client, "ann@x.io")["access_token"])
    asked = client.post("/api/auth/login", json={"email": "ann@x.io", "password": PASSWORD})
    assert asked.status_code == 401 and asked.json()["error"]["code"] == "totp_required"
    wrong_code = f"{(int(rfc6238_code(secret)) + 1) % 1_000_000:06d}"
    wrong = client.post(
        "/api/auth/login", json={"email": "ann@x.io", "password": PASSWORD, "totp_code": wrong_code}
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["field"] == "totp_code"
    passed = login(client, "ann@x.io", totp_code=rfc6238_code(secret))
    assert passed["second_factor"] is True and passed["user"]["totp_enabled"] is True


def test_admin_routes_need_the_second_factor(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    add_user(api_db_url, "root@x.io", role="admin")
    without = login(client, "root@x.io")["access_token"]
    refused = client.get("/api/users", headers=bearer(without))
    assert refused.status_code == 403 and "second factor" in refused.json()["error"]["message"]
    with_factor = admin_session(client, api_db_url, "ops@x.io")
    assert client.get("/api/users", headers=bearer(with_factor["access_token"])).status_code == 200
