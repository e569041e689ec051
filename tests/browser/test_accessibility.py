"""The admin pages pass axe-core's WCAG 2 A/AA rules in the real browser (no serious or critical violation): the
index, the parcel list, the parcel page with its timeline, the alert list, the reverse traces and the sender
search — each opened by the people who use them, logged in through the admin's form — and the login form itself.
Each page's axe report is kept in ``artifacts/axe/``."""
from __future__ import annotations

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import admin_page
from tests.journeys import COURIER, PLATE, run_journey

pytestmark = pytest.mark.browser


@pytest.fixture
def journeys(world, client_for, transactional_db):
    """A delivered parcel, and one dispatched without a screening (its alert fills the alert list)."""
    delivered = run_journey(world, client_for, waybill_no="ZTO0000000001", late=None)
    unscreened = run_journey(world, client_for, waybill_no="ZTO0000000002", screening=None, late=None)
    return delivered, unscreened


def pages_of(journey) -> dict[str, list[tuple[str, str]]]:
    parcel = f"/admin/parcels/parcel/{journey.parcel.pk}/change/"
    return {
        "zto_supervisor": [
            ("admin index", "/admin/"),
            ("parcel list", "/admin/parcels/parcel/"),
            ("parcel page", parcel),
            ("alert list", "/admin/compliance/alert/"),
            ("courier trace", f"/admin/parcels/parcel/courier/{COURIER}/"),
            ("vehicle trace", f"/admin/parcels/parcel/vehicle/{PLATE}/"),
            ("sender search", "/admin/parcels/parcel/find-sender/"),
        ],
        "sh_regulator": [("regulator index", "/admin/"), ("regulator parcel list", "/admin/parcels/parcel/"),
                         ("regulator parcel page", parcel), ("regulator alert list", "/admin/compliance/alert/")],
        "delta_regulator": [("regional regulator index", "/admin/"),
                            ("regional regulator parcel list", "/admin/parcels/parcel/")],
        "root": [("operator index", "/admin/"), ("operator alert list", "/admin/compliance/alert/")],
    }


@pytest.mark.parametrize("username", ["zto_supervisor", "sh_regulator", "delta_regulator", "root"])
def test_admin_pages_have_no_serious_accessibility_violation(journeys, live_server, browser, username):
    from playwright.sync_api import expect

    delivered, _ = journeys
    visits = pages_of(delivered)[username]
    page = admin_page(browser, live_server, username, visits[0][1])
    for label, path in visits:
        if page.url != f"{live_server.url}{path}":
            page.goto(f"{live_server.url}{path}")
        expect(page.locator("#content")).to_be_visible()
        assert_accessible(page, f"{label} ({username})")
    page.close()


def test_the_login_page_and_its_error_are_accessible(world, transactional_db, live_server, browser):
    """Outlet staff and screeners have no admin: for them (and everyone signing in) it is the login form, also
    when it refuses the password."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="en-US")
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    assert_accessible(page, "login page")
    page.fill("#id_username", "zto_outlet")
    page.fill("#id_password", "not-the-password")
    page.click("input[type=submit]")
    expect(page.locator(".errornote")).to_be_visible()
    assert_accessible(page, "login page with an error")
    page.close()


def test_the_harness_fails_on_a_serious_violation(journeys, live_server, browser):
    """The check can fail: an image without a text alternative is a critical violation, reported by rule."""
    from tests.browser.axe import axe_run, blocking_violations

    delivered, _ = journeys
    page = admin_page(browser, live_server, "zto_supervisor", f"/admin/parcels/parcel/{delivered.parcel.pk}/change/")
    page.set_content('<html lang="en"><head><title>t</title></head><body><main><p style="color:#333">Text with '
                     '<a href="/x" style="color:#444;text-decoration:none">a link</a> inside.</p>'
                     '<img src="data:,"></main></body></html>')
    ids = {v["id"] for v in blocking_violations(axe_run(page))}
    assert {"image-alt"} <= ids
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, "deliberately broken page")
