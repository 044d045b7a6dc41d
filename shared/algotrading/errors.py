"""Errors a user can act on.

Every error that reaches a person (CLI line, API 4xx body) derives from `AppError`, so the edges
can tell "your input or environment is wrong" (one line, exit 2) from a bug (traceback in the log).
"""

from __future__ import annotations


class AppError(Exception):
    """A problem the caller can fix; its message is shown as is, on one line."""

    exit_code: int = 2

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class ConfigError(AppError):
    """A setting is missing or invalid; the message names the variable."""


class DatabaseUnavailable(AppError):
    """The database cannot be reached or started."""


class MigrationError(AppError):
    """A migration failed or the migration history disagrees with the files."""


class DataFileError(AppError):
    """A market-data file or directory is missing, malformed or inconsistent."""
