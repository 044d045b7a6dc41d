"""The handlers' tracer: powertools `Tracer` (X-Ray), one per handler's service name.

The X-Ray SDK comes with the `tracer` extra of aws-lambda-powertools, a declared dependency.
Outside Lambda powertools disables tracing by itself, so the tests and one machine import and
call a handler exactly as Lambda does, with no segments sent.
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer


def tracer_for(service: str) -> Tracer:
    """The handler's tracer (`@tracer.capture_lambda_handler`)."""
    return Tracer(service=service)
