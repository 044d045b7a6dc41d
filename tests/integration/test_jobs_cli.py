"""`algo jobs run JOB --time TIME` on the real PostgreSQL and the simulator (issue 16)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from execution_support import (
    ENTRY_CLOSE,
    remove_test_accounts,
    rows,
    scalper_account,
    sim_at,
    use_secrets_key,
)

from algotrading.cli.main import main


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


def run(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("args", "why"),
    [
        (("jobs", "run", "candle_close", "--time", "2025-10-24T15:07:00Z"), "not on its grid"),
        (("jobs", "run", "equity_snapshot", "--time", "2025-10-24T15:02:00Z"), "not on its grid"),
        (("jobs", "run", "candle_close", "--time", "yesterday-ish"), "--time"),
        (("jobs", "run", "market_history", "--time", "2025-10-24T15:00:00Z"), "market_history"),
    ],
)
def test_bad_input_is_one_line_exit_2_nothing_written(
    capsys: pytest.CaptureFixture, worker_db_url: str, args: tuple[str, ...], why: str
) -> None:
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and why in err
    assert rows(worker_db_url, "SELECT count(*) FROM job_runs") == [(0,)]


def test_a_job_run_by_hand_then_repeated(capsys: pytest.CaptureFixture, worker_db_url: str) -> None:
    with sim_at(ENTRY_CLOSE) as sim:
        account = scalper_account(worker_db_url, sim)
        code, out, _ = run(capsys, "jobs", "run", "candle_close", "--time", "2025-10-24T15:00:00Z")
        code2, out2, _ = run(capsys, "jobs", "run", "candle_close", "--time", str(ENTRY_CLOSE))
    first, second = json.loads(out), json.loads(out2)
    assert (code, code2) == (0, 0)
    assert first["scheduled_time"] == "2025-10-24T15:00:00Z" and first["replayed"] is False
    assert account in [a["account_id"] for a in first["accounts"]]
    assert second["replayed"] is True and second["accounts"] == first["accounts"]
    assert rows(worker_db_url, "SELECT status, attempts FROM job_runs") == [("done", 1)]
