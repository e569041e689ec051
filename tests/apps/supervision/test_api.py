"""The supervision API: scope (a supervisor never sees another company's counts, a regulator only what happened in
their territory), risk factors of a hand-built sender and outlet with one alert per threshold crossing, CSV, bad
input, and a query count that does not grow with the range."""
from __future__ import annotations

import csv
import datetime
import io

import pytest

from apps.compliance.models import Alert
from apps.supervision import services
from greenshield.enums import AlertKind, FacilityKind, InspectionResult, Role, ScreeningResult
from tests.apps.supervision.month import NANJING, SHANGHAI, accepted_on, at, delivered, parcel
from tests.factories import FacilityFactory, ScreeningFactory, StaffFactory, UserFactory
from tests.helpers import OTHER_ID, accept_as, assert_error

STATS, INDICATORS, RISK = "/api/v1/stats/compliance/", "/api/v1/stats/indicators/", "/api/v1/risk/"
DAY = datetime.date(2026, 10, 5)
RANGE = {"from": "2026-10-01", "to": "2026-10-31"}


@pytest.fixture
def three_places(world):
    """Accepted on 5 October: two ZTO parcels in Shanghai, one YTO parcel in Nanjing, and three ZTO parcels at ZTO's
    own Nanjing outlet (territory of Jiangsu, company registered in Shanghai)."""
    nanjing = FacilityFactory(code="NJ-ZTO-01", organization=world.zto, kind=FacilityKind.OUTLET, region_code="320106")
    staff = StaffFactory(employee_no="E1101", organization=world.zto, facility=nanjing)
    zto_nanjing = UserFactory(username="zto_nj_outlet", role=Role.OUTLET_STAFF, organization=world.zto,
                              facility=nanjing, staff=staff)
    for _ in range(2):
        accepted_on(world.users["outlet_staff"], at(DAY), recipient={"region_code": NANJING})
    accepted_on(world.users["other_outlet_staff"], at(DAY), recipient={"region_code": SHANGHAI})
    for _ in range(3):
        accepted_on(zto_nanjing, at(DAY), recipient={"region_code": NANJING})
    services.rollup_days([DAY])


def grouped(client, group_by: str) -> dict[str, int]:
    response = client.get(STATS, {**RANGE, "group_by": group_by})
    assert response.status_code == 200, response.content
    return {row["key"]: row["acceptances"] for row in response.json()["rows"]}


@pytest.mark.parametrize(("role", "organizations", "provinces"), [
    ("supervisor", {"ZTO": 5}, {"310000": 2, "320000": 3}),
    ("other_supervisor", {"YTO": 1}, {"320000": 1}),
    ("regulator", {"ZTO": 2}, {"310000": 2}),
    ("other_regulator", {"YTO": 1, "ZTO": 3}, {"320000": 4}),
    ("regional_regulator", {"YTO": 1, "ZTO": 5}, {"310000": 2, "320000": 4}),
])
def test_statistics_count_only_what_the_caller_may_see(three_places, client_for, role, organizations, provinces):
    client = client_for(role)
    assert grouped(client, "organization") == organizations
    assert grouped(client, "province") == provinces
    totals = client.get(STATS, RANGE).json()["totals"]
    assert totals["acceptances"] == sum(organizations.values())


def test_indicators_are_scoped_too(three_places, client_for):
    def accepted(role, **params):
        body = client_for(role).get(INDICATORS, {"month": "2026-10", **params}).json()
        return next(i["denominator"] for i in body["indicators"] if i["code"] == "damage_rate")

    assert (accepted("supervisor"), accepted("other_supervisor"), accepted("regional_regulator")) == (5, 1, 6)
    # Shanghai's regulator: routes starting or ending in Shanghai (YTO's Nanjing → Shanghai parcel included).
    assert accepted("regulator") == 3
    assert accepted("supervisor", organization="YTO") == 0  # another company's: nothing, not an error


