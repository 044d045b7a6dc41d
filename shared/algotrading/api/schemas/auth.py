"""Sign-in requests and the tokens they return."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from algotrading.api.schemas.common import Strict
from algotrading.api.schemas.users import Email, Password, UserOut

TotpCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}$")]
RefreshToken = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class LoginRequest(Strict):
    email: Email
    password: Password
    totp_code: TotpCode | None = Field(
        default=None, description="The 6-digit code, for users with a second factor"
    )


class RefreshRequest(Strict):
    refresh_token: RefreshToken


class Tokens(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds the access token stays valid")
    refresh_token: str = Field(description="Exchange it at /api/auth/refresh; one use only")
    refresh_expires_in: int
    second_factor: bool = Field(description="The sign-in passed a TOTP code")
    user: UserOut


class PasswordChange(Strict):
    current_password: Password
    new_password: Password = Field(description="At least 10 characters")


class TotpSetup(BaseModel):
    secret: str = Field(description="Base32 secret for an authenticator app")
    otpauth_uri: str = Field(description="The same as an otpauth:// URI (for a QR code)")


class TotpConfirm(Strict):
    code: TotpCode


class TotpDisable(Strict):
    password: Password
    code: TotpCode
