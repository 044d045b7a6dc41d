"""The dashboard in a real browser: the app served by uvicorn on a free loopback port (in a
thread, over the module's migrated PostgreSQL), and Debian's Chromium driven by Playwright.

Chromium is not downloaded by Playwright (`playwright install` is never run): the tests use the
system's Chromium (`ALGO_TEST_CHROMIUM`, else `/usr/bin/chromium`, else `chromium` or
`chromium-browser` on PATH). Under CI=true a missing Chromium is installed first with apt
(`apt-get install -y chromium`, as NOTES on these machines measured), and if it still cannot run
the tests fail; elsewhere (a developer's machine, where installing system packages is not the
test's business) they are skipped with the reason (docs/dashboard.md, "Tests").
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from api_support import JWT_SECRET

from algotrading.api.app import create_app
from algotrading.api.config import load_api_settings
from algotrading.settings import load_settings


def _chromium() -> Path | None:
    named = os.environ.get("ALGO_TEST_CHROMIUM")
    candidates = [named] if named else ["/usr/bin/chromium"]
    candidates += [shutil.which(n) for n in ("chromium", "chromium-browser")]
    return next((Path(c) for c in candidates if c and Path(c).exists()), None)


CHROMIUM = _chromium() or Path("/usr/bin/chromium")


def _install_chromium() -> None:
    """CI only: `apt-get install -y chromium` (root, or sudo without a password)."""
    global CHROMIUM
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        subprocess.run([*sudo, *command], env=env, capture_output=True, timeout=900, check=False)
    CHROMIUM = _chromium() or CHROMIUM


def require_browser() -> tuple[Any, Path]:
    """The playwright sync API and the Chromium to launch. Under CI=true a failure saying what
    is missing (after trying to install Chromium), elsewhere a skip."""
    reason = None
    in_ci = os.environ.get("CI") == "true"
    if not CHROMIUM.exists() and in_ci:
        _install_chromium()
    if not CHROMIUM.exists():
        reason = f"no Chromium found ({CHROMIUM}; Debian: apt-get install -y chromium)"
    try:
        from playwright import sync_api
    except ImportError:
        reason = reason or "the playwright package is not installed (pip install -e .[dev])"
    if reason is None:
        return sync_api, CHROMIUM
    if in_ci:
        pytest.fail(f"browser tests cannot run: {reason}")
    pytest.skip(f"browser tests skipped: {reason}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServedApp:
    """uvicorn serving the real app in a thread; `restart` drops every open connection (the
    live WebSockets too) and serves again on the same port, as a redeployed API would."""

    def __init__(self, db_url: str, port: int) -> None:
        self.db_url, self.port = db_url, port
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None
        self.app: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        settings = load_settings(database_url=self.db_url, db_pool_min=0, db_pool_max=4)
        self.app = create_app(settings, load_api_settings(jwt_secret=JWT_SECRET))
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning",
            timeout_graceful_shutdown=2, ws_ping_interval=None,
        )  # fmt: skip
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="dashboard-app", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is None or self.thread is None:
            return
        self.server.should_exit = True
        self.thread.join(timeout=10)
        state = self.app.state
        if state.live_hub is not None:
            state.live_hub.close()
        state.database.close()
        self.server = self.thread = None

    def restart(self) -> None:
        self.stop()
        self.start()


def served(db_url: str) -> Iterator[ServedApp]:
    app = ServedApp(db_url, free_port())
    app.start()
    try:
        yield app
    finally:
        app.stop()


def ignorable(message: str) -> bool:
    """Console errors that are not the page's: the browser logs every non-2xx fetch (a route
    this server does not provide answers 404, shown as "Not available" by design)."""
    return message.startswith("Failed to load resource")
