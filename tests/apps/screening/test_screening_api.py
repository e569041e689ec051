"""POST /api/v1/screenings/ — X-ray screening at a hub [R12], holds on suspect results [R13].

Who may record (a screener at their hub, a scanner device of that hub), what a result does to the parcel, the
chain link and audit entry it writes, the alert it raises, and the contract's error codes — with another
company's parcels, hubs and staff never revealed."""
from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, Parcel
from apps.screening.models import Screening
from tests.factories import FacilityFactory
from tests.helpers import SCREENINGS, accept, acceptance_body, assert_error, blacklist_post, screening_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def waybill(world, client_for):
    """A parcel accepted at the ZTO outlet, not yet screened."""
    return accept(client_for("outlet_staff"))["waybill_no"]


def post(client, body):
    return client.post(SCREENINGS, body, format="json")


def test_clear_screening_leaves_the_parcel_moving_and_marks_it_clear(world, client_for, waybill):
    response = post(client_for("screener"), screening_body(waybill, "CLEAR"))

    assert response.status_code == 201, response.content
    data = response.json()
    assert {k: data[k] for k in ("waybill_no", "result", "parcel_status", "screening_status")} == {
        "waybill_no": waybill, "result": "CLEAR", "parcel_status": "ACCEPTED", "screening_status": "CLEAR"}
    screening = Screening.objects.get(pk=data["id"])
    assert (screening.facility.code, screening.operator.employee_no, screening.machine_id) == (
        "SH-HUB-01", "E1002", "XR-01")
    assert screening.image_sha256 == "ab" * 32 and screening.recorded_by == "zto_screener"
    assert screening.device is None
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.screening_status) == ("ACCEPTED", "CLEAR")
    assert not Alert.objects.exists()


@pytest.mark.parametrize(("result", "kind", "severity"), [
    ("SUSPECT", "suspect_screening", "WARNING"),
    ("PROHIBITED", "prohibited_screening", "CRITICAL"),
])
def test_suspect_or_prohibited_result_holds_the_parcel_and_raises_one_alert(world, client_for, waybill, result,
                                                                             kind, severity):
    response = post(client_for("screener"), screening_body(waybill, result))

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["result"], data["parcel_status"], data["screening_status"]) == (result, "ON_HOLD", "SUSPECT")
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.screening_status, parcel.status_before_hold) == ("ON_HOLD", "SUSPECT", "ACCEPTED")
    alert = Alert.objects.get()
    assert (alert.kind, alert.severity, alert.status) == (kind, severity, "OPEN")
    assert (alert.parcel, alert.waybill_no, alert.organization.code, alert.facility.code) == (
        parcel, waybill, "ZTO", "SH-HUB-01")
    assert alert.detail["screening"] == data["id"]


def test_a_clear_result_does_not_lift_an_earlier_hold(world, client_for, waybill):
    screener = client_for("screener")
    assert post(screener, screening_body(waybill, "SUSPECT")).status_code == 201
    response = post(screener, screening_body(waybill, "CLEAR", machine_id="XR-02"))

    assert response.status_code == 201
    assert (response.json()["parcel_status"], response.json()["screening_status"]) == ("ON_HOLD", "SUSPECT")
    assert Alert.objects.count() == 1


def test_a_second_suspect_result_keeps_the_status_to_return_to(world, client_for, waybill):
    screener = client_for("screener")
    post(screener, screening_body(waybill, "SUSPECT"))
    post(screener, screening_body(waybill, "PROHIBITED"))

    parcel = Parcel.objects.get(waybill_no=waybill)
    assert (parcel.status, parcel.status_before_hold) == ("ON_HOLD", "ACCEPTED")
    assert sorted(Alert.objects.values_list("kind", flat=True)) == ["prohibited_screening", "suspect_screening"]


def test_a_device_of_the_hub_records_a_screening(world, client_for, waybill):
    response = post(client_for("device"), screening_body(waybill, "SUSPECT"))

    assert response.status_code == 201, response.content
    screening = Screening.objects.get(pk=response.json()["id"])
    assert screening.recorded_by == "device:SCN-ZTO-1"
    assert screening.device == world.zto_device
    link = CheckpointEvent.objects.get(parcel=screening.parcel, type="SCREENED")
    assert (link.actor, link.device) == ("device:SCN-ZTO-1", world.zto_device)
    entry = AuditEntry.objects.get(action="screening.record")
    assert entry.actor == "device:SCN-ZTO-1" and entry.actor_user is None


