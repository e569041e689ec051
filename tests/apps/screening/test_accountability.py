"""The responsible person is the authenticated one (人员责任可倒查): a screener's screening names the screener's own
staff member, whatever the body says; a scanner's names an active staff member of its facility; a suspended,
departed or blacklisted member can neither screen nor open a held parcel — and every refused attempt is a fact,
recorded with an alert and an audit entry."""
from __future__ import annotations

import pytest

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.models import CheckpointEvent
from apps.screening.models import Resolution, Screening
from tests.factories import StaffFactory
from tests.helpers import accept, screening_body

pytestmark = pytest.mark.django_db
SCREENINGS = "/api/v1/screenings/"


@pytest.fixture
def waybill(world, client_for):
    return accept(client_for("outlet_staff"))["waybill_no"]


@pytest.fixture
def colleague(world):
    """Another active screener at the same hub, E1003."""
    return StaffFactory(employee_no="E1003", organization=world.zto, facility=world.zto_hub)


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def blacklist(client_for, employee_no: str):
    response = client_for("supervisor").post("/api/v1/blacklist/", {"subject": "STAFF", "employee_no": employee_no,
                                                                    "reason": "违规操作"}, format="json")
    assert response.status_code == 201, response.content


def test_a_blacklisted_screener_cannot_screen_by_naming_a_colleague(world, client_for, waybill, colleague):
    """The issue's case 1: E1002 is blacklisted; posting as E1003 was a 201 naming E1003 as responsible."""
    blacklist(client_for, "E1002")
    as_colleague = client_for("screener").post(SCREENINGS, screening_body(waybill, "CLEAR", operator="E1003"),
                                               format="json")
    assert as_colleague.status_code == 403 and codes(as_colleague) == ["operator_mismatch"]
    as_self = client_for("screener").post(SCREENINGS, screening_body(waybill, "CLEAR", operator=None), format="json")
    assert as_self.status_code == 403 and codes(as_self) == ["staff_blacklisted"]

    assert not Screening.objects.exists() and not CheckpointEvent.objects.filter(type="SCREENED").exists()
    denied = AuditEntry.objects.filter(action="screening.denied").order_by("at")
    assert [e.data["reason"] for e in denied] == ["operator_mismatch", "staff_blacklisted"]
    assert all(e.actor == "zto_screener" and e.province == "310000" for e in denied)
    assert {a.kind for a in Alert.objects.all()} == {"operator_mismatch", "blacklisted_staff_attempt"}


def test_an_account_screens_in_its_own_name_with_or_without_operator(world, client_for, waybill):
    for operator in (None, "", "E1002"):
        body = screening_body(waybill, "CLEAR", operator=operator)
        if operator is None:
            del body["operator"]
        response = client_for("screener").post(SCREENINGS, body, format="json")
        assert response.status_code == 201, response.content
        assert Screening.objects.get(pk=response.json()["id"]).operator.employee_no == "E1002"


@pytest.mark.parametrize("status", ["SUSPENDED", "LEFT"])
def test_a_screener_not_in_good_standing_is_refused_and_recorded(world, client_for, waybill, status):
    world.zto_screener_staff.status = status
    world.zto_screener_staff.save(update_fields=["status"])
    response = client_for("screener").post(SCREENINGS, screening_body(waybill, "CLEAR"), format="json")

    assert response.status_code == 403 and codes(response) == ["staff_inactive"]
    assert AuditEntry.objects.get(action="screening.denied").data["reason"] == "staff_inactive"
    assert Alert.objects.get().kind == "inactive_staff_attempt"
    assert not Screening.objects.exists()


def test_a_scanner_names_an_active_staff_member_of_its_facility(world, client_for, waybill, colleague):
    device = client_for("device")  # the ZTO hub's scanner
    missing = screening_body(waybill, "CLEAR")
    del missing["operator"]
    response = device.post(SCREENINGS, missing, format="json")
    assert response.status_code == 400 and (codes(response), response.json()["errors"][0]["attr"]) == (
        ["required"], "operator")
    for stranger in ("E1001", "E2001", "E9999"):  # another facility's, another company's, nobody's
        response = device.post(SCREENINGS, screening_body(waybill, "CLEAR", operator=stranger), format="json")
        assert response.status_code == 400 and codes(response) == ["unknown_operator"], stranger
    colleague.status = "LEFT"
    colleague.save(update_fields=["status"])
    response = device.post(SCREENINGS, screening_body(waybill, "CLEAR", operator="E1003"), format="json")
    assert response.status_code == 403 and codes(response) == ["staff_inactive"]
    ok = device.post(SCREENINGS, screening_body(waybill, "CLEAR", operator="E1002"), format="json")
    assert ok.status_code == 201 and Screening.objects.get().operator.employee_no == "E1002"


def test_opening_a_held_parcel_needs_good_standing_and_names_the_staff_member(world, client_for, waybill):
    held = client_for("screener").post(SCREENINGS, screening_body(waybill, "SUSPECT"), format="json").json()
    url = f"/api/v1/screenings/{held['id']}/resolution/"
    blacklist(client_for, "E1002")

    refused = client_for("screener").post(url, {"result": "CLEARED", "notes": "开箱复检"}, format="json")
    assert refused.status_code == 403 and codes(refused) == ["staff_blacklisted"]
    assert AuditEntry.objects.get(action="screening.resolve_denied").data["reason"] == "staff_blacklisted"
    assert not Resolution.objects.exists()

    cleared = client_for("supervisor").post(url, {"result": "CLEARED", "notes": "开箱复检"}, format="json")
    assert cleared.status_code == 201, cleared.content
    assert cleared.json()["staff"] is None  # the supervisor's account is no staff member


def test_a_screeners_recheck_names_their_staff_member(world, client_for, waybill):
    held = client_for("screener").post(SCREENINGS, screening_body(waybill, "SUSPECT"), format="json").json()
    response = client_for("screener").post(f"/api/v1/screenings/{held['id']}/resolution/",
                                           {"result": "SEIZED", "notes": "管制刀具"}, format="json")
    assert response.status_code == 201 and response.json()["staff"] == "E1002"
    assert Resolution.objects.get().staff.employee_no == "E1002"
    assert CheckpointEvent.objects.get(type="RECHECKED").courier.employee_no == "E1002"
