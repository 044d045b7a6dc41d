"""Admin user management through the API: CRUD, roles, resets, revocation, the last admin, the
audit rows, and that a plain user reaches none of it."""

from __future__ import annotations

import psycopg
from api_support import PASSWORD, add_user, admin_session, bearer, login
from fastapi.testclient import TestClient


def _audit(url: str) -> list[tuple[str, str, object]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT action, actor, detail->>'user_id' FROM operator_actions ORDER BY id"
        ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]


def test_admin_creates_lists_updates_and_deletes(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    made = client.post(
        "/api/users", headers=admin,
        json={"email": "new@x.io", "password": "long enough pw", "display_name": "New"},
    )  # fmt: skip
    assert made.status_code == 201 and made.json()["role"] == "user"
    uid = made.json()["id"]
    page = client.get("/api/users?limit=1&offset=1", headers=admin).json()
    assert page["total"] == 2 and [u["email"] for u in page["items"]] == ["new@x.io"]
    patched = client.patch(f"/api/users/{uid}", headers=admin, json={"display_name": "Renamed"})
    assert patched.json()["display_name"] == "Renamed" and patched.json()["role"] == "user"
    assert client.delete(f"/api/users/{uid}", headers=admin).status_code == 200
    assert client.get(f"/api/users/{uid}", headers=admin).status_code == 404
    actions = _audit(api_db_url)
    assert actions == [
        ("user_create", "root@x.io", str(uid)),
        ("user_update", "root@x.io", str(uid)),
        ("user_delete", "root@x.io", str(uid)),
    ]


def test_bad_user_input_writes_nothing(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    cases = [
        ({"email": "not-an-email", "password": "long enough pw"}, 422, "email"),
        ({"email": "a@x.io", "password": "short"}, 400, "password"),
        ({"email": "a@x.io", "password": "long enough pw", "role": "root"}, 422, "role"),
        ({"email": "a@x.io", "password": "long enough pw", "is_admin": True}, 422, "is_admin"),
        ({"email": "ROOT@x.io", "password": "long enough pw"}, 409, None),
    ]
    for payload, status, field in cases:
        answer = client.post("/api/users", headers=admin, json=payload)
        assert answer.status_code == status, (payload, answer.text)
        assert answer.json()["error"]["field"] == field
    assert client.get("/api/users", headers=admin).json()["total"] == 1
    assert _audit(api_db_url) == []


def test_the_last_admin_stays(client: TestClient, api_db_url: str, secrets_key: str) -> None:
    session = admin_session(client, api_db_url)
    admin, me = bearer(session["access_token"]), session["user"]["id"]
    for change in ({"role": "user"}, {"is_active": False}):
        answer = client.patch(f"/api/users/{me}", headers=admin, json=change)
        assert (
            answer.status_code == 409 and "last active admin" in answer.json()["error"]["message"]
        )
    assert client.delete(f"/api/users/{me}", headers=admin).status_code == 409


def test_reset_and_revoke_sign_the_user_out(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    uid = add_user(api_db_url, "ann@x.io")
    anns = bearer(login(client, "ann@x.io")["access_token"])
    answer = client.post(f"/api/users/{uid}/sessions/revoke", headers=admin)
    assert answer.status_code == 200
    assert client.get("/api/auth/me", headers=anns).status_code == 401
    reset = client.post(
        f"/api/users/{uid}/password", headers=admin, json={"new_password": "x" * 12}
    )
    assert reset.status_code == 200
    assert (
        client.post("/api/auth/login", json={"email": "ann@x.io", "password": PASSWORD}).status_code
        == 401
    )
    login(client, "ann@x.io", "x" * 12)


def test_a_user_reaches_no_admin_route(client: TestClient, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    anns = bearer(login(client, "ann@x.io")["access_token"])
    for method, path in [
        ("GET", "/api/users"), ("GET", f"/api/users/{uid}"), ("DELETE", f"/api/users/{uid}"),
        ("POST", f"/api/users/{uid}/sessions/revoke"),
    ]:  # fmt: skip
        answer = client.request(method, path, headers=anns)
        assert answer.status_code == 403 and answer.json()["error"]["code"] == "forbidden"
    promoted = client.patch(f"/api/users/{uid}", headers=anns, json={"role": "admin"})
    assert promoted.status_code == 403
    assert login(client, "ann@x.io")["user"]["role"] == "user"