@pytest.fixture
def risky(world):
    """Sender 王小二 tried twice to send a prohibited item at the ZTO Pudong outlet, then sent a parcel that the
    hub's X-ray found suspect; at the same outlet another sender's identity did not match."""
    sender = {"name": "王小二", "id_number": OTHER_ID}
    outlet = world.users["outlet_staff"]
    for _ in range(2):
        accept_as(outlet, sender=sender, inspection={"result": InspectionResult.PROHIBITED_FOUND})
    sent = accept_as(outlet, sender=sender)
    ScreeningFactory(actor=world.users["screener"], waybill_no=sent.waybill_no, result=ScreeningResult.SUSPECT)
    accept_as(outlet, verification={"identity_matched": False})
    return sent.sender


def factors(result) -> dict[str, tuple]:
    return {f["factor"]: (f["count"], f["weight"], f["contribution"]) for f in result["factors"]}


def test_risk_factors_of_a_sender_and_an_outlet(risky, world, client_for):
    services.rollup_days([services.china_today()])
    body = client_for("supervisor").get(RISK, {"kind": "sender"}).json()
    assert body["window_days"] == 30
    top = body["results"][0]
    assert (top["subject_id"], top["score"]) == (str(risky.pk), 23.0)
    assert top["subject"].startswith("王** RESIDENT_ID 320") and OTHER_ID not in top["subject"]
    assert factors(top) == {"refused:prohibited_item": (2, 10.0, 20.0), "suspect_screening": (1, 3.0, 3.0)}
    assert [f["factor"] for f in top["factors"]] == ["refused:prohibited_item", "suspect_screening"]

    outlet = client_for("regulator").get(RISK, {"kind": "outlet"}).json()["results"][0]
    assert (outlet["subject"], outlet["score"]) == ("SH-PD-01 " + world.zto_outlet.name, 28.0)
    assert factors(outlet) == {"refused:prohibited_item": (2, 10.0, 20.0), "identity_mismatch": (1, 4.0, 4.0),
                               "suspect_screening": (1, 3.0, 3.0), "refused:identity_mismatch": (1, 1.0, 1.0)}
    staff = client_for("supervisor").get(RISK, {"kind": "staff"}).json()["results"][0]
    assert staff["subject"].startswith("E1001 ")
    route = client_for("supervisor").get(RISK, {"kind": "route"}).json()["results"][0]
    assert route["subject"] == "310100 → 320100"
    # Another company and another province see none of it.
    for role in ("other_supervisor", "other_regulator"):
        assert client_for(role).get(RISK, {"kind": "sender"}).json()["results"] == []


def test_crossing_the_threshold_raises_one_alert_per_episode(risky, world, settings):
    today = services.china_today()
    for _ in range(3):
        services.rollup_days([today])
        services.risk_alerts_update()
    alerts = Alert.objects.filter(kind=AlertKind.RISK_THRESHOLD)
    by_subject = sorted((a.detail["risk_kind"], a.detail["subject"]) for a in alerts)
    assert by_subject == sorted([("outlet", str(world.zto_outlet.pk)), ("route", "310100-320100"),
                                 ("sender", str(risky.pk))])
    sender_alert = alerts.get(detail__subject=str(risky.pk))
    assert sender_alert.organization == world.zto and sender_alert.detail["score"] == 23.0
    assert str(risky.pk) not in sender_alert.summary
    # Below the threshold, then above again: a second episode, a second alert.
    settings.GREENSHIELD_RISK_THRESHOLD = 100
    services.risk_alerts_update()
    settings.GREENSHIELD_RISK_THRESHOLD = 20
    services.risk_alerts_update()
    services.risk_alerts_update()
    assert Alert.objects.filter(kind=AlertKind.RISK_THRESHOLD, detail__subject=str(risky.pk)).count() == 2


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 with a BOM
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_csv_output(three_places, client_for):
    client = client_for("regional_regulator")
    rows = read_csv(client.get(STATS, {**RANGE, "group_by": "province", "format": "csv"}))
    header = rows[0]
    assert header[:3] == ["key", "label", "acceptances"] and "refusals.prohibited_item" in header
    assert "attachment" in client.get(STATS, {**RANGE, "format": "csv"})["Content-Disposition"]
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert table["310000"]["label"] == "上海市" and table["310000"]["acceptances"] == "2"
    assert table["TOTAL"]["acceptances"] == "6"
    indicators = read_csv(client.get(INDICATORS, {"month": "2026-10", "format": "csv"}))
    assert indicators[0] == ["period", "code", "numerator", "denominator", "value", "unit", "target", "met"]
    assert [row[1] for row in indicators[1:]] == ["delay_rate", "damage_rate", "loss_rate", "key_cities_12h",
                                                  "delta_24h"]
    assert indicators[2][2:4] == ["0", "6"]
    risk = read_csv(client.get(RISK, {"kind": "route", "format": "csv"}))
    assert risk == [["kind", "subject", "subject_id", "score", "factors"]]
    bad = client.get(STATS, {"group_by": "week", "format": "csv"})
    assert bad.status_code == 400 and bad["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(("path", "params", "code", "attr"), [
    (STATS, {"from": "2026-13-01"}, "invalid_range", "from"),
    (STATS, {"from": "yesterday"}, "invalid_range", "from"),
    (STATS, {"from": "2026-10-05", "to": "2026-10-01"}, "invalid_range", "from"),
    (STATS, {"from": "2024-01-01", "to": "2026-01-01"}, "range_too_long", "to"),
    (STATS, {"group_by": "week"}, "invalid_choice", "group_by"),
    (INDICATORS, {"month": "2026-13"}, "invalid_range", "month"),
    (INDICATORS, {"month": "2026-10", "from": "2026-10-01"}, "invalid_range", "month"),
    (INDICATORS, {"province": "110000"}, "invalid_choice", "province"),
    (RISK, {"kind": "city"}, "invalid_choice", "kind"),
    (RISK, {"limit": "0"}, "invalid", "limit"),
])
def test_bad_input_is_400_with_a_code(world, client_for, path, params, code, attr):
    assert_error(client_for("regulator").get(path, params), 400, code, attr)


