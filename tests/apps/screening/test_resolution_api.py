"""POST /api/v1/screenings/{id}/resolution/ — the open-box re-check of a suspect screening [R13]: CLEARED lifts
the hold, SEIZED keeps the parcel and reports it to the authorities [R9]. Each is a chain link and an audit
entry; who may re-check is scoped (out of scope is 404)."""
from __future__ import annotations

import uuid

import pytest

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, Parcel
from apps.screening.models import Resolution
from greenshield.enums import Province, Role
from tests.factories import FacilityFactory, StaffFactory, UserFactory
from tests.helpers import accept, screening_post, token_client

pytestmark = pytest.mark.django_db


def resolution_url(screening_id) -> str:
    return f"/api/v1/screenings/{screening_id}/resolution/"


def screen(client_for, waybill, result="SUSPECT", **changes) -> str:
    response = screening_post(client_for("screener"), waybill, result, **changes)
    assert response.status_code == 201, response.content
    return response.json()["id"]


def resolve(client, screening_id, result="CLEARED", notes="开箱复检：书籍，无异常"):
    return client.post(resolution_url(screening_id), {"result": result, "notes": notes}, format="json")


@pytest.fixture
def waybill(world, client_for):
    return accept(client_for("outlet_staff"))["waybill_no"]


@pytest.fixture
def suspect(client_for, waybill):
    return screen(client_for, waybill, "SUSPECT")


@pytest.mark.parametrize("kind", ["screener", "supervisor"])
def test_cleared_recheck_lifts_the_hold(world, client_for, waybill, suspect, kind):
    response = resolve(client_for(kind), suspect)

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["screening"], data["waybill_no"], data["result"], data["parcel_status"]) == (
        suspect, waybill, "CLEARED", "ACCEPTED")
    assert data["authority_report_ref"] == "" and data["notes"] == "开箱复检：书籍，无异常"
    assert data["resolved_by"] == world.users[kind].username
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.screening_status) == ("ACCEPTED", "CLEARED")
    alert = Alert.objects.get(kind="suspect_screening")
    assert (alert.status, alert.resolved_by) == ("RESOLVED", world.users[kind])


def test_cleared_recheck_returns_to_the_status_before_the_hold(world, client_for, waybill):
    Parcel.objects.filter(waybill_no=waybill).update(status="IN_TRANSIT")
    screening_id = screen(client_for, waybill, "PROHIBITED")
    assert Parcel.objects.get(waybill_no=waybill).status_before_hold == "IN_TRANSIT"

    response = resolve(client_for("screener"), screening_id)

    assert response.json()["parcel_status"] == "IN_TRANSIT"
    assert Parcel.objects.get(waybill_no=waybill).status == "IN_TRANSIT"
    assert Alert.objects.get(kind="prohibited_screening").status == "RESOLVED"


def test_recheck_is_a_chain_link_and_an_audit_entry(world, client_for, waybill, suspect):
    response = resolve(client_for("screener"), suspect)

    parcel = Parcel.objects.get(waybill_no=waybill)
    link = CheckpointEvent.objects.get(parcel=parcel, seq=parcel.chain_length)
    assert link.type == "RECHECKED" and link.hash == parcel.chain_head
    assert (link.facility.code, link.courier.employee_no, link.actor) == ("SH-HUB-01", "E1002", "zto_screener")
    assert link.detail == {"screening": suspect, "result": "CLEARED", "authority_report_ref": ""}
    assert [e.type for e in CheckpointEvent.objects.filter(parcel=parcel).order_by("seq")][-2:] == [
        "SCREENED", "RECHECKED"]
    assert chain_verify(parcel).valid

    entry = AuditEntry.objects.get(action="screening.resolve")
    assert (entry.actor, entry.target_id, entry.reason) == ("zto_screener", response.json()["id"],
                                                            "开箱复检：书籍，无异常")
    assert (entry.organization_id, entry.province) == (world.zto.pk, "310000")
    assert entry.data == {"result": "CLEARED", "screening": suspect}


def test_seizure_keeps_the_parcel_and_reports_it(world, client_for, waybill, suspect):
    response = resolve(client_for("supervisor"), suspect, "SEIZED", "发现管制刀具，已移交公安")

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["result"] == "SEIZED" and data["parcel_status"] == "SEIZED"
    assert data["authority_report_ref"].startswith("RPT-")
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.screening_status) == ("SEIZED", "SEIZED")
    resolution = Resolution.objects.get()
    assert resolution.authority_report_ref == data["authority_report_ref"] and resolution.reported_at is not None

    assert Alert.objects.get(kind="suspect_screening").status == "RESOLVED"
    seizure = Alert.objects.get(kind="seizure_reported")
    assert (seizure.severity, seizure.status, seizure.parcel) == ("CRITICAL", "OPEN", parcel)
    assert seizure.detail["report"] == data["authority_report_ref"]
    link = CheckpointEvent.objects.get(parcel=parcel, type="RECHECKED")
    assert link.detail["authority_report_ref"] == data["authority_report_ref"]
    assert link.courier is None  # the supervisor's account is not a staff member
    assert chain_verify(parcel).valid


def test_a_second_resolution_is_409_already_resolved(world, client_for, waybill, suspect):
    assert resolve(client_for("screener"), suspect).status_code == 201
    for result in ("CLEARED", "SEIZED"):
        response = resolve(client_for("supervisor"), suspect, result)
        assert response.status_code == 409, response.content
        assert response.json()["errors"][0]["code"] == "already_resolved"
    assert Resolution.objects.count() == 1
    assert Parcel.objects.get(waybill_no=waybill).status == "ACCEPTED"
    assert not Alert.objects.filter(kind="seizure_reported").exists()


