"""The dashboard in headless Chromium over the real API and PostgreSQL: sign in (a user; an
admin with a TOTP code), every tab renders without a JavaScript error, and a live event
published into `live_events` reaches the Portfolio page without a reload, also after the
server dropped the socket (the page reconnects and catches up by id)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from api_support import PASSWORD, add_account, add_user, empty_tables, rfc6238_code
from browser_support import ServedApp, ignorable, require_browser, served

from algotrading.db.live_events import publish
from algotrading.domain.live_events import LiveEvent, LiveEventType

TABS = ("portfolio", "strategies", "chart", "backtest", "accounts", "system")
WIDE, PHONE = {"width": 1400, "height": 1000}, {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api, executable = require_browser()
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(executable), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture
def server(api_db_url: str, secrets_key: str) -> Iterator[ServedApp]:
    empty_tables(api_db_url)
    yield from served(api_db_url)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Path:
    """The test output folder for screenshots (kept for a person to look at)."""
    root = Path(request.config.rootpath) / ".local" / "test-output" / "dashboard"
    root.mkdir(parents=True, exist_ok=True)
    return root


class Page:
    """A browser page that records JavaScript errors."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int]) -> None:
        self.context = browser.new_context(viewport=viewport, base_url=base)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        if message.type == "error" and not ignorable(message.text):
            self.errors.append(f"console: {message.text}")

    def sign_in(self, email: str, code_for: Any = None) -> None:
        page = self.page
        page.goto("/")
        page.fill("#f-email", email)
        page.fill("#f-password", PASSWORD)
        page.click("#login-form button[type=submit]")
        if code_for is not None:
            page.wait_for_selector("#f-totp_code", state="visible")
            page.fill("#f-totp_code", code_for())
            page.click("#login-form button[type=submit]")
        page.wait_for_selector("#user-role")

    def choose_account(self, account_id: int) -> None:
        """The selector when the server lists accounts; else the id field it falls back to."""
        field = self.page.locator("#account")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(str(account_id))
        else:
            field.fill(str(account_id))
            field.dispatch_event("change")

    def settled(self) -> None:
        """Every panel has left its loading state (content, empty reason, or not available)."""
        self.page.wait_for_function(
            "() => document.querySelector('.page') &&"
            " ![...document.querySelectorAll('.panel-body')].some(b => b.textContent.trim()"
            " === 'Loading…')",
            timeout=15000,
        )

    def close(self) -> None:
        self.context.close()


def _publish(url: str, account: int, equity: str) -> None:
    with psycopg.connect(url) as conn:
        publish(conn, LiveEvent(LiveEventType.EQUITY_UPDATE, account, 1_759_300_000_000,
                                {"equity": equity}))  # fmt: skip


def test_a_user_signs_in_and_every_tab_renders(
    browser: Any, server: ServedApp, api_db_url: str, shots: Path
) -> None:
    ann = add_user(api_db_url, "ann@x.io")
    account = add_account(api_db_url, ann)
    for viewport, label in ((WIDE, "wide"), (PHONE, "phone")):
        view = Page(browser, server.url, viewport)
        view.sign_in("ann@x.io")
        view.choose_account(account)
        assert view.page.text_content("#user-role") == "user"
        assert view.page.locator("nav [data-tab=users]").count() == 0  # admins only
        for tab in TABS:
            view.page.goto(f"/#/{tab}")
            view.page.wait_for_selector(f".page[data-page={tab}]")
            view.settled()
            assert view.page.locator(".panel").count() >= 1, tab
            view.page.screenshot(path=str(shots / f"{tab}-{label}.png"), full_page=True)
        assert view.errors == [], view.errors
        view.close()


def test_an_admin_signs_in_with_a_code_and_manages_users(
    browser: Any, server: ServedApp, api_db_url: str, shots: Path
) -> None:
    add_user(api_db_url, "root@x.io", role="admin")
    add_user(api_db_url, "ann@x.io")
    with httpx.Client(base_url=server.url) as http:
        first = http.post("/api/auth/login", json={"email": "root@x.io", "password": PASSWORD})
        auth = {"Authorization": f"Bearer {first.json()['access_token']}"}
        secret = http.post("/api/auth/totp/setup", headers=auth).json()["secret"]
        confirmed = http.post(
            "/api/auth/totp/confirm", json={"code": rfc6238_code(secret)}, headers=auth
        )
        assert confirmed.status_code == 200, confirmed.text
    view = Page(browser, server.url, WIDE)
    view.sign_in("root@x.io", code_for=lambda: rfc6238_code(secret))
    assert view.page.text_content("#user-role") == "admin"
    view.page.goto("/#/users")
    view.settled()
    emails = view.page.locator("#users td[data-col=email]").all_text_contents()
    assert sorted(emails) == ["ann@x.io", "root@x.io"]
    view.page.screenshot(path=str(shots / "users-admin.png"), full_page=True)
    view.page.click("#sign-out")
    view.page.wait_for_selector("#login-form")
    assert view.page.evaluate("localStorage.getItem('algo.session')") is None
    assert view.errors == [], view.errors
    view.close()


def test_a_refused_sign_in_shows_the_apis_message(
    browser: Any, server: ServedApp, api_db_url: str
) -> None:
    add_user(api_db_url, "ann@x.io")
    wrong = {"email": "ann@x.io", "password": "not the password"}
    refused = httpx.post(f"{server.url}/api/auth/login", json=wrong)
    assert refused.status_code == 401
    view = Page(browser, server.url, WIDE)
    view.page.goto("/")
    view.page.fill("#f-email", "ann@x.io")
    view.page.fill("#f-password", "not the password")
    view.page.click("#login-form button[type=submit]")
    view.page.wait_for_selector(".form-error:not(:empty)")
    assert view.page.text_content(".form-error") == refused.json()["error"]["message"]
    assert view.page.locator("#user-role").count() == 0
    view.close()


def test_live_equity_arrives_and_survives_a_dropped_socket(
    browser: Any, server: ServedApp, api_db_url: str, shots: Path
) -> None:
    ann = add_user(api_db_url, "ann@x.io")
    account = add_account(api_db_url, ann)
    view = Page(browser, server.url, WIDE)
    view.sign_in("ann@x.io")
    view.choose_account(account)
    page = view.page
    page.wait_for_selector("#live-state[data-state=live]")
    page.evaluate("window.__marker = 'same page'")  # gone if the page reloads

    _publish(api_db_url, account, "1234.5")
    page.wait_for_selector("#card-equity .card-value:text-is('1,234.50')")

    server.stop()  # the socket drops with the server
    page.wait_for_selector("#live-state[data-state=offline]", timeout=10000)
    _publish(api_db_url, account, "1300")  # missed while offline: caught up by after_id
    server.start()
    page.wait_for_selector("#live-state[data-state=live]", timeout=20000)
    page.wait_for_selector("#card-equity .card-value:text-is('1,300.00')", timeout=10000)

    _publish(api_db_url, account, "1310.25")
    page.wait_for_selector("#card-equity .card-value:text-is('1,310.25')", timeout=10000)
    feed = page.locator("#event-feed li").all_text_contents()
    assert [line.split("equity ")[-1] for line in feed] == ["1,310.25", "1,300.00", "1,234.50"]
    assert page.evaluate("window.__marker") == "same page"
    page.screenshot(path=str(shots / "portfolio-live.png"), full_page=True)
    assert view.errors == [], view.errors
    view.close()
