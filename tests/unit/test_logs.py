"""No secret reaches a log line, at the CLI or as Lambda JSON."""

from __future__ import annotations

import json
import logging

import pytest

from algotrading import logs


@pytest.fixture
def fresh_root() -> logging.Logger:
    root = logging.getLogger("algotrading")
    saved = root.handlers[:]
    root.handlers.clear()
    yield root
    root.handlers[:] = saved


def test_registered_secret_and_url_password_are_masked() -> None:
    logs.register_secret("s3cr3t-api-secret")
    text = logs.redact("key s3cr3t-api-secret at postgresql://bob:hunter22@db:5432/x")
    assert "s3cr3t" not in text and "hunter22" not in text
    assert "postgresql://bob:***@db:5432/x" in text


def test_cli_handler_masks_secrets(
    fresh_root: logging.Logger, capsys: pytest.CaptureFixture
) -> None:
    logs.configure_cli_logging("INFO")
    logs.register_secret("cli-secret-value")
    logs.get_logger("test").info("using %s", "cli-secret-value")
    err = capsys.readouterr().err
    assert "using ***" in err and "cli-secret-value" not in err


def test_lambda_logs_are_powertools_json(
    fresh_root: logging.Logger, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "candle_close")
    logs.register_secret("lambda-secret-value")
    logs.get_logger("test").warning("key=%s", "lambda-secret-value")
    record = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert record["message"] == "key=***"
    assert record["level"] == "WARNING" and record["service"] == "algotrading"
