"""The handlers' tracer: powertools `Tracer` when the X-Ray SDK is installed, else a stand-in.

powertools' Tracer imports `aws_xray_sdk` as soon as it is built, even disabled, and that SDK is
an optional extra (`aws-lambda-powertools[tracer]`) that this environment does not install. The
Lambda layer ships it; on one machine and in the tests the stand-in keeps the decorator and does
nothing, so a handler module imports the same way everywhere.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class HandlerTracer(Protocol):
    def capture_lambda_handler(self, lambda_handler: F) -> F: ...


class NoTracer:
    """Keeps a handler as it is (no X-Ray SDK to send segments to)."""

    def capture_lambda_handler(self, lambda_handler: F) -> F:
        return lambda_handler


def tracer_for(service: str) -> HandlerTracer:
    if importlib.util.find_spec("aws_xray_sdk") is None:
        return NoTracer()
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)  # type: ignore[return-value]
