"""Errors of the simulator's own configuration (not Bybit's answers: see envelope.BybitError)."""

from __future__ import annotations

from algotrading.errors import AppError


class SimConfigError(AppError):
    """A simulator flag or setting is invalid; the CLI prints it on one line and exits 2."""
