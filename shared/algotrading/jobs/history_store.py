"""Where the market-history job keeps its files: a port and its local-folder adapter.

The store is a set of whole files keyed by their path in the data layout
(`klines/BTCUSDT_15m.csv.gz`, `funding/BTCUSDT.csv.gz`, `open_interest/BTCUSDT_1h.csv.gz`), so a
local store's folder is a data directory `DataSet` and `--data-dir` read as is. S3 is the other
adapter (`jobs.history_s3`). On one machine the folder defaults to `.local/market-data` under
the working directory (ALGO_HISTORY_DIR); it is never inside the installed package, whose
bundled data is read-only and replaced on every install.

A series is written under its lock (an exclusive `flock` on a file in `.locks/`), and each
write is a temporary file renamed over the old one, so a reader never sees half a file and two
writers (the schedule and `algo data fetch`, or two deliveries) never interleave.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Protocol

from algotrading.errors import ConfigError
from algotrading.settings import Settings

PACKAGE_DIR = Path(__file__).resolve().parent.parent
"""The installed `algotrading` package: the store must not be inside it."""


class HistoryStore(Protocol):
    """Whole files by key; `lock(key)` serialises the read-append-write of one series."""

    def read(self, key: str) -> bytes | None:
        """The file's bytes, None when there is no such file."""
        ...

    def write(self, key: str, data: bytes) -> None:
        """Replace the file with `data` in one step (a reader sees the old or the new file)."""
        ...

    def lock(self, key: str) -> AbstractContextManager[None]:
        """Held while one series is read, appended and written."""
        ...

    def describe(self) -> str:
        """Where the files are, for the job's summary."""
        ...


class LocalHistoryStore:
    """A data directory on disk."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root).resolve()
        if self.root == PACKAGE_DIR or PACKAGE_DIR in self.root.parents:
            raise ConfigError(
                f"ALGO_HISTORY_DIR {self.root} is inside the installed package; choose a folder "
                "outside it (default .local/market-data)"
            )

    def read(self, key: str) -> bytes | None:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError:
            return None

    def write(self, key: str, data: bytes) -> None:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise

    @contextmanager
    def lock(self, key: str) -> Iterator[None]:
        path = self.root / ".locks" / (key.replace("/", "__") + ".lock")
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def describe(self) -> str:
        return str(self.root)


def open_history_store(settings: Settings) -> HistoryStore:
    """S3 when ALGO_HISTORY_BUCKET is set, else the local folder ALGO_HISTORY_DIR. In Lambda
    there is no folder to keep (only a scratch /tmp), so a missing bucket is a configuration
    error rather than files that vanish with the container."""
    from algotrading.jobs.config import ConfigurationError, in_lambda

    if settings.history_bucket:
        from algotrading.jobs.history_s3 import S3HistoryStore

        return S3HistoryStore(settings.history_bucket, settings.history_prefix)
    if in_lambda():
        raise ConfigurationError("ALGO_HISTORY_BUCKET is not set; the market history needs it")
    return LocalHistoryStore(settings.history_dir)
