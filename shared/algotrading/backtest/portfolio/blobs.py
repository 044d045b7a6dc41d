"""The blob-store port: where work units put the arrays that must not travel in their messages.

A unit's result message stays small (Step Functions passes at most 256 KiB of state between
tasks), so every array (candles for marking, candidate trades, exit legs, funding flows) is put
into a blob store and the message carries its key. Keys are content hashes: the same array
always gets the same key, whichever process or machine computed it, so results are identical
however the run was distributed. Locally the store is a directory; in AWS an S3 prefix
implements the same two calls.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Protocol

import numpy as np


class BlobStore(Protocol):
    """Put and get numpy arrays by content key."""

    def put(self, array: np.ndarray) -> str:
        """Store `array`; returns its key (the same array always gets the same key)."""
        ...

    def get(self, key: str) -> np.ndarray:
        """The array stored under `key`."""
        ...


def encode(array: np.ndarray) -> bytes:
    """The array as `.npy` bytes (dtype and shape included, no pickling)."""
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def decode(data: bytes) -> np.ndarray:
    array: np.ndarray = np.load(io.BytesIO(data), allow_pickle=False)
    return array


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


class LocalBlobStore:
    """A directory of `<key>.npy` files; writes go through a temporary name and a rename, so a
    reader in another process never sees half a file.

    Forked workers often put the same array at once. Each write gets its own temporary file
    (`mkstemp`: unique across processes and calls), and `os.replace` publishes it atomically;
    writers of one key write the same bytes, so whichever rename comes last leaves the same
    blob. (A name shared between writers, such as `id(data)`, which forked processes repeat,
    lets one writer rename another's file away: FileNotFoundError.)"""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def put(self, array: np.ndarray) -> str:
        data = encode(array)
        key = content_key(data)
        path = self.root / f"{key}.npy"
        if not path.exists():
            self._publish(path, data)
        return key

    def _publish(self, path: Path, data: bytes) -> None:
        """Write `data` to a fresh temporary file beside `path`, then rename it over `path`."""
        fd, tmp = tempfile.mkstemp(prefix=f"{path.stem}.", suffix=".tmp", dir=self.root)
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the blob from other users
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get(self, key: str) -> np.ndarray:
        if not key.isalnum():
            raise ValueError(f"not a blob key: {key!r}")
        return decode((self.root / f"{key}.npy").read_bytes())