def test_a_screening_is_a_link_of_the_chain_and_an_audit_entry(world, client_for, waybill):
    parcel = Parcel.objects.get(waybill_no=waybill)
    length_before = parcel.chain_length
    response = post(client_for("screener"), screening_body(waybill, "SUSPECT"))

    parcel.refresh_from_db()
    assert parcel.chain_length == length_before + 1
    link = CheckpointEvent.objects.get(parcel=parcel, seq=parcel.chain_length)
    assert link.type == "SCREENED" and link.hash == parcel.chain_head
    assert (link.facility.code, link.courier.employee_no, link.actor) == ("SH-HUB-01", "E1002", "zto_screener")
    assert link.detail == {"screening": response.json()["id"], "result": "SUSPECT", "machine_id": "XR-01",
                           "image_ref": "xray://SH-HUB-01/XR-01/000001.png", "image_sha256": "ab" * 32}
    verdict = chain_verify(parcel)
    assert verdict.valid and verdict.length == parcel.chain_length

    entry = AuditEntry.objects.get(action="screening.record")
    assert (entry.actor, entry.target_id, entry.organization_id, entry.province) == (
        "zto_screener", response.json()["id"], world.zto.pk, "310000")
    assert entry.data == {"result": "SUSPECT", "facility": "SH-HUB-01", "operator": "E1002"}


def test_image_hash_is_stored_lower_case_and_waybill_is_normalised(world, client_for, waybill):
    response = post(client_for("screener"), screening_body(waybill.lower(), image_sha256="AB" * 32))

    assert response.status_code == 201, response.content
    assert response.json()["waybill_no"] == waybill
    assert Screening.objects.get().image_sha256 == "ab" * 32


# --- the contract's error codes ------------------------------------------------------------------------------

def assert_nothing_recorded():
    assert not Screening.objects.exists()
    assert not Alert.objects.exists()
    assert not AuditEntry.objects.filter(action="screening.record").exists()
    assert not CheckpointEvent.objects.filter(type="SCREENED").exists()


def test_unknown_waybill_is_unknown_parcel(world, client_for):
    response = post(client_for("screener"), screening_body("ZTO9999999999", "SUSPECT"))
    assert_error(response, 400, "unknown_parcel", "waybill_no")
    assert_nothing_recorded()


def test_another_companys_parcel_is_unknown_and_not_revealed(world, client_for):
    yto_waybill = accept(client_for("other_outlet_staff"))["waybill_no"]
    screener = client_for("screener")

    response = post(screener, screening_body(yto_waybill, "SUSPECT"))
    unknown = post(screener, screening_body("ZTO9999999999", "SUSPECT"))

    assert_error(response, 400, "unknown_parcel", "waybill_no")
    assert response.json() == unknown.json()
    assert_nothing_recorded()
    assert Parcel.objects.get(waybill_no=yto_waybill).status == "ACCEPTED"


def test_waybill_of_a_refused_acceptance_is_parcel_refused(world, client_for):
    refused = accept(client_for("outlet_staff"), waybill_no="ZTO0000000077",
                     inspection={"sender_present": True, "result": "PROHIBITED_FOUND", "notes": ""})
    assert refused["outcome"] == "REFUSED"
    alerts_before = Alert.objects.count()

    response = post(client_for("screener"), screening_body("ZTO0000000077"))

    assert_error(response, 400, "parcel_refused", "waybill_no")
    assert not Screening.objects.exists() and Alert.objects.count() == alerts_before


@pytest.mark.parametrize("facility", ["NO-SUCH-HUB", "SH-HUB-02", "NJ-HUB-01", "SH-PD-01"],
                         ids=["unknown", "other-hub-of-own-company", "other-company", "own-company-outlet"])
def test_a_facility_not_the_screeners_own_is_unknown(world, client_for, waybill, facility):
    FacilityFactory(code="SH-HUB-02", organization=world.zto, kind="HUB")
    response = post(client_for("screener"), screening_body(waybill, "SUSPECT", facility=facility))
    assert_error(response, 400, "unknown_facility", "facility")
    assert_nothing_recorded()


def test_unknown_facility_answers_the_same_whether_or_not_it_exists(world, client_for, waybill):
    screener = client_for("screener")
    assert post(screener, screening_body(waybill, facility="NJ-HUB-01")).json() == post(
        screener, screening_body(waybill, facility="NO-SUCH-HUB")).json()


def test_a_device_of_another_company_cannot_screen_at_this_hub(world, client_for, waybill):
    response = post(client_for("other_device"), screening_body(waybill, "SUSPECT"))
    assert_error(response, 400, "unknown_facility", "facility")
    assert_nothing_recorded()


@pytest.mark.parametrize("operator", ["E9999", "E2001"], ids=["unknown", "other-company"])
def test_an_operator_who_is_not_staff_of_the_company_is_unknown(world, client_for, waybill, operator):
    """A scanner names its operator; nobody of its facility by that number is unknown. (An account records in its
    own name: naming anyone else is ``operator_mismatch``, see test_accountability.)"""
    response = post(client_for("device"), screening_body(waybill, "SUSPECT", operator=operator))
    assert_error(response, 400, "unknown_operator", "operator")
    assert_nothing_recorded()


