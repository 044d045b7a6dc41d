"""Models every router shares: the error body, pages, and the strictness of request models."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, field_validator

T = TypeVar("T")

MAX_PAGE = 500


class Strict(BaseModel):
    """Base of every request body: an unknown field is an error, not silently dropped (a typo
    in `stop_loss` must not place a trade without one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        """PostgreSQL text cannot hold a NUL character: refuse it here, naming the field."""
        if _has_nul(value):
            raise ValueError("must not contain a NUL character")
        return value


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable reason, e.g. not_found")
    message: str = Field(description="What went wrong, naming the field or the reason")
    field: str | None = Field(default=None, description="The offending input, when one")


class ErrorBody(BaseModel):
    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    """One page of a list: `items`, and `total` items in the whole list."""

    items: list[T]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_PAGE)
    offset: int = Field(ge=0)


class Message(BaseModel):
    """A plain acknowledgement."""

    message: str
