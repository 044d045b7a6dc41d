"""Property-based fuzzing of the whole OpenAPI schema (schemathesis) against the real app over
the real PostgreSQL: no input gives a 5xx, and every answer has a declared status, content
type and body schema.

Every operation is fuzzed as a signed-in admin (who reaches every route) with the admin's own
trading account in `X-Trading-Account-Id`, so the generated cases get past the access checks
into the routes' own validation. Examples per operation are capped for `make test`
(ALGO_FUZZ_EXAMPLES, default 8); a longer run is documented in docs/api.md.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
import schemathesis
from api_support import PASSWORD, empty_tables, enrol_totp, login, make_client, rfc6238_code
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)  # fmt: skip

from algotrading.api.auth.passwords import hash_password

EXAMPLES = int(os.environ.get("ALGO_FUZZ_EXAMPLES", "8"))
ADMIN_ID = 7_000_000_001  # far from the small ids the fuzzer tries first
ACCOUNT_ID = 7_000_000_002
SELF_DESTRUCTIVE = ("/api/auth/sessions/revoke", "/api/auth/password", "/api/auth/totp/disable")


@pytest.fixture(scope="module")
def fuzz_client(api_db_url: str) -> Iterator[TestClient]:
    empty_tables(api_db_url)
    with make_client(api_db_url) as client:
        yield client
    client.app.state.database.close()  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def fuzz_headers(fuzz_client: TestClient, api_db_url: str) -> dict[str, str]:
    """An admin with a second factor, and one trading account of theirs."""
    from cryptography.fernet import Fernet

    from algotrading.settings import get_settings

    os.environ["ALGO_SECRETS_KEY"] = Fernet.generate_key().decode()
    get_settings.cache_clear()
    with psycopg.connect(api_db_url) as conn:
        conn.execute(
            "INSERT INTO users (id, email, password_hash, role)"
            " VALUES (%s, 'fuzz@x.io', %s, 'admin')",
            (ADMIN_ID, hash_password(PASSWORD)),
        )
        conn.execute(
            "INSERT INTO trading_accounts (id, user_id, name, mode, base_url)"
            " VALUES (%s, %s, 'fuzz', 'paper', 'http://127.0.0.1:9')",
            (ACCOUNT_ID, ADMIN_ID),
        )
    secret = enrol_totp(fuzz_client, login(fuzz_client, "fuzz@x.io")["access_token"])
    token = login(fuzz_client, "fuzz@x.io", totp_code=rfc6238_code(secret))["access_token"]
    return {"Authorization": f"Bearer {token}", "X-Trading-Account-Id": str(ACCOUNT_ID)}


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation, read from an app that opens nothing to build it."""
    from algotrading.api.app import create_app
    from algotrading.api.config import load_api_settings
    from algotrading.settings import load_settings

    spec = create_app(load_settings(), load_api_settings(jwt_secret="x" * 32)).openapi()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if path not in SELF_DESTRUCTIVE
    ]


def _exchange_unreachable(response: Any) -> bool:
    """A 503 naming the exchange: the one 5xx an input cannot cause, answered when the account's
    exchange does not answer (here a closed loopback port)."""
    if response.status_code != 503:
        return False
    error = response.json().get("error", {})
    return error.get("code") == "unavailable" and "exchange" in error.get("message", "")


CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance,
    response_schema_conformance,
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), _operations())
def test_no_input_breaks_the_api(
    method: str, path: str, fuzz_client: TestClient, fuzz_headers: dict[str, str]
) -> None:
    operation = schemathesis.openapi.from_asgi("/openapi.json", fuzz_client.app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
        suppress_health_check=list(HealthCheck),
    )  # fmt: skip
    def fuzz(case: Any) -> None:
        if case.headers:
            case.headers.pop("X-Trading-Account-Id", None)
            case.headers.pop("Authorization", None)
        response = case.call(headers=fuzz_headers)
        if _exchange_unreachable(response):
            return  # the fuzz account's exchange is a closed port: not the input's doing
        case.validate_response(response, checks=CHECKS)

    fuzz()
