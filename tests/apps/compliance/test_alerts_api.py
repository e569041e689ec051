"""/api/v1/alerts/ — compliance alerts in the reader's scope; acknowledge and resolve with a note.

A supervisor sees their company's alerts, a regulator their province's, facility staff their facility's; out of
scope is 404. Only supervisors and regulators act on alerts, and each action is an audit entry."""
from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from greenshield.enums import AlertKind, Province
from tests.factories import AlertFactory, FacilityFactory, OrganizationFactory
from tests.helpers import accept, screening_post

pytestmark = pytest.mark.django_db

ALERTS = "/api/v1/alerts/"


class Alerts:
    """One alert at each place of the world, and one of a second Shanghai company."""

    def __init__(self, world):
        sto = OrganizationFactory(code="STO", name="申通快递", province=Province.SHANGHAI)
        sto_hub = FacilityFactory(code="SH-STO-HUB", organization=sto, kind="HUB")
        self.zto_hub = AlertFactory(kind=AlertKind.SUSPECT_SCREENING, facility=world.zto_hub,
                                    waybill_no="ZTO0000000001", summary="ZTO0000000001: X-ray SUSPECT at SH-HUB-01")
        self.zto_outlet = AlertFactory(kind=AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE, facility=world.zto_outlet,
                                       summary="prohibited item at SH-PD-01")
        self.zto_company = AlertFactory(kind=AlertKind.CHAIN_INTEGRITY_FAILURE, organization=world.zto, facility=None,
                                        summary="chain of ZTO0000000002 altered")
        self.yto_hub = AlertFactory(kind=AlertKind.DISPATCH_WITHOUT_SCREENING, facility=world.yto_hub,
                                    summary="YTO0000000001 loaded unscreened")
        self.sto = AlertFactory(kind=AlertKind.UNSCREENED_OVERDUE, facility=sto_hub, summary="STO0000000001 unscreened 13 h")


@pytest.fixture
def alerts(world):
    return Alerts(world)


def ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def ids_of(*alerts) -> set[str]:
    return {str(a.pk) for a in alerts}


# --- list and scope ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "expected"), [
    ("superuser", ["zto_hub", "zto_outlet", "zto_company", "yto_hub", "sto"]),
    ("supervisor", ["zto_hub", "zto_outlet", "zto_company"]),
    ("other_supervisor", ["yto_hub"]),
    ("regulator", ["zto_hub", "zto_outlet", "zto_company", "sto"]),
    ("other_regulator", ["yto_hub"]),
    ("outlet_staff", ["zto_outlet"]),
    ("screener", ["zto_hub"]),
    ("other_outlet_staff", []),
])
def test_the_list_is_scoped(world, client_for, alerts, kind, expected):
    assert ids(client_for(kind).get(ALERTS)) == ids_of(*(getattr(alerts, name) for name in expected))


def test_the_list_shows_the_alert_without_personal_data(world, client_for, alerts):
    row = next(r for r in client_for("supervisor").get(ALERTS).json()["results"] if r["id"] == str(alerts.zto_hub.pk))
    assert {k: row[k] for k in ("kind", "severity", "status", "organization", "facility", "waybill_no")} == {
        "kind": "suspect_screening", "severity": "WARNING", "status": "OPEN", "organization": "ZTO",
        "facility": "SH-HUB-01", "waybill_no": "ZTO0000000001"}
    assert row["acknowledged_by"] is None and row["resolved_by"] is None
    company_row = next(r for r in client_for("supervisor").get(ALERTS).json()["results"]
                       if r["id"] == str(alerts.zto_company.pk))
    assert company_row["facility"] is None


def test_an_alert_raised_through_the_api_reaches_the_list(world, client_for):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    screening_post(client_for("screener"), waybill, "PROHIBITED")
    rows = client_for("supervisor").get(ALERTS).json()["results"]
    assert [(r["kind"], r["severity"], r["waybill_no"]) for r in rows] == [
        ("prohibited_screening", "CRITICAL", waybill)]
    assert client_for("other_regulator").get(ALERTS).json()["results"] == []


def test_devices_may_not_read_alerts(world, client_for, alerts):
    assert client_for("device").get(ALERTS).status_code == 403
    assert client_for("device").get(f"{ALERTS}{alerts.zto_hub.pk}/").status_code == 403


def test_anonymous_is_401(world, client_for, alerts):
    assert client_for("anonymous").get(ALERTS).status_code == 401


# --- filters -------------------------------------------------------------------------------------------------

def test_filter_by_kind(world, client_for, alerts):
    regulator = client_for("regulator")
    assert ids(regulator.get(ALERTS, {"kind": "suspect_screening"})) == ids_of(alerts.zto_hub)
    assert ids(regulator.get(f"{ALERTS}?kind=suspect_screening&kind=unscreened_overdue")) == ids_of(
        alerts.zto_hub, alerts.sto)


