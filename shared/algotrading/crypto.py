"""Encryption at rest for exchange keys: Fernet (AES-128-CBC + HMAC-SHA256) under ALGO_SECRETS_KEY.

Fernet because it authenticates as well as encrypts (a tampered or foreign ciphertext fails
loudly instead of decrypting to garbage) and because its key is one printable string that fits
an environment variable or a Secrets Manager value. Every key and plaintext that passes through
here is registered with the log redactor.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken

from algotrading.errors import ConfigError
from algotrading.logs import register_secret
from algotrading.settings import Settings, get_settings

KEY_VARIABLE = "ALGO_SECRETS_KEY"


def generate_key() -> str:
    """A new random key for ALGO_SECRETS_KEY."""
    return Fernet.generate_key().decode("ascii")


def _fernet(key: str | None, settings: Settings | None) -> Fernet:
    if key is None:
        configured = (settings or get_settings()).secrets_key
        key = configured.get_secret_value() if configured else None
    if not key:
        raise ConfigError(f"{KEY_VARIABLE} is not set: it is needed to encrypt or decrypt API keys")
    register_secret(key)
    try:
        return Fernet(key.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise ConfigError(
            f"invalid {KEY_VARIABLE}: must be a Fernet key (32 url-safe base64-encoded bytes)"
        ) from None


def encrypt_secret(
    plaintext: str, *, key: str | None = None, settings: Settings | None = None
) -> bytes:
    """Ciphertext for a BYTEA column."""
    register_secret(plaintext)
    return _fernet(key, settings).encrypt(plaintext.encode("utf-8"))


def decrypt_secret(
    token: bytes, *, key: str | None = None, settings: Settings | None = None, what: str = "secret"
) -> str:
    """The plaintext; a wrong key or a damaged value is a one-line `ConfigError`."""
    try:
        plaintext = _fernet(key, settings).decrypt(bytes(token)).decode("utf-8")
    except InvalidToken:
        raise ConfigError(
            f"cannot decrypt the {what}: {KEY_VARIABLE} is not the key it was encrypted with"
        ) from None
    register_secret(plaintext)
    return plaintext
