"""What a signed-in user changes about their own sign-in: password and second factor.

A second factor is set up in two steps (a pending secret, then a code that proves the app has
it), so a half-finished setup never locks anyone out. Admins may not turn theirs off while the
API requires it. Changing the password ends every other session of the user.
"""

from __future__ import annotations

import psycopg

from algotrading.api.auth import passwords, totp
from algotrading.api.config import ApiSettings
from algotrading.api.errors import ApiError, bad_request, conflict
from algotrading.api.schemas.auth import PasswordChange, TotpDisable, TotpSetup
from algotrading.db import users


def check_new_password(password: str, field: str = "new_password") -> str:
    problem = passwords.password_problem(password)
    if problem:
        raise bad_request(f"{field} {problem}", field)
    return passwords.hash_password(password)


def change_password(conn: psycopg.Connection, user: users.User, change: PasswordChange) -> None:
    if not passwords.verify_password(
        users.password_hash_of(conn, user.id), change.current_password
    ):
        raise ApiError(400, "bad_request", "current_password is wrong", "current_password")
    users.set_password_hash(conn, user.id, check_new_password(change.new_password))
    users.revoke_sessions(conn, user.id)


def start_totp(conn: psycopg.Connection, user: users.User) -> TotpSetup:
    if user.totp_enabled:
        raise conflict("a second factor is already enabled; disable it first")
    secret = totp.new_secret()
    users.set_totp(conn, user.id, totp.seal(secret), enabled=False)
    return TotpSetup(secret=secret, otpauth_uri=totp.provisioning_uri(secret, user.email))


def confirm_totp(conn: psycopg.Connection, user: users.User, code: str) -> None:
    sealed = users.totp_secret_of(conn, user.id)
    if user.totp_enabled:
        raise conflict("the second factor is already enabled")
    if sealed is None:
        raise conflict("start with POST /api/auth/totp/setup")
    if not totp.code_matches(totp.unseal(sealed), code):
        raise bad_request("the code does not match the secret; check the device's clock", "code")
    users.set_totp(conn, user.id, sealed, enabled=True)


def disable_totp(
    conn: psycopg.Connection, settings: ApiSettings, user: users.User, request: TotpDisable
) -> None:
    if user.is_admin and settings.admin_totp == "required":
        raise conflict("admins must keep a second factor")
    sealed = users.totp_secret_of(conn, user.id)
    if not user.totp_enabled or sealed is None:
        raise conflict("no second factor is enabled")
    if not passwords.verify_password(users.password_hash_of(conn, user.id), request.password):
        raise bad_request("password is wrong", "password")
    if not totp.code_matches(totp.unseal(sealed), request.code):
        raise bad_request("the code is wrong", "code")
    users.set_totp(conn, user.id, None, enabled=False)
