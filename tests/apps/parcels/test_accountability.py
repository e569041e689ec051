"""Acceptance names the authenticated outlet staff member, who must be in good standing; the shared sender record
is nobody's to overwrite; and no answer tells a company whether another company's waybill exists."""
from __future__ import annotations

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.models import AcceptanceRecord, Parcel
from apps.senders.models import Sender
from greenshield.identity import make_resident_id
from tests.factories import StaffFactory
from tests.helpers import SENDER_ID, acceptance_body

pytestmark = pytest.mark.django_db
ACCEPTANCES = "/api/v1/acceptances/"
REASON = "投诉核查 complaint 311"


def post(client, **overrides):
    return client.post(ACCEPTANCES, acceptance_body(**overrides), format="json")


def codes(response) -> list[tuple[str, str | None]]:
    return [(e["code"], e["attr"]) for e in response.json()["errors"]]


@pytest.mark.parametrize("status", ["LEFT", "SUSPENDED"])
def test_staff_who_left_or_are_suspended_cannot_accept(world, client_for, status):
    """The issue's case 2: after PATCH /staff/E1001/ {"status": "LEFT"} the linked account still accepted."""
    patched = client_for("superuser").patch("/api/v1/staff/E1001/", {"status": status}, format="json")
    assert patched.status_code == 200, patched.content

    response = post(client_for("outlet_staff"))
    assert response.status_code == 403 and codes(response) == [("staff_inactive", None)]
    assert not AcceptanceRecord.objects.exists() and not Parcel.objects.exists()
    denied = AuditEntry.objects.get(action="acceptance.denied")
    assert (denied.actor, denied.data["reason"], denied.province) == ("zto_outlet", "staff_inactive", "310000")
    assert Alert.objects.get().kind == "inactive_staff_attempt"


def test_an_account_not_linked_to_staff_of_its_outlet_cannot_accept(world, client_for):
    account = world.users["outlet_staff"]
    account.staff = StaffFactory(employee_no="E1077", organization=world.zto, facility=world.zto_hub)
    account.save(update_fields=["staff"])
    response = post(client_for("outlet_staff"))
    assert response.status_code == 403 and codes(response) == [("staff_not_linked", None)]


def test_create_account_links_outlet_staff_and_screeners_to_staff_of_their_own_facility(world):
    password = ["--password", "a-long-enough-pw-42"]
    with pytest.raises(CommandError, match="--employee-no"):
        call_command("create_account", "x1", "--role", "outlet_staff", "--facility", "SH-PD-01", *password)
    StaffFactory(employee_no="E1088", organization=world.zto, facility=world.zto_hub)
    with pytest.raises(CommandError, match="another facility"):
        call_command("create_account", "x2", "--role", "outlet_staff", "--facility", "SH-PD-01", "--employee-no",
                     "E1088", *password)
    call_command("create_account", "x3", "--role", "screener", "--facility", "SH-HUB-01", "--employee-no", "E1088",
                 *password)


def test_a_refused_or_mismatched_attempt_never_changes_the_sender(world, client_for):
    """The issue's case 5: an impostor at another company typed their own phone under the real sender's ID."""
    genuine = post(client_for("outlet_staff"), waybill_no="ZTO0000000100")
    assert genuine.json()["outcome"] == "ACCEPTED"
    sender = Sender.objects.get()
    impostor = {"kind": "PERSON", "name": "冒名者", "id_type": "RESIDENT_ID", "id_number": SENDER_ID,
                "phone": "13711112222", "address": "南京市玄武区冒名路1号"}
    for identity_matched in (False, True):  # refused for the mismatch, then refused for a prohibited item
        body = {"sender": impostor, "verification": {"method": "MANUAL_CHECK", "identity_matched": identity_matched}}
        if identity_matched:
            body["inspection"] = {"sender_present": True, "result": "PROHIBITED_FOUND", "notes": ""}
        refused = post(client_for("other_outlet_staff"), **body)
        assert refused.json()["outcome"] == "REFUSED", refused.content

    sender.refresh_from_db()
    assert Sender.objects.count() == 1
    assert (sender.name, sender.phone, sender.address) == ("张三", "+8613800138000", "上海市浦东新区世纪大道1号")
    # What each attempt gave is kept with the attempt.
    assert {r.given_sender_phone for r in AcceptanceRecord.objects.all()} == {"+8613800138000", "+8613711112222"}


