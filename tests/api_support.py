"""Fixtures and helpers for the API tests: the real app over a real, migrated PostgreSQL.

The API commits through its own pool, so these tests cannot live inside the rolled-back `db`
transaction: each test module gets its own migrated database, emptied before every test.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
import time
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from algotrading.api.app import create_app
from algotrading.api.auth.passwords import hash_password
from algotrading.api.config import load_api_settings
from algotrading.db.migrate import apply_migrations
from algotrading.settings import load_settings

JWT_SECRET = "test-signing-secret-" + "x" * 32
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def api_db_url(pg_admin_url: str) -> Iterator[str]:
    name = f"algo_api_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}".encode())
    url = psycopg.conninfo.make_conninfo(pg_admin_url, dbname=name)
    with psycopg.connect(url, autocommit=True) as conn:
        apply_migrations(conn)
    yield url
    with psycopg.connect(pg_admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)".encode())


def empty_tables(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        tables = [
            r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
                " AND tablename <> '_migrations'"
            )
        ]  # fmt: skip
        conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE".encode())


def make_client(url: str, **api_overrides: Any) -> TestClient:
    settings = load_settings(database_url=url, db_pool_min=0, db_pool_max=4)
    api_settings = load_api_settings(jwt_secret=JWT_SECRET, **api_overrides)
    return TestClient(create_app(settings, api_settings))


@pytest.fixture
def client(api_db_url: str) -> Iterator[TestClient]:
    empty_tables(api_db_url)
    with make_client(api_db_url) as test_client:
        yield test_client
    close_app(test_client)


def close_app(test_client: TestClient) -> None:
    """Stop what the app opened: the live-events listener and the pool."""
    state = test_client.app.state  # type: ignore[attr-defined]
    if state.live_hub is not None:
        state.live_hub.close()
    state.database.close()


def add_user(url: str, email: str, role: str = "user", password: str = PASSWORD) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "INSERT INTO users (email, password_hash, role) VALUES (%s, %s, %s) RETURNING id",
            (email, hash_password(password), role),
        ).fetchone()
    assert row is not None
    return int(row[0])


def add_account(url: str, user_id: int, name: str = "main", mode: str = "paper") -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "INSERT INTO trading_accounts (user_id, name, mode, base_url)"
            " VALUES (%s, %s, %s, 'http://127.0.0.1:1') RETURNING id",
            (user_id, name, mode),
        ).fetchone()
    assert row is not None
    return int(row[0])


def login(client: TestClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    answer = client.post("/api/auth/login", json={"email": email, "password": password, **extra})
    assert answer.status_code == 200, answer.text
    return answer.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def rfc6238_code(base32_secret: str, at: float | None = None) -> str:
    """A TOTP code computed from RFC 4226/6238 directly (not through the app's library)."""
    import base64

    padded = base32_secret + "=" * (-len(base32_secret) % 8)
    key = base64.b32decode(padded, casefold=True)
    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


@pytest.fixture
def secrets_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """ALGO_SECRETS_KEY for this test (second-factor secrets and exchange keys are sealed)."""
    from cryptography.fernet import Fernet

    from algotrading.settings import get_settings

    key = Fernet.generate_key().decode()
    monkeypatch.setenv("ALGO_SECRETS_KEY", key)
    get_settings.cache_clear()
    return key


def enrol_totp(client: TestClient, token: str) -> str:
    """Set up and confirm a second factor for the token's user; the base32 secret."""
    setup = client.post("/api/auth/totp/setup", headers=bearer(token))
    assert setup.status_code == 200, setup.text
    secret = str(setup.json()["secret"])
    confirm = client.post(
        "/api/auth/totp/confirm", json={"code": rfc6238_code(secret)}, headers=bearer(token)
    )
    assert confirm.status_code == 200, confirm.text
    return secret


def admin_session(client: TestClient, url: str, email: str = "root@x.io") -> dict[str, Any]:
    """A signed-in admin who passed the second factor (the secrets_key fixture is needed)."""
    add_user(url, email, role="admin")
    first = login(client, email)
    secret = enrol_totp(client, first["access_token"])
    return dict(login(client, email, totp_code=rfc6238_code(secret)))


def api_routes(routes: Any) -> Iterator[Any]:
    """Every APIRoute of an app, also inside included routers (kept as wrappers by this
    FastAPI): what the route-walking tests (authorization matrix, seeded walk) iterate."""
    from fastapi.routing import APIRoute

    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)
