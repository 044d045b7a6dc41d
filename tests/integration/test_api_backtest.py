"""`/api/backtest` through the real app over a real PostgreSQL: a run started in the process
pool, stored, listed, shown and reported exactly as `algo backtest show --json` shows it; bad
requests refused with nothing stored; the API process never loads the plotting library."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import add_user, bearer, empty_tables, login, make_client
from click.testing import CliRunner
from fastapi.testclient import TestClient

from algotrading.cli.main import cli
from algotrading.settings import get_settings

JUNE = 1_748_736_000_000  # 2025-06-01T00:00:00Z: too early for trend's 1d warm-up
JULY = 1_751_328_000_000  # 2025-07-01T00:00:00Z
OCTOBER = 1_759_276_800_000  # 2025-10-01T00:00:00Z
TREND = {"strategy": "trend", "symbols": ["BTCUSDT"], "start": JULY, "end": OCTOBER}


@pytest.fixture
def reports(api_db_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """A client whose reports go to a temporary folder."""
    empty_tables(api_db_url)
    with make_client(api_db_url, reports_dir=tmp_path) as test_client:
        yield test_client
    test_client.app.state.database.close()  # type: ignore[attr-defined]


def _headers(client: TestClient, url: str) -> dict[str, str]:
    add_user(url, "ann@x.io")
    return bearer(login(client, "ann@x.io")["access_token"])


def _wait(client: TestClient, run_id: str, headers: dict[str, str]) -> dict[str, Any]:
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        body: dict[str, Any] = client.get(f"/api/backtest/{run_id}", headers=headers).json()
        if body["status"] != "running":
            return body
        time.sleep(0.5)
    raise AssertionError(f"{run_id} still running")


def _cli_show(url: str, run_id: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, ["backtest", "show", run_id, "--json"])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_a_run_is_started_stored_and_shown_as_the_cli_shows_it(
    reports: TestClient, api_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _headers(reports, api_db_url)
    started = reports.post("/api/backtest", json=TREND, headers=headers)
    assert started.status_code == 202, started.text
    run_id = started.json()["run_id"]
    listed = reports.get("/api/backtest", headers=headers).json()
    assert listed["total"] == 1 and listed["items"][0]["run_id"] == run_id
    assert listed["items"][0]["kind"] == "strategy"
    done = _wait(reports, run_id, headers)
    assert done["status"] == "done", done.get("error")
    shown = _cli_show(api_db_url, run_id, monkeypatch)
    assert done["metrics"] == shown["metrics"] and done["symbols"] == ["BTCUSDT"]
    assert done["start"] == shown["start"] and done["final_equity"] == shown["final_equity"]
    assert done["trades"]["total"] == len(shown["trades"]) > 0
    assert done["trades"]["items"] == shown["trades"][:100]
    net = sum(t["pnl"] for t in shown["trades"] if t["pnl"] is not None)
    assert done["final_equity"] == pytest.approx(10_000 + net, abs=0.01)
    page = reports.get(f"/api/backtest/{run_id}?trade_limit=1&trade_offset=1", headers=headers)
    assert page.json()["trades"]["items"] == shown["trades"][1:2]
    report = reports.get(f"/api/backtest/{run_id}/report", headers=headers)
    assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
    assert done["report_available"] is True and "<html" in report.text.lower()
    summary = reports.get("/api/backtest", headers=headers).json()["items"][0]
    assert summary["status"] == "done" and summary["trades"] == len(shown["trades"])


def test_a_run_the_engine_refuses_ends_failed_with_its_message(
    reports: TestClient, api_db_url: str
) -> None:
    headers = _headers(reports, api_db_url)
    started = reports.post("/api/backtest", json={**TREND, "start": JUNE}, headers=headers)
    assert started.status_code == 202, started.text
    failed = _wait(reports, started.json()["run_id"], headers)
    assert failed["status"] == "failed" and "warm-up" in failed["error"]
    assert failed["report_available"] is False and failed["trades"]["total"] == 0
    report = reports.get(f"/api/backtest/{failed['run_id']}/report", headers=headers)
    assert report.status_code == 404


@pytest.mark.parametrize(
    "body, field",
    [
        ({**TREND, "strategy": "nope"}, "strategy"),
        ({**TREND, "start": OCTOBER, "end": JULY}, "start"),
        ({**TREND, "start": 1_893_456_000_000, "end": 1_893_542_400_000}, "start"),
        ({**TREND, "start": 0, "end": 86_400_000}, "end"),
        ({**TREND, "symbols": ["DOGEUSDT"]}, "symbols"),
        ({**TREND, "params": {"no_such_param": 1}}, "params"),
        ({"kind": "portfolio", "strategy": "trend"}, "strategy"),
        ({"strategy": None}, "strategy"),
    ],
)
def test_bad_requests_name_the_field_and_store_nothing(
    client: TestClient, api_db_url: str, body: dict[str, Any], field: str
) -> None:
    headers = _headers(client, api_db_url)
    answer = client.post("/api/backtest", json=body, headers=headers)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == field
    assert client.get("/api/backtest", headers=headers).json()["total"] == 0


def test_malformed_requests_are_422(client: TestClient, api_db_url: str) -> None:
    headers = _headers(client, api_db_url)
    for body in ({**TREND, "typo": 1}, {**TREND, "capital": 0}, {**TREND, "start": -1},
                 {**TREND, "kind": "sweep"}, {**TREND, "symbols": []},
                 {**TREND, "symbols": ["BTC/USDT"]}):  # fmt: skip
        answer = client.post("/api/backtest", json=body, headers=headers)
        assert answer.status_code == 422, body
    assert client.get("/api/backtest", headers=headers).json()["total"] == 0
    assert client.post("/api/backtest", json=TREND).status_code == 401


def test_unknown_runs_and_reports(client: TestClient, api_db_url: str) -> None:
    headers = _headers(client, api_db_url)
    missing = "bt-20990101T000000Z-abcdef"
    answer = client.get(f"/api/backtest/{missing}", headers=headers)
    assert answer.status_code == 404 and missing in answer.json()["error"]["message"]
    assert client.get(f"/api/backtest/{missing}/report", headers=headers).status_code == 404
    bad = client.get("/api/backtest/../../etc/passwd", headers=headers)
    assert bad.status_code in (404, 422)
    assert client.get("/api/backtest/bt-x", headers=headers).status_code == 422


def test_in_aws_a_run_answers_501(
    client: TestClient, api_db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = _headers(client, api_db_url)
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "api")
    answer = client.post("/api/backtest", json=TREND, headers=headers)
    assert answer.status_code == 501 and "Step Functions" in answer.json()["error"]["message"]
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME")
    assert client.get("/api/backtest", headers=headers).json()["total"] == 0


def test_the_api_process_does_not_load_plotly() -> None:
    code = "import sys, algotrading.api.app; print('plotly' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"
