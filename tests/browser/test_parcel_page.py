"""The parcel page in a real browser: Debian's Chromium, headless, driven by Playwright against the live app. A
supervisor logs in through the admin's login form, opens a parcel that went from acceptance to delivery, and sees
the controls, the chain with who and what handled each link, and the integrity verdict — and no personal data in
clear. The screenshot is kept as a CI artifact (``artifacts/parcel-page.png``).

Chromium comes from Debian (``.ci/install-browser``), not from ``playwright install`` (the ``browser`` fixture,
``conftest.py``)."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import PASSWORD
from tests.helpers import PLAINTEXTS
from tests.journeys import COURIER, PLATE, run_journey

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
GREEN_VERDICT = "rgb(231, 246, 236)"  # .gs-verdict.gs-ok


@pytest.fixture
def journey(world, client_for, transactional_db):
    """Made through the API and committed, so the live server's thread sees it; made before the browser starts,
    because Playwright's sync API runs an event loop in this thread, where Django refuses database access."""
    return run_journey(world, client_for, waybill_no="ZTO0000000001", late=None)


def test_supervisor_reads_a_parcel_page_in_chromium(journey, live_server, browser):
    from playwright.sync_api import expect

    parcel_path = f"/admin/parcels/parcel/{journey.parcel.pk}/change/"
    links = journey.parcel.chain_length

    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next={parcel_path}")
    page.fill("#id_username", "zto_supervisor")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{parcel_path}")

    expect(page.locator("h1")).to_contain_text(f"Parcel {journey.waybill_no}")
    expect(page.locator("#parcel-status")).to_contain_text("DELIVERED")
    controls = page.locator("#controls")
    for label in ("PASSED", "VERIFIED", "CLEAR"):
        expect(controls.get_by_text(label, exact=True)).to_be_visible()

    loaded = page.locator('tr.gs-event[data-type="LOADED"]')
    expect(loaded).to_be_visible()
    for text in ("Loaded onto vehicle", "SH-HUB-01", PLATE, "SCN-ZTO-1"):
        expect(loaded).to_contain_text(text)
    handover = page.locator('tr.gs-event[data-type="HANDOVER"]')
    expect(handover).to_contain_text("SH-ST-01")
    expect(handover.get_by_role("link", name=COURIER)).to_be_visible()
    expect(page.locator("tr.gs-event")).to_have_count(links)

    verdict = page.locator("#integrity")
    expect(verdict).to_be_visible()
    expect(verdict).to_contain_text(f"Chain intact — {links} links")
    assert verdict.evaluate("element => getComputedStyle(element).backgroundColor") == GREEN_VERDICT

    expect(page.locator("#sender")).to_contain_text("张*")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "parcel-page.png"), full_page=True)
    shown = page.locator("body").inner_text()
    source = page.content()
    for value in PLAINTEXTS:
        assert value not in shown and value not in source, f"plaintext personal data {value!r} on the page"

    # the courier's reverse trace is one click away and lists the parcel
    handover.get_by_role("link", name=COURIER).click()
    page.wait_for_url(f"**/admin/parcels/parcel/courier/{COURIER}/")
    expect(page.locator("#activity")).to_contain_text(journey.waybill_no)
