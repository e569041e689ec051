"""The dashboard page without a browser: who may open it, that the admin index links it, and that it shows only
the caller's scope (the browser test, tests/browser/test_supervision_dashboard.py, draws it in Chromium)."""
from __future__ import annotations

import datetime

from apps.supervision import services
from tests.apps.supervision.month import NANJING, SHANGHAI, accepted_on, at

DASHBOARD = "/admin/supervision/"


def test_supervisors_and_regulators_open_it_from_the_admin_index(world, as_user):
    for role in ("supervisor", "regulator", "regional_regulator", "superuser"):
        client = as_user(role)
        assert b'href="/admin/supervision/"' in client.get("/admin/").content, role
        assert client.get(DASHBOARD).status_code == 200, role


def test_nobody_else_opens_it(world, client):
    from tests.admin_helpers import login
    from tests.factories import UserFactory

    assert client.get(DASHBOARD).status_code == 302  # to the login page
    staff_without_role = UserFactory(username="no_role", is_staff=True)
    assert login(staff_without_role).get(DASHBOARD).status_code == 403


def test_it_shows_the_callers_scope_only(world, as_user):
    day = datetime.date(2026, 11, 3)
    accepted_on(world.users["outlet_staff"], at(day), recipient={"region_code": NANJING})
    accepted_on(world.users["other_outlet_staff"], at(day), recipient={"region_code": SHANGHAI})
    services.rollup_days([day])
    zto = as_user("supervisor").get(DASHBOARD, {"month": "2026-11"})
    companies = [row["key"] for row in zto.context["tables"][1]["rows"]]
    assert companies == ["ZTO"]
    delta = as_user("regional_regulator").get(DASHBOARD, {"month": "2026-11"})
    assert [row["key"] for row in delta.context["tables"][1]["rows"]] == ["YTO", "ZTO"]
    assert [row["key"] for row in delta.context["tables"][0]["rows"]] == ["310000", "320000"]


def test_a_malformed_month_shows_this_month_with_the_error(world, as_user):
    response = as_user("regulator").get(DASHBOARD, {"month": "2026-13"})
    assert response.status_code == 200
    assert response.context["period"].first == services.china_today().replace(day=1)
    assert b"month is YYYY-MM" in response.content