def test_filter_by_severity(world, client_for, alerts):
    supervisor = client_for("supervisor")
    assert ids(supervisor.get(ALERTS, {"severity": "CRITICAL"})) == ids_of(alerts.zto_company)
    assert ids(supervisor.get(ALERTS, {"severity": "HIGH"})) == ids_of(alerts.zto_outlet)
    # Another company's alert of that severity stays out of scope.
    assert ids(client_for("other_supervisor").get(ALERTS, {"severity": "CRITICAL"})) == set()


def test_filter_by_status(world, client_for, alerts):
    supervisor = client_for("supervisor")
    supervisor.post(f"{ALERTS}{alerts.zto_hub.pk}/acknowledge/", {}, format="json")
    supervisor.post(f"{ALERTS}{alerts.zto_outlet.pk}/resolve/", {"note": "已处理"}, format="json")
    assert ids(supervisor.get(ALERTS, {"status": "OPEN"})) == ids_of(alerts.zto_company)
    assert ids(supervisor.get(ALERTS, {"status": "ACKNOWLEDGED"})) == ids_of(alerts.zto_hub)
    assert ids(supervisor.get(ALERTS, {"status": "RESOLVED"})) == ids_of(alerts.zto_outlet)


def test_filter_by_facility_and_company(world, client_for, alerts):
    regulator = client_for("regulator")
    assert ids(regulator.get(ALERTS, {"facility": "SH-PD-01"})) == ids_of(alerts.zto_outlet)
    assert ids(regulator.get(ALERTS, {"organization": "STO"})) == ids_of(alerts.sto)
    assert ids(regulator.get(ALERTS, {"facility": "NJ-HUB-01"})) == set()  # out of scope, not revealed
    assert ids(client_for("supervisor").get(ALERTS, {"organization": "YTO"})) == set()


def test_filter_since_and_until(world, client_for, alerts):
    now = timezone.now()
    Alert.objects.filter(pk=alerts.zto_company.pk).update(created_at=now - datetime.timedelta(days=3))
    supervisor = client_for("supervisor")
    since = (now - datetime.timedelta(days=1)).isoformat()
    assert ids(supervisor.get(ALERTS, {"since": since})) == ids_of(alerts.zto_hub, alerts.zto_outlet)
    assert ids(supervisor.get(ALERTS, {"until": since})) == ids_of(alerts.zto_company)


def test_the_list_is_newest_first(world, client_for, alerts):
    now = timezone.now()
    Alert.objects.filter(pk=alerts.zto_hub.pk).update(created_at=now - datetime.timedelta(hours=2))
    Alert.objects.filter(pk=alerts.zto_outlet.pk).update(created_at=now - datetime.timedelta(hours=1))
    Alert.objects.filter(pk=alerts.zto_company.pk).update(created_at=now - datetime.timedelta(hours=3))
    rows = client_for("supervisor").get(ALERTS).json()["results"]
    assert [r["id"] for r in rows] == [str(alerts.zto_outlet.pk), str(alerts.zto_hub.pk), str(alerts.zto_company.pk)]


@pytest.mark.parametrize("query", [{"severity": "BOGUS"}, {"kind": "nothing"}, {"status": "open"},
                                   {"since": "yesterday"}])
def test_a_bad_filter_is_400(world, client_for, alerts, query):
    response = client_for("supervisor").get(ALERTS, query)
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"


# --- retrieve ------------------------------------------------------------------------------------------------

def test_retrieve_in_scope(world, client_for, alerts):
    response = client_for("regulator").get(f"{ALERTS}{alerts.zto_hub.pk}/")
    assert response.status_code == 200
    assert response.json()["id"] == str(alerts.zto_hub.pk)
    assert client_for("screener").get(f"{ALERTS}{alerts.zto_hub.pk}/").status_code == 200


@pytest.mark.parametrize(("kind", "alert"), [
    ("other_supervisor", "zto_hub"), ("other_regulator", "zto_company"), ("supervisor", "yto_hub"),
    ("supervisor", "sto"), ("regulator", "yto_hub"), ("outlet_staff", "zto_hub"), ("screener", "zto_outlet"),
    ("other_outlet_staff", "yto_hub"),
])
def test_retrieve_out_of_scope_is_404(world, client_for, alerts, kind, alert):
    assert client_for(kind).get(f"{ALERTS}{getattr(alerts, alert).pk}/").status_code == 404


