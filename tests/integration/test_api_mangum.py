"""The Lambda handler (Mangum over the same app) answers API Gateway HTTP API events in payload
format 2.0 exactly as the app answers over HTTP (uvicorn's path is the TestClient's here)."""

from __future__ import annotations

import base64
import json
from typing import Any

import jwt
import pytest
from api_support import JWT_SECRET, PASSWORD, add_user, empty_tables, make_client
from jobs_support import LambdaContext, load_handler

from algotrading.api.config import get_api_settings
from algotrading.settings import get_settings


def http_api_event(
    method: str, path: str, body: dict[str, Any] | None = None, query: str = "",
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:  # fmt: skip
    """An event as API Gateway's HTTP API sends it on the $default stage (payload 2.0, per the
    AWS documentation's example)."""
    raw = json.dumps(body) if body is not None else None
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
        "cookies": [],
        "headers": {
            "accept": "application/json", "content-type": "application/json",
            "host": "abc123.execute-api.eu-west-1.amazonaws.com", "user-agent": "curl/8.5",
            "x-forwarded-for": "203.0.113.9", "x-forwarded-port": "443",
            "x-forwarded-proto": "https", **(headers or {}),
        },
        "requestContext": {
            "accountId": "123456789012", "apiId": "abc123", "domainName":
            "abc123.execute-api.eu-west-1.amazonaws.com", "domainPrefix": "abc123",
            "http": {"method": method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "203.0.113.9", "userAgent": "curl/8.5"},
            "requestId": "JKJaXmPLvHcESHA=", "routeKey": "$default", "stage": "$default",
            "time": "10/Mar/2026:00:03:34 +0000", "timeEpoch": 1773101014000,
        },
        "body": base64.b64encode(raw.encode()).decode() if raw else None,
        "isBase64Encoded": raw is not None,
    }  # fmt: skip


@pytest.fixture
def lambda_handler(monkeypatch: pytest.MonkeyPatch, api_db_url: str) -> Any:
    empty_tables(api_db_url)
    monkeypatch.setenv("DATABASE_URL", api_db_url)
    monkeypatch.setenv("ALGO_JWT_SECRET", JWT_SECRET)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "api")
    get_settings.cache_clear()
    get_api_settings.cache_clear()
    yield load_handler("api").handler
    get_api_settings.cache_clear()


def _body(answer: dict[str, Any]) -> Any:
    text = answer["body"]
    if answer.get("isBase64Encoded"):
        text = base64.b64decode(text).decode()
    return json.loads(text)


def test_lambda_answers_like_the_app(lambda_handler: Any, api_db_url: str) -> None:
    add_user(api_db_url, "ann@x.io")
    context = LambdaContext()
    cases = [
        ("GET", "/api/health", None, ""),
        ("POST", "/api/auth/login", {"email": "ann@x.io", "password": "wrong password"}, ""),
        ("GET", "/api/users", None, "limit=5"),
        ("GET", "/api/nowhere", None, ""),
    ]
    with make_client(api_db_url) as direct:
        for method, path, body, query in cases:
            answer = lambda_handler(http_api_event(method, path, body, query), context)
            expected = direct.request(method, f"{path}?{query}" if query else path, json=body)
            assert answer["statusCode"] == expected.status_code, path
            assert _body(answer) == expected.json(), path
            assert answer["headers"]["content-type"] == "application/json"


def test_lambda_signs_in_and_reaches_me(lambda_handler: Any, api_db_url: str) -> None:
    uid = add_user(api_db_url, "ann@x.io")
    context = LambdaContext()
    signed = lambda_handler(
        http_api_event("POST", "/api/auth/login", {"email": "ann@x.io", "password": PASSWORD}),
        context,
    )
    assert signed["statusCode"] == 200
    token = _body(signed)["access_token"]
    me = lambda_handler(
        http_api_event("GET", "/api/auth/me", headers={"authorization": f"Bearer {token}"}), context
    )
    assert me["statusCode"] == 200 and _body(me)["id"] == uid


def test_in_lambda_the_secrets_come_from_secrets_manager(
    monkeypatch: pytest.MonkeyPatch, api_db_url: str
) -> None:
    """The database URL and the JWT secret read through powertools Parameters (moto's Secrets
    Manager), none in the environment; a token signed with that secret passes."""
    import boto3
    from aws_lambda_powertools.utilities import parameters
    from moto import mock_aws

    empty_tables(api_db_url)
    uid = add_user(api_db_url, "ann@x.io")
    for name, value in {"AWS_DEFAULT_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "testing",
                        "AWS_SECRET_ACCESS_KEY": "testing",
                        "AWS_LAMBDA_FUNCTION_NAME": "api"}.items():  # fmt: skip
        monkeypatch.setenv(name, value)
    for name in ("DATABASE_URL", "ALGO_JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    secret = "s" * 48
    with mock_aws():
        sm = boto3.client("secretsmanager")
        db_arn = sm.create_secret(Name="algo/db", SecretString=api_db_url)["ARN"]
        jwt_arn = sm.create_secret(Name="algo/jwt", SecretString=secret)["ARN"]
        monkeypatch.setenv("ALGO_DATABASE_SECRET_ARN", db_arn)
        monkeypatch.setenv("ALGO_JWT_SECRET_ARN", jwt_arn)
        get_settings.cache_clear()
        get_api_settings.cache_clear()
        parameters.clear_caches()
        handler = load_handler("api").handler
        signed = handler(
            http_api_event("POST", "/api/auth/login", {"email": "ann@x.io", "password": PASSWORD}),
            LambdaContext(),
        )
        assert signed["statusCode"] == 200, signed["body"]
        token = _body(signed)["access_token"]
        assert jwt.decode(token, secret, algorithms=["HS256"])["sub"] == str(uid)
    parameters.clear_caches()
    get_api_settings.cache_clear()
