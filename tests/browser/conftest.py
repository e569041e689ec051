"""Fixtures of the browser tests: Debian's Chromium (``.ci/install-browser``), headless, driven by Playwright —
no ``playwright install``, no browser download — and the admin's login form."""
from __future__ import annotations

import os

import pytest

from tests.factories import PASSWORD
from tests.services import services_required

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    if not os.path.exists(CHROMIUM):
        if services_required():
            pytest.fail(f"GREENSHIELD_REQUIRE_SERVICES=1 but {CHROMIUM} is missing: run .ci/install-browser")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} (.ci/install-browser)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def admin_page(browser, live_server, username: str, path: str = "/admin/"):
    """A new page logged in to the admin as ``username`` (through the login form), opened at ``path``."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{path}")
    return page