# --- acknowledge and resolve ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["supervisor", "regulator"])
def test_acknowledge_an_open_alert(world, client_for, alerts, kind):
    client = client_for(kind)
    response = client.post(f"{ALERTS}{alerts.zto_hub.pk}/acknowledge/", {"note": "正在核查"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["acknowledged_by"], data["note"]) == ("ACKNOWLEDGED", world.users[kind].username,
                                                                       "正在核查")
    assert data["acknowledged_at"] is not None and data["resolved_at"] is None
    entry = AuditEntry.objects.get(action="alert.acknowledge")
    assert (entry.actor, entry.target_id, entry.reason, entry.organization_id) == (
        world.users[kind].username, str(alerts.zto_hub.pk), "正在核查", world.zto.pk)

    again = client.post(f"{ALERTS}{alerts.zto_hub.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "alert_not_open"
    assert AuditEntry.objects.filter(action="alert.acknowledge").count() == 1


def test_acknowledge_needs_no_note(world, client_for, alerts):
    response = client_for("supervisor").post(f"{ALERTS}{alerts.zto_hub.pk}/acknowledge/", {}, format="json")
    assert response.status_code == 200 and response.json()["note"] == ""


def test_resolve_requires_a_note(world, client_for, alerts):
    supervisor = client_for("supervisor")
    for body in ({}, {"note": ""}):
        response = supervisor.post(f"{ALERTS}{alerts.zto_hub.pk}/resolve/", body, format="json")
        assert response.status_code == 400
        assert response.json()["errors"][0]["attr"] == "note"
    assert [e["code"] for e in supervisor.post(f"{ALERTS}{alerts.zto_hub.pk}/resolve/", {},
                                               format="json").json()["errors"]] == ["required"]
    assert Alert.objects.get(pk=alerts.zto_hub.pk).status == "OPEN"
    assert not AuditEntry.objects.filter(action="alert.resolve").exists()


@pytest.mark.parametrize("acknowledged_first", [False, True], ids=["from-open", "from-acknowledged"])
def test_resolve_with_a_note(world, client_for, alerts, acknowledged_first):
    regulator, supervisor = client_for("regulator"), client_for("supervisor")
    if acknowledged_first:
        supervisor.post(f"{ALERTS}{alerts.zto_hub.pk}/acknowledge/", {"note": "收到"}, format="json")

    response = regulator.post(f"{ALERTS}{alerts.zto_hub.pk}/resolve/", {"note": "复检无异常"}, format="json")

    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["status"], data["resolved_by"]) == ("RESOLVED", "sh_regulator")
    assert data["acknowledged_by"] == ("zto_supervisor" if acknowledged_first else "sh_regulator")
    assert data["acknowledged_at"] is not None and data["resolved_at"] is not None
    assert data["note"] == ("收到\n复检无异常" if acknowledged_first else "复检无异常")
    entry = AuditEntry.objects.get(action="alert.resolve")
    assert (entry.actor, entry.target_id, entry.reason) == ("sh_regulator", str(alerts.zto_hub.pk), "复检无异常")

    assert supervisor.post(f"{ALERTS}{alerts.zto_hub.pk}/acknowledge/", {}, format="json").json()[
        "errors"][0]["code"] == "alert_not_open"
    again = supervisor.post(f"{ALERTS}{alerts.zto_hub.pk}/resolve/", {"note": "again"}, format="json")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "alert_resolved"


@pytest.mark.parametrize("kind", ["outlet_staff", "screener", "device"])
@pytest.mark.parametrize("verb", ["acknowledge", "resolve"])
def test_only_supervisors_and_regulators_act_on_alerts(world, client_for, alerts, kind, verb):
    alert = alerts.zto_outlet if kind == "outlet_staff" else alerts.zto_hub  # in their own scope
    response = client_for(kind).post(f"{ALERTS}{alert.pk}/{verb}/", {"note": "x"}, format="json")
    assert response.status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == "OPEN"
    assert not AuditEntry.objects.filter(action__startswith="alert.").exists()


@pytest.mark.parametrize(("kind", "alert"), [("other_supervisor", "zto_hub"), ("other_regulator", "zto_hub"),
                                             ("supervisor", "sto"), ("regulator", "yto_hub")])
@pytest.mark.parametrize("verb", ["acknowledge", "resolve"])
def test_acting_on_an_alert_out_of_scope_is_404(world, client_for, alerts, kind, alert, verb):
    target = getattr(alerts, alert)
    response = client_for(kind).post(f"{ALERTS}{target.pk}/{verb}/", {"note": "x"}, format="json")
    assert response.status_code == 404
    assert Alert.objects.get(pk=target.pk).status == "OPEN"


def test_alerts_are_read_only_otherwise(world, client_for, alerts):
    supervisor = client_for("supervisor")
    assert supervisor.post(ALERTS, {"kind": "suspect_screening"}, format="json").status_code == 405
    assert supervisor.delete(f"{ALERTS}{alerts.zto_hub.pk}/").status_code == 405
    assert supervisor.patch(f"{ALERTS}{alerts.zto_hub.pk}/", {"status": "RESOLVED"}, format="json").status_code == 405