def test_a_clear_screening_needs_no_recheck(world, client_for, waybill):
    clear = screen(client_for, waybill, "CLEAR")
    response = resolve(client_for("screener"), clear)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "not_suspect"
    assert not Resolution.objects.exists()


def test_the_parcel_stays_on_hold_until_every_suspect_screening_is_cleared(world, client_for, waybill):
    first = screen(client_for, waybill, "SUSPECT")
    second = screen(client_for, waybill, "PROHIBITED", machine_id="XR-02")
    screener = client_for("screener")

    response = resolve(screener, first)
    assert response.status_code == 201 and response.json()["parcel_status"] == "ON_HOLD"
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.screening_status) == ("ON_HOLD", "SUSPECT")
    # Only the cleared screening's alert is resolved; the other still holds the parcel.
    assert dict(Alert.objects.values_list("kind", "status")) == {"suspect_screening": "RESOLVED",
                                                                 "prohibited_screening": "OPEN"}

    response = resolve(screener, second)
    assert response.status_code == 201 and response.json()["parcel_status"] == "ACCEPTED"
    parcel.refresh_from_db()
    assert (parcel.status, parcel.screening_status) == ("ACCEPTED", "CLEARED")
    assert set(Alert.objects.values_list("status", flat=True)) == {"RESOLVED"}
    assert chain_verify(parcel).valid


# --- scope and roles -----------------------------------------------------------------------------------------

def test_another_companys_supervisor_gets_404(world, client_for, suspect):
    response = resolve(client_for("other_supervisor"), suspect)
    assert response.status_code == 404
    assert not Resolution.objects.exists()


def test_a_screener_of_another_hub_gets_404(world, client_for, suspect):
    nanjing = UserFactory(username="yto_screener", role=Role.SCREENER, organization=world.yto,
                          facility=world.yto_hub, staff=StaffFactory(employee_no="E2002", facility=world.yto_hub))
    response = resolve(token_client(nanjing), suspect)
    assert response.status_code == 404

    other_hub = FacilityFactory(code="SH-HUB-02", organization=world.zto, kind="HUB")
    shanghai = UserFactory(username="zto_screener_2", role=Role.SCREENER, organization=world.zto,
                           facility=other_hub, staff=StaffFactory(employee_no="E1003", facility=other_hub))
    assert resolve(token_client(shanghai), suspect).status_code == 404
    assert not Resolution.objects.exists()


def test_an_unknown_screening_is_404(world, client_for):
    assert resolve(client_for("supervisor"), uuid.uuid4()).status_code == 404


def test_out_of_scope_is_404_even_with_a_bad_body(world, client_for, suspect):
    response = client_for("other_supervisor").post(resolution_url(suspect), {"result": "MAYBE"}, format="json")
    assert response.status_code == 404


@pytest.mark.parametrize("kind", ["outlet_staff", "regulator", "other_regulator", "device"])
def test_other_roles_may_not_recheck(world, client_for, suspect, kind):
    response = resolve(client_for(kind), suspect)
    assert response.status_code == 403, response.content
    assert not Resolution.objects.exists()


def test_a_jiangsu_regulator_is_refused_too(world, client_for, suspect):
    regulator = UserFactory(username="js_regulator_2", role=Role.REGULATOR, province=Province.JIANGSU)
    assert resolve(token_client(regulator), suspect).status_code == 403


def test_anonymous_is_401(world, client_for, suspect):
    assert resolve(client_for("anonymous"), suspect).status_code == 401


@pytest.mark.parametrize("body", [{"result": "MAYBE"}, {"result": "cleared"}, {"result": "SUSPECT"}])
def test_a_bad_result_is_invalid_choice(world, client_for, suspect, body):
    response = client_for("screener").post(resolution_url(suspect), body, format="json")
    assert response.status_code == 400
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("invalid_choice", "result")]
    assert not Resolution.objects.exists()


def test_result_is_required_and_notes_are_optional(world, client_for, suspect):
    screener = client_for("screener")
    missing = screener.post(resolution_url(suspect), {"notes": "x"}, format="json")
    assert [(e["code"], e["attr"]) for e in missing.json()["errors"]] == [("required", "result")]
    assert screener.post(resolution_url(suspect), {"result": "CLEARED"}, format="json").status_code == 201
    assert Resolution.objects.get().notes == ""


def test_a_seizure_ends_the_hold_and_a_later_clearance_never_lifts_it(world, client_for, waybill):
    first = screen(client_for, waybill, "SUSPECT")
    second = screen(client_for, waybill, "SUSPECT", machine_id="XR-02")
    supervisor = client_for("supervisor")

    assert resolve(supervisor, first, "SEIZED", "管制刀具").json()["parcel_status"] == "SEIZED"
    # The seizure ends every hold alert of the parcel; the seizure alert stays open.
    assert dict(Alert.objects.values_list("kind", "status")) == {"suspect_screening": "RESOLVED",
                                                                 "seizure_reported": "OPEN"}

    response = resolve(supervisor, second, "CLEARED", "第二次复检")
    assert response.status_code == 201 and response.json()["parcel_status"] == "SEIZED"
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.screening_status) == ("SEIZED", "SEIZED")
