"""Sign-in, refresh and sign-out: the rules, apart from the routes that expose them.

Rate limit: within a window (15 minutes by default), 5 failed sign-ins for one email since its
last success, or 20 from one client address, refuse further attempts with 429 and Retry-After
until the oldest counted failure leaves the window. The counts live in PostgreSQL because Lambda
processes share nothing. A failure is committed before the 401 goes out, so the count holds
even though the request's transaction is otherwise rolled back.
"""

from __future__ import annotations

from datetime import timedelta

import psycopg

from algotrading.api.auth import passwords, totp
from algotrading.api.auth.tokens import issue_access, new_refresh_token
from algotrading.api.config import ApiSettings, signing_secret
from algotrading.api.errors import ApiError, unauthorized
from algotrading.api.schemas.auth import LoginRequest, Tokens
from algotrading.api.schemas.users import UserOut
from algotrading.db import auth_sessions as sessions
from algotrading.db.users import User, find_by_email, get_user, revoke_sessions, totp_secret_of

WRONG = "the email or the password is wrong"


def _refuse_if_limited(
    conn: psycopg.Connection, settings: ApiSettings, email: str, client: str
) -> None:
    window = timedelta(minutes=settings.login_window_minutes)
    recent = sessions.recent_failures(conn, email, client, window)
    if recent.by_email >= settings.login_failures_per_email:
        wait = recent.email_retry_after_s
    elif recent.by_client >= settings.login_failures_per_client:
        wait = recent.client_retry_after_s
    else:
        return
    raise ApiError(
        429, "too_many_requests", f"too many failed sign-ins; try again in {wait} s",
        headers={"Retry-After": str(wait)},
    )  # fmt: skip


def _fail(conn: psycopg.Connection, email: str, client: str, error: ApiError) -> ApiError:
    sessions.record_attempt(conn, email, client, succeeded=False)
    conn.commit()
    return error


def _second_factor(conn: psycopg.Connection, user: User, code: str | None) -> bool:
    """True when the user has a second factor and `code` passes it; raises when it does not."""
    if not user.totp_enabled:
        return False
    if code is None:
        raise ApiError(
            401,
            "totp_required",
            "this user signs in with a second factor: send totp_code",
            "totp_code",
        )
    sealed = totp_secret_of(conn, user.id)
    if sealed is None or not totp.code_matches(totp.unseal(sealed), code):
        raise ApiError(401, "unauthorized", "the second-factor code is wrong", "totp_code")
    return True


def sign_in(
    conn: psycopg.Connection, settings: ApiSettings, request: LoginRequest, client: str
) -> Tokens:
    _refuse_if_limited(conn, settings, request.email, client)
    found = find_by_email(conn, request.email)
    if found is None:
        passwords.verify_password(passwords.DUMMY_HASH, request.password)
        raise _fail(conn, request.email, client, unauthorized(WRONG))
    user, password_hash = found
    if not passwords.verify_password(password_hash, request.password) or not user.is_active:
        raise _fail(conn, request.email, client, unauthorized(WRONG))
    try:
        second = _second_factor(conn, user, request.totp_code)
    except ApiError as exc:
        if exc.code == "totp_required":
            raise
        raise _fail(conn, request.email, client, exc) from None
    sessions.record_attempt(conn, request.email, client, succeeded=True)
    return issue_tokens(conn, settings, user, second, client)


def issue_tokens(
    conn: psycopg.Connection, settings: ApiSettings, user: User, second: bool, client: str
) -> Tokens:
    """A new access token and a new refresh token (its session stored)."""
    lifetime = settings.access_token_minutes * 60
    access, _ = issue_access(signing_secret(settings), user.id, user.role.value, lifetime, second)
    refresh = new_refresh_token()
    refresh_life = timedelta(days=settings.refresh_token_days)
    sessions.open_session(conn, user.id, refresh, refresh_life, client=client, second_factor=second)
    return Tokens(
        access_token=access, expires_in=lifetime, refresh_token=refresh,
        refresh_expires_in=int(refresh_life.total_seconds()), second_factor=second,
        user=UserOut.of(user),
    )  # fmt: skip


def refresh(conn: psycopg.Connection, settings: ApiSettings, token: str, client: str) -> Tokens:
    """Rotate a refresh token. A revoked one presented again was copied: every session of its
    user ends (the thief's and the owner's), and the owner signs in again."""
    invalid = unauthorized("the refresh token is not valid; sign in again")
    session = sessions.find_session(conn, token)
    if session is None or session.expired:
        raise invalid
    if session.revoked:
        revoke_sessions(conn, session.user_id)
        conn.commit()
        raise invalid
    user = get_user(conn, session.user_id)
    if not user.is_active:
        raise invalid
    tokens = issue_tokens(conn, settings, user, session.second_factor, client)
    replacement = sessions.find_session(conn, tokens.refresh_token)
    sessions.revoke_session(conn, session.id, replacement.id if replacement else None)
    return tokens


def sign_out(conn: psycopg.Connection, token: str) -> None:
    """Revoke one refresh token; an unknown one is already as good as signed out."""
    session = sessions.find_session(conn, token)
    if session is not None:
        sessions.revoke_session(conn, session.id, None)
