"""`algo up` with the API and the dashboard in its process (issue 16 item 5, issue 18 item 4),
and the demo sign-in `make demo` prints."""

from __future__ import annotations

import socket
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from execution_support import remove_test_accounts, rows, use_secrets_key

from algotrading.cli.main import main
from algotrading.local.demo_login import DEMO_EMAIL, ensure_demo_login

START = "2025-10-03T04:00:00Z"


@pytest.fixture(autouse=True)
def _clean(
    worker_db_url: str, use_database: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    use_secrets_key(monkeypatch)
    monkeypatch.setenv("ALGO_HISTORY_DIR", str(tmp_path / "history"))
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")
    yield
    remove_test_accounts(worker_db_url)
    rows(worker_db_url, "DELETE FROM job_runs RETURNING job")


def _free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


def _poll(base: str, seen: dict[str, object], done: threading.Event) -> None:
    """Record the first health answer and the index page while the stack runs."""
    while not done.is_set() and "health" not in seen:
        try:
            seen["health"] = httpx.get(f"{base}/api/health", timeout=2).status_code
            seen["index"] = httpx.get(f"{base}/", timeout=2).text
        except httpx.TransportError:
            time.sleep(0.1)


def test_up_serves_the_api_and_the_dashboard_and_stops_at_until(
    capsys: pytest.CaptureFixture,
) -> None:
    port = _free_port()
    seen: dict[str, object] = {}
    done = threading.Event()
    poller = threading.Thread(target=_poll, args=(f"http://127.0.0.1:{port}", seen, done))
    poller.start()
    try:
        # 30 replayed minutes at 300 s per second: 6 five-minute steps of 1 s each.
        code = main(["up", "--replay-start", START, "--for", "30m", "--speed", "300",
                     "--port", str(port)])  # fmt: skip
    finally:
        done.set()
        poller.join()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert seen["health"] == 200
    assert '<html lang="en">' in str(seen["index"])
    lines = out.splitlines()
    assert lines[0] == f"dashboard and API on http://127.0.0.1:{port} (OpenAPI at " \
        f"http://127.0.0.1:{port}/docs)"  # fmt: skip
    # 04:00 (candle, rebalance, snapshot, funding, history: 5), 04:15 (the same but the hourly
    # history: 4) and 04:05, 04:10, 04:20, 04:25 (snapshot, funding: 2 each): 17 runs.
    assert lines[-1] == "done: 17 job run(s), 0 with a failure"
    with pytest.raises(httpx.TransportError):  # the server stopped with the stack
        httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2)
    socket.create_server(("127.0.0.1", port)).close()  # and gave the port back


def test_a_port_in_use_is_one_line_exit_2_nothing_started(
    capsys: pytest.CaptureFixture, worker_db_url: str
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        code = main(["up", "--replay-start", START, "--for", "15m", "--port", str(port)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and f"cannot listen on 127.0.0.1:{port}" in err
    assert rows(worker_db_url, "SELECT count(*) FROM job_runs") == [(0,)]


def test_the_demo_login_is_created_once_and_reused(worker_db_url: str, tmp_path: Path) -> None:
    import psycopg

    path = tmp_path / "demo-credentials"
    rows(worker_db_url, "DELETE FROM users WHERE email = %s RETURNING id", DEMO_EMAIL)
    with psycopg.connect(worker_db_url) as conn:
        first = ensure_demo_login(conn, path)
        second = ensure_demo_login(conn, path)
        conn.commit()
    assert first.created and not second.created
    assert (second.user_id, second.password) == (first.user_id, first.password)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text() == f"email=demo@localhost\npassword={first.password}\n"
    users = rows(worker_db_url, "SELECT role FROM users WHERE email = %s", DEMO_EMAIL)
    assert users == [("admin",)]
    rows(worker_db_url, "DELETE FROM users WHERE email = %s RETURNING id", DEMO_EMAIL)
