"""Helpers for the scheduled-job tests: load a handler by path, a Lambda context, payloads."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from algotrading.domain.timefmt import ms_to_iso

FUNCTIONS = Path(__file__).resolve().parent.parent / "functions"
HANDLERS = (
    "candle_close", "equity_snapshot", "weekly_rebalance", "funding_poll", "account_worker",
    "market_history",
)  # fmt: skip
ALL_HANDLERS = tuple(sorted(p.parent.name for p in FUNCTIONS.glob("*/handler.py")))
"""Every Lambda handler in the tree, found by its file, so a new function is covered too."""


@dataclass(frozen=True)
class LambdaContext:
    """The attributes powertools' Logger reads from the real context object."""

    function_name: str = "test-function"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:test-function"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"


def load_handler(job: str) -> ModuleType:
    """`functions/<job>/handler.py` as a module of its own (the folders share the file name)."""
    spec = importlib.util.spec_from_file_location(f"handler_{job}", FUNCTIONS / job / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def payload(job: str, time_ms: int) -> dict[str, Any]:
    """What EventBridge Scheduler delivers: the time as `<aws.scheduler.scheduled-time>`."""
    return {"job": job, "scheduled_time": ms_to_iso(time_ms)}
