"""The supervision dashboard in a real browser (Debian's Chromium through Playwright): Shanghai's regulator signs
in, finds the dashboard on the admin index, and sees November 2026 — the five indicator tiles against the targets,
both trend charts drawn by the vendored Chart.js, the tables by province and company, the top risk sources with
their factors — and follows a risk source to the records behind it. No personal data in clear; the screenshot is
kept as a CI artifact (``artifacts/dashboard.png``)."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from apps.supervision import services
from greenshield.enums import InspectionResult, ScreeningResult
from tests.apps.supervision.month import BEIJING, NANJING, SUZHOU, accepted_on, at, delivered, exception, parcel
from tests.browser.axe import assert_accessible
from tests.factories import PASSWORD, ScreeningFactory
from tests.helpers import PLAINTEXTS, accept_as

pytestmark = pytest.mark.browser
NOVEMBER = datetime.date(2026, 11, 1)
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"


@pytest.fixture
def november(world, transactional_db):
    """A month at the ZTO Pudong outlet, committed so the live server sees it: deliveries on time and late, a
    damaged and a lost parcel, refusals; today a suspect X-ray (a risk factor of its sender and outlet)."""
    outlet = world.users["outlet_staff"]
    for n in range(12):
        day = NOVEMBER + datetime.timedelta(days=2 * n)
        parcel(world, at(day), NANJING, delivered(8 + n))
        parcel(world, at(day, 12), SUZHOU, delivered(20 + n % 3 * 5))
    parcel(world, at(NOVEMBER + datetime.timedelta(days=3)), BEIJING, [exception("DAMAGED"), ("DELIVERED", 50, {})])
    parcel(world, at(NOVEMBER + datetime.timedelta(days=5)), BEIJING, [exception("LOST")])
    for day in (4, 9, 16):
        accepted_on(outlet, at(NOVEMBER + datetime.timedelta(days=day)),
                    inspection={"result": InspectionResult.PROHIBITED_FOUND})
    sent = accept_as(outlet)
    ScreeningFactory(actor=world.users["screener"], waybill_no=sent.waybill_no, result=ScreeningResult.SUSPECT)
    for _ in range(2):
        accept_as(outlet, inspection={"result": InspectionResult.PROHIBITED_FOUND})
    services.rollup_changed()
    return world


def test_regulator_reads_the_supervision_dashboard_in_chromium(november, live_server, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 1100}, locale="en-US")
    page.set_default_timeout(20_000)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.fill("#id_username", "sh_regulator")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.get_by_role("link", name="Supervision dashboard").click()
    page.wait_for_url("**/admin/supervision/")
    page.goto(f"{live_server.url}/admin/supervision/?month=2026-11")

    expect(page.locator("h1")).to_contain_text("Supervision — 2026-11")
    tiles = page.locator("#indicators section")
    expect(tiles).to_have_count(5)
    delay = page.locator('section[data-code="delay_rate"]')
    expect(delay).to_contain_text("not met")
    expect(delay).to_have_class("sv-tile sv-not-met")
    expect(page.locator('section[data-code="damage_rate"]')).to_contain_text("1 of 26")

    for chart in ("rates", "alerts"):  # Chart.js drew both from the embedded data
        assert page.evaluate(f"() => window.supervisionCharts.{chart}.data.labels.length") == 30
        assert page.locator(f"#{chart}-chart").evaluate("canvas => canvas.width") > 200
    assert page.evaluate("() => Chart.version").startswith("4.")

    expect(page.locator("#by-province")).to_contain_text("上海市")
    expect(page.locator("#by-company")).to_contain_text("ZTO")
    outlets = page.locator('#risks table[data-kind="outlet"]')
    expect(outlets).to_contain_text("SH-PD-01")
    expect(outlets).to_contain_text("refused:prohibited_item: 5 × 10.0 = 50.0")
    expect(page.locator('#risks table[data-kind="sender"]')).to_contain_text("张*")

    assert_accessible(page, "supervision dashboard (regulator)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    shown, source = page.locator("body").inner_text(), page.content()
    for value in PLAINTEXTS:
        assert value not in shown and value not in source, f"plaintext personal data {value!r} on the page"

    # A risk source links to the records behind it: the outlet's attempts, in the admin.
    outlets.get_by_role("link", name="SH-PD-01", exact=False).first.click()
    page.wait_for_url("**/admin/parcels/acceptancerecord/?outlet__id__exact=*")
    expect(page.locator("#result_list")).to_contain_text("Refused")
