"""Models every router shares: the error body, pages, and the strictness of request models."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

MAX_PAGE = 500


class Strict(BaseModel):
    """Base of every request body: an unknown field is an error, not silently dropped (a typo
    in `stop_loss` must not place a trade without one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


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