def test_an_operator_who_left_cannot_screen(world, client_for, waybill):
    """Since issue 11 a departed operator is known but not in good standing: 403, recorded."""
    world.zto_screener_staff.status = "LEFT"
    world.zto_screener_staff.save(update_fields=["status"])
    response = post(client_for("screener"), screening_body(waybill, "SUSPECT"))
    assert_error(response, 403, "staff_inactive")
    assert not Screening.objects.exists()


def test_a_blacklisted_operator_cannot_screen(world, client_for, waybill):
    entry = blacklist_post(client_for("supervisor"), subject="STAFF", employee_no="E1002", id_type=None,
                           id_number=None, reason="违规操作")
    assert entry.status_code == 201, entry.content

    for kind in ("screener", "device"):
        response = post(client_for(kind), screening_body(waybill, "SUSPECT"))
        assert response.status_code == 403, response.content
        assert [e["code"] for e in response.json()["errors"]] == ["staff_blacklisted"]
    assert not Screening.objects.exists()
    assert not CheckpointEvent.objects.filter(type="SCREENED").exists()
    assert Parcel.objects.get(waybill_no=waybill).status == "ACCEPTED"
    # The refused attempts are themselves on record, as at acceptance [R15].
    assert list(Alert.objects.values_list("kind", flat=True)) == ["blacklisted_staff_attempt"] * 2
    assert set(Alert.objects.values_list("facility__code", flat=True)) == {"SH-HUB-01"}
    assert AuditEntry.objects.filter(action="screening.denied", target_repr="E1002").count() == 2


def test_a_regional_blacklist_entry_bars_the_operator_too(world, client_for, waybill):
    entry = blacklist_post(client_for("other_regulator"), subject="STAFF", id_type=world.zto_screener_staff.id_type,
                           id_number=world.zto_screener_staff.id_number, reason="违规操作")
    assert entry.status_code == 201, entry.content
    response = post(client_for("screener"), screening_body(waybill, "SUSPECT"))
    assert response.status_code == 403
    assert response.json()["errors"][0]["code"] == "staff_blacklisted"


@pytest.mark.parametrize(("changes", "code", "attr"), [
    ({"result": "MAYBE"}, "invalid_choice", "result"),
    ({"result": "clear"}, "invalid_choice", "result"),
    ({"image_sha256": "xyz"}, "invalid", "image_sha256"),
    ({"image_sha256": "ab" * 31}, "invalid", "image_sha256"),
    ({"image_sha256": "ab" * 33}, "invalid", "image_sha256"),
    ({"screened_at": "yesterday"}, "invalid", "screened_at"),
], ids=["result", "result-case", "sha-chars", "sha-short", "sha-long", "screened-at"])
def test_malformed_input_is_400_and_nothing_is_recorded(world, client_for, waybill, changes, code, attr):
    response = post(client_for("screener"), {**screening_body(waybill, "SUSPECT"), **changes})
    assert_error(response, 400, code, attr)
    assert_nothing_recorded()


@pytest.mark.parametrize(("field", "kind"), [
    ("waybill_no", "screener"), ("facility", "screener"), ("machine_id", "screener"), ("result", "screener"),
    ("image_ref", "screener"), ("image_sha256", "screener"), ("screened_at", "screener"),
    ("operator", "device"),  # an account's operator is itself; a scanner must say who operated the machine
])
def test_a_missing_field_is_required(world, client_for, waybill, field, kind):
    body = screening_body(waybill, "SUSPECT")
    del body[field]
    response = post(client_for(kind), body)
    assert_error(response, 400, "required", field)
    assert response.json()["type"] == "validation_error"
    assert_nothing_recorded()


# --- who may record ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["outlet_staff", "supervisor", "regulator", "other_supervisor",
                                  "other_regulator", "other_outlet_staff"])
def test_other_roles_may_not_record_screenings(world, client_for, waybill, kind):
    response = post(client_for(kind), screening_body(waybill, "SUSPECT"))
    assert response.status_code == 403, response.content
    assert response.json()["type"] == "client_error"
    assert_nothing_recorded()


def test_anonymous_is_401(world, client_for, waybill):
    response = post(client_for("anonymous"), screening_body(waybill, "SUSPECT"))
    assert response.status_code == 401
    assert_nothing_recorded()


def test_a_superuser_may_record_at_any_hub(world, client_for, waybill):
    response = post(client_for("superuser"), screening_body(waybill, "CLEAR"))
    assert response.status_code == 201, response.content
    assert Screening.objects.get().recorded_by == "root"


def test_get_is_not_allowed(world, client_for):
    assert client_for("screener").get(SCREENINGS).status_code == 405


def test_response_carries_no_personal_data(world, client_for, waybill):
    response = post(client_for("screener"), screening_body(waybill, "SUSPECT"))
    body = response.content.decode()
    for value in (acceptance_body()["sender"]["name"], acceptance_body()["sender"]["id_number"], "13800138000"):
        assert value not in body
