"""The one error shape for every kind of bad request, the body cap, and OpenAPI."""

from __future__ import annotations

from api_support import add_user, admin_session, bearer, login
from fastapi import FastAPI
from fastapi.testclient import TestClient

from algotrading.api.deps import Scoped


def _shape(answer: object) -> dict[str, object]:
    body = answer.json()  # type: ignore[attr-defined]
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return dict(body["error"])


def test_malformed_json_and_wrong_types_name_the_problem(client: TestClient) -> None:
    raw = client.post(
        "/api/auth/login", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert raw.status_code == 422 and _shape(raw)["message"] == "the request body is not valid JSON"
    typed = client.post("/api/auth/login", json={"email": 5, "password": "x"})
    assert typed.status_code == 422 and _shape(typed)["field"] == "email"
    extra = client.post(
        "/api/auth/login", json={"email": "a@x.io", "password": "x", "role": "admin"}
    )
    assert extra.status_code == 422 and _shape(extra)["field"] == "role"


def test_huge_bodies_are_refused_while_read(client: TestClient) -> None:
    big = b'{"email": "' + b"a" * 2_000_000 + b'@x.io", "password": "x"}'
    declared = client.post(
        "/api/auth/login", content=big, headers={"content-type": "application/json"}
    )
    assert declared.status_code == 413 and _shape(declared)["code"] == "too_large"

    def chunks():  # no Content-Length: the cap holds while streaming
        for _ in range(40):
            yield b"x" * 65_536

    streamed = client.post("/api/auth/login", content=chunks())
    assert streamed.status_code == 413


def test_unknown_routes_and_methods_use_the_shape(client: TestClient) -> None:
    assert _shape(client.get("/api/nothing-here"))["code"] == "not_found"
    assert _shape(client.put("/api/health"))["code"] == "method_not_allowed"


def test_paging_bounds_are_checked(client: TestClient, api_db_url: str, secrets_key: str) -> None:
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    for query, field in (("limit=100000", "limit"), ("limit=0", "limit"), ("offset=-1", "offset")):
        answer = client.get(f"/api/users?{query}", headers=admin)
        assert answer.status_code == 422 and _shape(answer)["field"] == field


def test_account_scope_header(client: TestClient, api_db_url: str) -> None:
    from api_support import add_account

    app: FastAPI = client.app  # type: ignore[assignment]

    @app.get("/test-only/scoped")
    def scoped(scope: Scoped) -> dict[str, int]:
        return {"account": scope.account_id}

    ann, bob = add_user(api_db_url, "ann@x.io"), add_user(api_db_url, "bob@x.io")
    anns_account, bobs_account = add_account(api_db_url, ann), add_account(api_db_url, bob)
    anns = bearer(login(client, "ann@x.io")["access_token"])
    ok = client.get(
        "/test-only/scoped", headers={**anns, "X-Trading-Account-Id": str(anns_account)}
    )
    assert ok.json() == {"account": anns_account}
    missing = client.get("/test-only/scoped", headers=anns)
    assert missing.status_code == 400 and _shape(missing)["field"] == "X-Trading-Account-Id"
    for other in (str(bobs_account), "999999", "abc", "-1"):
        answer = client.get("/test-only/scoped", headers={**anns, "X-Trading-Account-Id": other})
        assert answer.status_code in (400, 404), other
    foreign = client.get(
        "/test-only/scoped", headers={**anns, "X-Trading-Account-Id": str(bobs_account)}
    )
    unknown = client.get("/test-only/scoped", headers={**anns, "X-Trading-Account-Id": "999999"})
    assert foreign.status_code == unknown.status_code == 404
    assert _shape(foreign)["message"] == f"trading account {bobs_account} does not exist"


def test_openapi_documents_errors_and_security(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    login_op = spec["paths"]["/api/auth/login"]["post"]
    assert {"401", "422", "429"} <= set(login_op["responses"])
    schema = login_op["responses"]["422"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ErrorBody")
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    assert client.get("/docs").status_code == 200
