"""The TOTP second factor (RFC 6238: 30-second steps, 6 digits, SHA-1), as authenticator apps
expect. A code of the previous or next step is accepted too, for clocks a little apart.

The secret is stored encrypted under ALGO_SECRETS_KEY, like the exchange keys.
"""

from __future__ import annotations

import pyotp

from algotrading.crypto import decrypt_secret, encrypt_secret

ISSUER = "algotrading"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def code_matches(secret: str, code: str, at: float | None = None) -> bool:
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    return bool(pyotp.TOTP(secret).verify(code, for_time=at, valid_window=1))


def seal(secret: str) -> bytes:
    return encrypt_secret(secret)


def unseal(sealed: bytes) -> str:
    return decrypt_secret(sealed, what="second-factor secret")
