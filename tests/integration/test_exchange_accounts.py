"""The trading-account repository on a real database: keys encrypted at rest, decrypted on read."""

from __future__ import annotations

import psycopg
import pytest

from algotrading.crypto import generate_key
from algotrading.db.accounts import (
    AccountNotFound,
    MissingCredentials,
    create_account,
    get_account,
    load_credentials,
    set_credentials,
)
from algotrading.domain.credentials import ApiCredentials
from algotrading.errors import ConfigError
from algotrading.settings import Settings, load_settings

KEYS = ApiCredentials("acct-api-key-1", "acct-api-secret-1")


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("ALGO_SECRETS_KEY", generate_key())
    return load_settings()


def _user(db: psycopg.Connection) -> int:
    row = db.execute(
        "INSERT INTO users (email, password_hash) VALUES ('trader@x.io', 'h') RETURNING id"
    ).fetchone()
    assert row is not None
    return int(row[0])


def _account(db: psycopg.Connection, settings: Settings, keys: ApiCredentials | None = KEYS) -> int:
    return create_account(
        db, user_id=_user(db), name="main", mode="test", base_url="testnet",
        credentials=keys, settings=settings,
    )  # fmt: skip


def test_keys_are_stored_encrypted_and_read_back(
    db: psycopg.Connection, settings: Settings
) -> None:
    account_id = _account(db, settings)
    stored = db.execute(
        "SELECT api_key_encrypted, api_secret_encrypted FROM trading_accounts WHERE id = %s",
        (account_id,),
    ).fetchone()
    assert stored is not None
    assert b"acct-api-key-1" not in bytes(stored[0])
    assert b"acct-api-secret-1" not in bytes(stored[1])
    account, keys = load_credentials(db, account_id, settings)
    assert keys == KEYS and account.base_url == "testnet" and account.has_keys
    assert "acct-api-secret-1" not in repr(keys) + repr(account)


def test_keys_can_be_replaced(db: psycopg.Connection, settings: Settings) -> None:
    account_id = _account(db, settings, keys=None)
    assert not get_account(db, account_id).has_keys
    with pytest.raises(MissingCredentials):
        load_credentials(db, account_id, settings)
    set_credentials(db, account_id, ApiCredentials("new-key-1", "new-secret-1"), settings)
    assert load_credentials(db, account_id, settings)[1].api_secret == "new-secret-1"
    with pytest.raises(AccountNotFound):
        set_credentials(db, account_id + 1000, KEYS, settings)


def test_decrypting_needs_the_right_key(
    db: psycopg.Connection, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    account_id = _account(db, settings)
    monkeypatch.delenv("ALGO_SECRETS_KEY")
    with pytest.raises(ConfigError, match=r"^ALGO_SECRETS_KEY is not set"):
        load_credentials(db, account_id, load_settings())
    monkeypatch.setenv("ALGO_SECRETS_KEY", generate_key())
    with pytest.raises(ConfigError, match="not the key it was encrypted with") as info:
        load_credentials(db, account_id, load_settings())
    assert "acct-api" not in str(info.value)


def test_an_unknown_account_is_one_line(db: psycopg.Connection, settings: Settings) -> None:
    with pytest.raises(AccountNotFound, match="trading account 987654 does not exist"):
        load_credentials(db, 987654, settings)
