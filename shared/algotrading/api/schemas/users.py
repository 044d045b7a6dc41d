"""Users as the API shows and takes them. No model carries a password hash or a TOTP secret."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from algotrading.api.schemas.common import Strict
from algotrading.db.users import Role, User

Email = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=3, max_length=320,
                           pattern=r"^[^@\s]+@[^@\s]+$"),
]  # fmt: skip
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class UserOut(BaseModel):
    id: int
    email: str
    display_name: str | None
    role: Role
    is_active: bool
    totp_enabled: bool = Field(description="Signs in with a TOTP second factor")
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id, email=user.email, display_name=user.display_name, role=user.role,
            is_active=user.is_active, totp_enabled=user.totp_enabled, created_at=user.created_at,
        )  # fmt: skip


class UserCreate(Strict):
    email: Email
    password: Password = Field(description="At least 10 characters")
    role: Role = Role.USER
    display_name: DisplayName | None = None


class UserUpdate(Strict):
    """Fields left out stay as they are."""

    display_name: DisplayName | None = None
    role: Role | None = None
    is_active: bool | None = None


class PasswordReset(Strict):
    new_password: Password = Field(description="At least 10 characters")