def test_a_phone_search_finds_the_sender_by_any_phone_given_in_the_searchers_scope(world, client_for):
    post(client_for("outlet_staff"), waybill_no="ZTO0000000101")
    new_phone = {**acceptance_body()["sender"], "phone": "13655556666"}
    post(client_for("outlet_staff"), waybill_no="ZTO0000000102", sender=new_phone)  # the same person, a new phone
    other = {**acceptance_body()["sender"], "phone": "13599998888"}
    post(client_for("other_outlet_staff"), waybill_no="YTO0000000103", sender=other)  # given at YTO only

    def found(kind, phone):
        response = client_for(kind).post("/api/v1/senders/search/", {"phone": phone, "reason": REASON},
                                         format="json")
        assert response.status_code == 200, response.content
        return [(row["id"], sorted(p["waybill_no"] for p in row["parcels"])) for row in response.json()["results"]]

    sender = str(Sender.objects.get().pk)
    assert found("supervisor", "13800138000") == [(sender, ["ZTO0000000101", "ZTO0000000102"])]
    assert found("supervisor", "13655556666") == [(sender, ["ZTO0000000101", "ZTO0000000102"])]
    assert found("supervisor", "13599998888") == []  # that phone was given to another company only
    assert found("other_supervisor", "13599998888") == [(sender, ["YTO0000000103"])]
    assert found("other_supervisor", "13800138000") == []


def test_no_answer_tells_a_company_whether_another_companys_waybill_exists(world, client_for):
    """The issue's case 6: a company's waybills carry its prefix; any other waybill gets the same refusal whether
    or not another company holds it."""
    assert post(client_for("outlet_staff"), waybill_no="ZTO0000000200").json()["outcome"] == "ACCEPTED"

    existing = post(client_for("other_outlet_staff"), waybill_no="ZTO0000000200")
    missing = post(client_for("other_outlet_staff"), waybill_no="ZTO0000000201")
    assert existing.status_code == missing.status_code == 400
    assert codes(existing) == codes(missing) == [("invalid_waybill", "waybill_no")]
    assert existing.json() == missing.json()
    own = post(client_for("other_outlet_staff"), waybill_no="YTO0000000200")
    assert own.status_code == 201


def test_server_waybills_carry_the_company_prefix(world, client_for):
    assigned = post(client_for("other_outlet_staff")).json()["waybill_no"]
    assert assigned.startswith("YTO") and assigned[3:9] == timezone.localdate().strftime("%y%m%d")


def test_waybill_prefixes_may_not_overlap(world, client_for):
    client = client_for("superuser")
    body = {"code": "ZT", "name": "新快递", "license_no": "L-1", "province": "310000"}
    clash = client.post("/api/v1/organizations/", body, format="json")
    assert clash.status_code == 400 and codes(clash) == [("waybill_prefix_conflict", "waybill_prefix")]
    ok = client.post("/api/v1/organizations/", {**body, "waybill_prefix": "JD"}, format="json")
    assert ok.status_code == 201 and ok.json()["waybill_prefix"] == "JD"


def test_a_genuine_acceptance_elsewhere_is_found_under_its_own_identity(world, client_for):
    """Two people: the impostor's own document makes a sender of its own."""
    other_id = make_resident_id("320102", datetime.date(1988, 3, 4), 55)
    body = {**acceptance_body()["sender"], "id_number": other_id, "name": "李四"}
    post(client_for("other_outlet_staff"), sender=body)
    post(client_for("outlet_staff"))
    assert Sender.objects.count() == 2
