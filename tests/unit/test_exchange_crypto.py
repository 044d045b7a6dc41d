"""Encryption at rest of exchange keys (Fernet under ALGO_SECRETS_KEY)."""

from __future__ import annotations

import pytest

from algotrading.crypto import decrypt_secret, encrypt_secret, generate_key
from algotrading.errors import ConfigError
from algotrading.logs import redact
from algotrading.settings import get_settings, load_settings


def test_round_trip_and_the_plaintext_is_not_in_the_ciphertext() -> None:
    key = generate_key()
    token = encrypt_secret("my-bybit-secret-42", key=key)
    assert b"my-bybit-secret-42" not in token
    assert decrypt_secret(token, key=key) == "my-bybit-secret-42"
    assert redact("it was my-bybit-secret-42") == "it was ***"  # registered for the logs
    assert redact(key) == "***"


def test_the_key_comes_from_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key()
    monkeypatch.setenv("ALGO_SECRETS_KEY", key)
    get_settings.cache_clear()
    assert decrypt_secret(encrypt_secret("abcd-1234")) == "abcd-1234"


def test_a_missing_key_names_the_variable() -> None:
    with pytest.raises(ConfigError, match=r"^ALGO_SECRETS_KEY is not set"):
        encrypt_secret("abcd-1234", settings=load_settings())


def test_a_malformed_key_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="invalid ALGO_SECRETS_KEY"):
        encrypt_secret("abcd-1234", key="not-a-fernet-key")


def test_the_wrong_key_is_one_line_without_the_secret() -> None:
    token = encrypt_secret("top-secret-value", key=generate_key())
    with pytest.raises(ConfigError) as info:
        decrypt_secret(token, key=generate_key(), what="API secret of account 7")
    message = str(info.value)
    assert "API secret of account 7" in message and "ALGO_SECRETS_KEY" in message
    assert "top-secret-value" not in message and "\n" not in message
