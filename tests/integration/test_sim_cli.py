"""`algo sim serve`: one line and exit 2 for bad flags; serves until SIGTERM, then exits 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from algotrading.cli.main import main

ALGO = Path(sys.executable).with_name("algo")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--faults", "rate_limit=2"], "must lie between 0 and 1"),
        (["--faults", "flood=0.1"], "unknown key 'flood'"),
        (["--faults", "ws_drop_every=soon"], "is not a duration"),
        (["--stepped", "--speed", "3"], "exclude each other"),
        (["--speed", "0"], "--speed must be greater than 0"),
        (["--api-key", "K"], "--api-secret"),
        (["--balance", "lots"], "--balance must be a number"),
        (["--start", "yesterday"], "--start"),
        (["--start", "2020-01-01"], "lies outside the data"),
        (["--symbol", "NOPEUSDT"], "no data for NOPEUSDT"),
        (["--data-dir", "/no/such/dir"], "data directory not found"),
        (["--name", "bad name!"], "--name"),
    ],
)
def test_bad_flags_print_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", "serve", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err


@pytest.mark.slow
def test_serves_until_sigterm(tmp_path: Path) -> None:
    process = subprocess.Popen(
        [str(ALGO), "sim", "serve", "--stepped", "--symbol", "BTCUSDT", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(7)]
        rest = next(line.split()[1] for line in lines if line.startswith("REST"))
        assert any(line.startswith("WS private") for line in lines)
        assert requests.get(f"{rest}/v5/market/time", timeout=5).json()["retCode"] == 0
        stepped = requests.post(f"{rest}/sim/step", json={"advance": 900_000}, timeout=5).json()
        assert stepped["now"] == "2025-10-24T00:15:00Z", "bundled data, 30 days in, +15 min"
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "simulator stopped" in out
