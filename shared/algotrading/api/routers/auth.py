"""`/api/auth`: sign in, refresh, sign out, who am I, password and second factor."""

from __future__ import annotations

from fastapi import APIRouter, Request

from algotrading.api.auth import account_security as security
from algotrading.api.auth import signin
from algotrading.api.deps import Caller, Conn, Settings
from algotrading.api.responses import PUBLIC, SIGNED_IN, errors
from algotrading.api.schemas.auth import (
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    Tokens,
    TotpConfirm,
    TotpDisable,
    TotpSetup,
)  # fmt: skip
from algotrading.api.schemas.common import Message
from algotrading.api.schemas.users import UserOut
from algotrading.db.users import revoke_sessions

router = APIRouter(prefix="/api/auth", tags=["auth"])


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@router.post("/login", responses={**PUBLIC, **errors(401, 429)})
def login(body: LoginRequest, request: Request, conn: Conn, settings: Settings) -> Tokens:
    """Exchange email and password (and a TOTP code when the user has one) for tokens."""
    return signin.sign_in(conn, settings, body, client_address(request))


@router.post("/refresh", responses={**PUBLIC, **errors(401)})
def refresh(body: RefreshRequest, request: Request, conn: Conn, settings: Settings) -> Tokens:
    """A new token pair for a refresh token, which is then spent."""
    return signin.refresh(conn, settings, body.refresh_token, client_address(request))


@router.post("/logout", responses=PUBLIC)
def logout(body: RefreshRequest, conn: Conn) -> Message:
    """Revoke the refresh token (the access token lapses within minutes)."""
    signin.sign_out(conn, body.refresh_token)
    return Message(message="signed out")


@router.get("/me", responses=SIGNED_IN)
def me(caller: Caller) -> UserOut:
    return UserOut.of(caller.user)


@router.post("/password", responses=SIGNED_IN)
def change_password(body: PasswordChange, caller: Caller, conn: Conn) -> Message:
    """Change one's own password; every session then ends, this one included."""
    security.change_password(conn, caller.user, body)
    return Message(message="password changed; sign in again")


@router.post("/sessions/revoke", responses=SIGNED_IN)
def revoke_own_sessions(caller: Caller, conn: Conn) -> Message:
    """Sign out everywhere."""
    revoke_sessions(conn, caller.user.id)
    return Message(message="every session of this user is signed out")


@router.post("/totp/setup", responses={**SIGNED_IN, **errors(409)})
def totp_setup(caller: Caller, conn: Conn) -> TotpSetup:
    """Start a second factor: the secret to put in an authenticator app."""
    return security.start_totp(conn, caller.user)


@router.post("/totp/confirm", responses={**SIGNED_IN, **errors(409)})
def totp_confirm(body: TotpConfirm, caller: Caller, conn: Conn) -> Message:
    """Turn the second factor on with a code from the app."""
    security.confirm_totp(conn, caller.user, body.code)
    return Message(message="second factor enabled; sign in again with a code")


@router.post("/totp/disable", responses={**SIGNED_IN, **errors(409)})
def totp_disable(body: TotpDisable, caller: Caller, conn: Conn, settings: Settings) -> Message:
    security.disable_totp(conn, settings, caller.user, body)
    return Message(message="second factor disabled")
