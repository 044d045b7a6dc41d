"""The local blob store under forked workers that put the same array at the same moment."""

from __future__ import annotations

import hashlib
import multiprocessing
from multiprocessing.synchronize import Barrier
from pathlib import Path

import numpy as np

from algotrading.backtest.portfolio.blobs import LocalBlobStore

WORKERS = 4
ROUNDS = 40


def _array() -> np.ndarray:
    """Half a megabyte, so that the writes overlap."""
    return np.arange(65_536, dtype=np.float64) * 0.5


def _put_in_every_round(root: Path, barrier: Barrier) -> None:
    """Every worker puts the same array into a fresh store per round, released together."""
    for r in range(ROUNDS):
        barrier.wait(timeout=20)  # a worker that died releases the rest
        LocalBlobStore(root / f"round-{r:02d}").put(_array())


def test_concurrent_puts_of_one_array_leave_one_correct_blob(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(WORKERS)
    workers = [context.Process(target=_put_in_every_round, args=(tmp_path, barrier))
               for _ in range(WORKERS)]  # fmt: skip
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert [w.exitcode for w in workers] == [0] * WORKERS  # no worker raised
    expected = _array()
    for r in range(ROUNDS):
        files = sorted((tmp_path / f"round-{r:02d}").iterdir())
        assert len(files) == 1 and files[0].suffix == ".npy"  # no temporary file is left
        data = files[0].read_bytes()
        assert files[0].stem == hashlib.sha256(data).hexdigest()[:32]
        np.testing.assert_array_equal(np.load(files[0]), expected)
        np.testing.assert_array_equal(LocalBlobStore(files[0].parent).get(files[0].stem), expected)
