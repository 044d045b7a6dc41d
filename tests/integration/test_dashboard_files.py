"""The API serves the dashboard's files where no API route matches, and never under /api."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import close_app, make_client
from fastapi.testclient import TestClient


@pytest.fixture
def packaged(api_db_url: str) -> Iterator[TestClient]:
    with make_client(api_db_url) as client:
        yield client
    close_app(client)


def test_the_page_and_its_files_are_served(packaged: TestClient) -> None:
    page = packaged.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="js/main.js">' in page.text
    chart = packaged.get("/vendor/lightweight-charts.standalone.production.js")
    assert chart.status_code == 200 and "Lightweight Charts™ v5.2.1" in chart.text[:300]
    assert packaged.get("/js/core/api.js").status_code == 200
    assert packaged.get("/no-such-file.js").status_code == 404


def test_api_paths_keep_the_api_answers(packaged: TestClient) -> None:
    missing = packaged.get("/api/index.html")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert packaged.put("/api/health").status_code == 405
    assert packaged.get("/api/health").json()["status"] in ("ok", "degraded")


def test_another_folder_can_be_served(api_db_url: str, tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<p>edited copy</p>")
    with make_client(api_db_url, static_dir=tmp_path) as client:
        assert client.get("/").text == "<p>edited copy</p>"
    close_app(client)
