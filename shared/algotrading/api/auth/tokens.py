"""Access tokens (JWT, HS256, short-lived) and refresh tokens (random, stored hashed).

An access token names the user, the role it was issued with, whether the second factor was
passed, and its issue time in milliseconds (`iat_ms`: a password change and a sign-in in the
same second must still be told apart). The API checks it against the user row on every request
(active? sessions revoked after it was issued?), so revoking a user takes effect at once
although the token is stateless.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS256"
ISSUER = "algotrading"


class TokenInvalid(Exception):
    """The token is missing, malformed, tampered with, expired or of the wrong kind."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: int
    role: str
    issued_ms: int
    expires_at: int
    second_factor: bool


def issue_access(
    secret: str, user_id: int, role: str, lifetime_s: int, second_factor: bool,
    now: float | None = None,
) -> tuple[str, int]:  # fmt: skip
    """A signed access token and its expiry (epoch seconds)."""
    moment = now if now is not None else time.time()
    issued = int(moment)
    expires = issued + lifetime_s
    claims = {
        "sub": str(user_id), "role": role, "iat": issued, "exp": expires, "iss": ISSUER,
        "typ": "access", "mfa": second_factor, "jti": secrets.token_hex(8),
        "iat_ms": int(moment * 1000),
    }  # fmt: skip
    return jwt.encode(claims, secret, algorithm=ALGORITHM), expires


def read_access(secret: str, token: str) -> AccessClaims:
    """The claims of a valid access token; anything else raises `TokenInvalid`."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=[ALGORITHM], issuer=ISSUER,
            options={"require": ["sub", "exp", "iat", "iss"]},
        )  # fmt: skip
    except jwt.ExpiredSignatureError:
        raise TokenInvalid("the access token has expired") from None
    except jwt.PyJWTError:
        raise TokenInvalid("the access token is not valid") from None
    if claims.get("typ") != "access" or not str(claims.get("sub", "")).isdigit():
        raise TokenInvalid("the access token is not valid")
    return AccessClaims(
        user_id=int(claims["sub"]), role=str(claims.get("role", "")),
        issued_ms=int(claims.get("iat_ms", int(claims["iat"]) * 1000)),
        expires_at=int(claims["exp"]),
        second_factor=bool(claims.get("mfa", False)),
    )  # fmt: skip


def new_refresh_token() -> str:
    """256 random bits, URL-safe; only its SHA-256 is stored."""
    return secrets.token_urlsafe(32)
