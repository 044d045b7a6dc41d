"""Password hashing with Argon2id (argon2-cffi's defaults, the RFC 9106 low-memory profile).

`verify` never raises: a hash that is not Argon2 (rows written before the API existed hold
placeholders such as `!`) simply does not match, so such a user cannot sign in until an admin
sets a password.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher()

MIN_LENGTH = 10
MAX_LENGTH = 256
DUMMY_HASH = _HASHER.hash("a password nobody has")
"""Verified against when the email is unknown, so a wrong email costs as long as a wrong
password and the timing does not tell which emails exist."""


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. Length is what matters (NIST SP 800-63B)."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if password.strip() != password or not password.strip():
        return "must not start or end with spaces"
    return None
