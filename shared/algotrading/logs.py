"""Logging: JSON through powertools inside Lambda, plain lines at the CLI, secrets masked in both.

Secrets are registered once (`register_secret`) when they are loaded; a filter replaces them in
every record, so a careless f-string cannot leak an API secret into CloudWatch or a terminal.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading

_SECRETS: set[str] = set()
_SECRETS_LOCK = threading.Lock()
_MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.-]*://[^:/@\s]+:)(?P<pw>[^@\s]+)(?=@)")


def register_secret(value: str | None) -> None:
    """Remember a secret so that no log line ever shows it (values shorter than 4 are ignored)."""
    if value and len(value) >= 4:
        with _SECRETS_LOCK:
            _SECRETS.add(value)


def redact(text: str) -> str:
    """Mask registered secrets and URL passwords in `text`."""
    text = _URL_PASSWORD.sub(lambda m: m.group("head") + _MASK, text)
    with _SECRETS_LOCK:
        secrets = sorted(_SECRETS, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, _MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets masked before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def in_lambda() -> bool:
    """True inside an AWS Lambda execution environment."""
    return "AWS_LAMBDA_FUNCTION_NAME" in os.environ


def configure_cli_logging(level: str = "INFO") -> None:
    """Human-readable logs on stderr for the command line."""
    root = logging.getLogger("algotrading")
    root.setLevel(level)
    if not any(getattr(h, "_algo", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        handler._algo = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.propagate = False


def get_logger(name: str) -> logging.Logger:
    """A logger under the `algotrading` tree; in Lambda its records go out as powertools JSON."""
    logger = logging.getLogger(name if name.startswith("algotrading") else f"algotrading.{name}")
    if in_lambda():
        _ensure_powertools_handler()
    return logger


def _ensure_powertools_handler() -> None:
    root = logging.getLogger("algotrading")
    if any(getattr(h, "_algo", False) for h in root.handlers):
        return
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    service = os.environ.get("POWERTOOLS_SERVICE_NAME", "algotrading")
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(LambdaPowertoolsFormatter(service=service))
    handler.addFilter(RedactingFilter())
    handler._algo = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(os.environ.get("ALGO_LOG_LEVEL", "INFO").upper())
    root.propagate = False