def test_the_longest_range_allowed_is_a_setting(world, client_for, settings):
    settings.GREENSHIELD_STATS_MAX_RANGE_DAYS = 31
    client = client_for("regulator")
    assert client.get(STATS, {"from": "2026-10-01", "to": "2026-10-31"}).status_code == 200
    assert_error(client.get(STATS, {"from": "2026-10-01", "to": "2026-11-01"}), 400, "range_too_long", "to")


def test_an_empty_range_answers_zeros(world, client_for):
    body = client_for("supervisor").get(STATS, {"from": "2025-03-01", "to": "2025-03-03"}).json()
    assert [row["key"] for row in body["rows"]] == ["2025-03-01", "2025-03-02", "2025-03-03"]
    assert body["totals"]["acceptances"] == 0 and body["totals"]["alerts"] == {}
    assert body["totals"]["ack_p50_s"] is None
    by_facility = {"group_by": "facility", "from": "2025-03-01", "to": "2025-03-31"}
    assert client_for("supervisor").get(STATS, by_facility).json()["rows"] == []


def test_the_query_count_does_not_grow_with_the_range(world, client_for, django_assert_num_queries,
                                                     django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for n in range(40):  # a few weeks of rollups to read
        parcel(world, at(DAY + datetime.timedelta(days=n % 30)), NANJING, delivered(10) if n % 2 else [])
    services.rollup_days(services.days_between(datetime.date(2026, 10, 1), datetime.date(2026, 11, 10)))
    client = client_for("regulator")
    client.get(STATS, {"from": "2026-10-05", "to": "2026-10-05", "group_by": "facility"})  # warm the token lookup
    with CaptureQueriesContext(connection) as one_day:
        assert client.get(STATS, {"from": "2026-10-05", "to": "2026-10-05", "group_by": "facility"}).status_code == 200
    queries = len(one_day.captured_queries)
    with django_assert_num_queries(queries):
        client.get(STATS, {"from": "2026-10-02", "to": "2026-10-31", "group_by": "facility"})
    with django_assert_num_queries(queries):
        client.get(STATS, {"from": "2026-10-02", "to": "2026-10-31", "group_by": "day"})
    with django_assert_num_queries(queries + 1):  # whole months come from the monthly rollups
        client.get(STATS, {"from": "2025-12-01", "to": "2026-11-30", "group_by": "province"})
    with django_assert_num_queries(queries + 1):
        assert client.get(INDICATORS, {"from": "2025-12-01", "to": "2026-11-30"}).status_code == 200
    with django_assert_max_num_queries(queries + 1):  # risk: the rows, then the labels of the top subjects
        client.get(RISK, {"kind": "outlet"})
