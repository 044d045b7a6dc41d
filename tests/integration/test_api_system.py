"""`/api/health` and `/api/system` through the real app over a real PostgreSQL: job runs (admins),
alerts and the audit (admins all, users their own accounts), and their bad inputs."""

from __future__ import annotations

from typing import Any

import psycopg
from api_support import add_account, add_user, admin_session, bearer, login
from fastapi.testclient import TestClient

from algotrading.db.alerts import insert_alert
from algotrading.db.audit import OperatorAction, record_action
from algotrading.db.job_runs import finish_run, start_run
from algotrading.domain.alerts import AlertEvent

T0 = 1_759_276_800_000  # 2025-10-01T00:00:00Z


def _seed_runs(url: str) -> None:
    with psycopg.connect(url) as conn:
        start_run(conn, "funding_poll", T0)
        finish_run(conn, "funding_poll", T0, "done", {"symbols": 3})
        start_run(conn, "funding_poll", T0 + 300_000)
        finish_run(conn, "funding_poll", T0 + 300_000, "failed", {"error": "boom"})
        start_run(conn, "candle_close", T0)


def _two_users(client: TestClient, url: str) -> tuple[dict[str, Any], int, int]:
    ann = add_user(url, "ann@x.io")
    bob = add_user(url, "bob@x.io")
    return login(client, "ann@x.io"), add_account(url, ann), add_account(url, bob, "b")


def test_health_reports_database_exchange_and_stream(client: TestClient, api_db_url: str) -> None:
    empty = client.get("/api/health").json()
    assert empty["status"] == "ok" and empty["database"]["ok"] is True
    assert empty["exchange"]["ok"] is False and empty["stream"]["ok"] is None
    _seed_runs(api_db_url)
    seen = client.get("/api/health").json()["exchange"]
    assert seen["ok"] is True and "funding_poll" in seen["detail"] and seen["at"]


def test_job_runs_page_filter_and_detail(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    _seed_runs(api_db_url)
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    page = client.get("/api/system/job-runs", headers=admin).json()
    assert page["total"] == 3
    assert page["items"][0]["id"] == f"funding_poll@{T0 + 300_000}"
    only = client.get("/api/system/job-runs?job=funding_poll&limit=1&offset=1", headers=admin)
    assert only.json()["total"] == 2 and len(only.json()["items"]) == 1
    assert only.json()["items"][0]["result"] == {"symbols": 3}
    one = client.get(f"/api/system/job-runs/funding_poll@{T0}", headers=admin).json()
    assert one["scheduled_time"] == "2025-10-01T00:00:00Z" and one["status"] == "done"
    assert one["attempts"] == 1 and one["finished_at"] is not None
    running = client.get(f"/api/system/job-runs/candle_close@{T0}", headers=admin).json()
    assert running["status"] == "running" and running["result"] is None


def test_job_run_bad_ids_and_users_are_refused(
    client: TestClient, api_db_url: str, secrets_key: str
) -> None:
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    missing = client.get("/api/system/job-runs/funding_poll@5", headers=admin)
    assert missing.status_code == 404 and "funding_poll@5" in missing.json()["error"]["message"]
    far = client.get("/api/system/job-runs/funding_poll@999999999999999", headers=admin)
    assert far.status_code == 404
    bad = client.get("/api/system/job-runs/Funding-Poll", headers=admin)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "run_id"
    bad_job = client.get("/api/system/job-runs?job=DROP TABLE", headers=admin)
    assert bad_job.status_code == 422 and bad_job.json()["error"]["field"] == "job"
    add_user(api_db_url, "ann@x.io")
    user = bearer(login(client, "ann@x.io")["access_token"])
    assert client.get("/api/system/job-runs", headers=user).status_code == 403
    assert client.get(f"/api/system/job-runs/funding_poll@{T0}", headers=user).status_code == 403
    assert client.get("/api/system/job-runs").status_code == 401


def test_alerts_admin_all_user_own(client: TestClient, api_db_url: str, secrets_key: str) -> None:
    tokens, mine, theirs = _two_users(client, api_db_url)
    with psycopg.connect(api_db_url) as conn:
        for account, text in ((mine, "mine"), (theirs, "theirs"), (None, "system")):
            insert_alert(conn, AlertEvent.create("job_failed", text, account_id=account))
    user = client.get("/api/system/alerts", headers=bearer(tokens["access_token"])).json()
    assert user["total"] == 1 and user["items"][0]["message"] == "mine"
    assert user["items"][0]["level"] == "critical" and user["items"][0]["account_id"] == mine
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    every = client.get("/api/system/alerts", headers=admin).json()
    assert every["total"] == 3 and [a["message"] for a in every["items"]] == [
        "system", "theirs", "mine",
    ]  # fmt: skip
    assert client.get("/api/system/alerts?limit=0", headers=admin).status_code == 422
    assert client.get("/api/system/alerts?offset=-1", headers=admin).status_code == 422


def test_audit_admin_all_user_own(client: TestClient, api_db_url: str, secrets_key: str) -> None:
    tokens, mine, theirs = _two_users(client, api_db_url)
    with psycopg.connect(api_db_url) as conn:
        for account in (mine, theirs):
            record_action(
                conn, account, OperatorAction.RESUME, "portfolio", actor="ops", reason="checked"
            )
    user = client.get("/api/system/audit", headers=bearer(tokens["access_token"])).json()
    assert user["total"] == 1 and user["items"][0]["account_id"] == mine
    assert user["items"][0]["action"] == "resume" and user["items"][0]["reason"] == "checked"
    admin = bearer(admin_session(client, api_db_url)["access_token"])
    every = client.get("/api/system/audit?limit=500", headers=admin).json()
    assert every["total"] == 2 and [a["account_id"] for a in every["items"]] == [theirs, mine]
    assert client.get("/api/system/audit?limit=501", headers=admin).status_code == 422
