"""Checks a command makes before its work: a run that takes minutes must not fail at the end on
a report path in a missing folder or a database that is down (issue: commands that do not trap).
"""

from __future__ import annotations

import os
from pathlib import Path

from algotrading.db.connection import connection
from algotrading.errors import AppError


def check_outputs(**paths: Path | None) -> None:
    """Each output file (`option name=path`) can be written: its folder exists and is writable,
    and the path is not a folder. Nothing is created."""
    for option, path in paths.items():
        if path is None:
            continue
        flag = "--" + option.replace("_", "-")
        folder = path.parent
        if path.is_dir():
            raise AppError(f"{flag} {path}: is a folder, not a file")
        if not folder.is_dir():
            raise AppError(f"{flag} {path}: the folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise AppError(f"{flag} {path}: the folder {folder} is not writable")


def check_database() -> None:
    """The database is reachable and its schema current (the embedded one is migrated here),
    before a run whose result will be stored."""
    with connection():
        pass
