"""POST /api/v1/parcels/{waybill_no}/reveal/ — the unmasked sender and recipient, for a stated reason, to supervisors
and regulators in scope; the audit entry is written in the same transaction: no audit entry, no reveal [R17][R18]."""
from __future__ import annotations

import json

import pytest

from apps.audit.models import AuditEntry
from apps.parcels import services
from tests.helpers import SENDER_ID, accept, acceptance_body, acceptance_post, assert_no_plaintext

pytestmark = pytest.mark.django_db

REASON = "公安机关协查（沪公刑协 2026-118）"


def reveal_url(waybill_no: str) -> str:
    return f"/api/v1/parcels/{waybill_no}/reveal/"


def reveal(client, waybill_no: str, reason=REASON, **extra):
    body = {} if reason is None else {"reason": reason}
    return client.post(reveal_url(waybill_no), {**body, **extra}, format="json")


def reveals():
    return AuditEntry.objects.filter(action="pii.reveal")


@pytest.fixture
def waybill(world, client_for):
    return accept(client_for("outlet_staff"))["waybill_no"]


@pytest.mark.parametrize("kind", ["supervisor", "regulator", "superuser"])
def test_reveal_returns_the_exact_personal_data(world, client_for, waybill, kind):
    response = reveal(client_for(kind), waybill)

    assert response.status_code == 200, response.content
    data = response.json()
    assert data["waybill_no"] == waybill
    sender = data["sender"]
    assert (sender["kind"], sender["name"], sender["id_type"], sender["id_number"]) == (
        "PERSON", "张三", "RESIDENT_ID", SENDER_ID)
    assert sender["phone"] == "+8613800138000"  # stored and shown in E.164, as normalised at acceptance
    assert sender["address"] == "上海市浦东新区世纪大道1号"
    assert data["recipient"] == {"name": "李四", "phone": "+8613900139000", "address": "南京市玄武区中山路1号",
                                 "region_code": "320102"}


def test_the_response_is_not_cached(world, client_for, waybill):
    response = reveal(client_for("supervisor"), waybill)

    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"


def test_the_reveal_is_audited_with_reason_and_request_id(world, client_for, waybill):
    response = reveal(client_for("supervisor"), waybill, legal_basis="《邮政法》第三十五条",
                      case_reference="沪公刑协 2026-118")

    [entry] = reveals()
    assert entry.actor == "zto_supervisor" and entry.actor_user == world.users["supervisor"]
    assert entry.reason == REASON and entry.target_repr == waybill and entry.target_type == "parcels.parcel"
    assert entry.organization == world.zto and entry.province == "310000"
    assert entry.request_id and entry.request_id == response["X-Request-ID"]
    assert entry.data["fields"] == ["sender", "recipient"]
    assert (entry.data["legal_basis"], entry.data["case_reference"]) == ("《邮政法》第三十五条", "沪公刑协 2026-118")
    recorded = json.dumps(entry.data, ensure_ascii=False) + entry.target_repr + entry.reason
    assert_no_plaintext(recorded)


def test_the_request_id_the_client_sent_is_the_one_audited(world, client_for, waybill):
    response = client_for("regulator").post(reveal_url(waybill), {"reason": REASON}, format="json",
                                            HTTP_X_REQUEST_ID="case-2026-118-req-1")

    assert response.status_code == 200
    assert response["X-Request-ID"] == "case-2026-118-req-1"
    assert reveals().get().request_id == "case-2026-118-req-1"


def test_every_reveal_is_a_new_entry(world, client_for, waybill):
    client = client_for("supervisor")
    first, second = reveal(client, waybill), reveal(client, waybill, reason="第二次核查：收件人地址")

    assert first.status_code == second.status_code == 200
    assert sorted(e.reason for e in reveals()) == sorted([REASON, "第二次核查：收件人地址"])
    assert {e.request_id for e in reveals()} == {first["X-Request-ID"], second["X-Request-ID"]}


@pytest.mark.parametrize("reason", [None, "", "   ", "why"])
def test_no_reason_no_reveal_and_no_entry(world, client_for, waybill, reason):
    response = reveal(client_for("supervisor"), waybill, reason=reason)

    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["attr"] == "reason"
    assert error["code"] in {"required", "blank", "reason_required"}
    assert not reveals().exists()
    assert_no_plaintext(response)


@pytest.mark.parametrize("kind", ["other_supervisor", "other_regulator"])
def test_out_of_scope_is_404_and_not_audited(world, client_for, waybill, kind):
    response = reveal(client_for(kind), waybill)

    assert response.status_code == 404
    assert not reveals().exists()
    assert_no_plaintext(response)


def test_out_of_scope_without_a_reason_is_still_404(world, client_for, waybill):
    """Scope first: a missing reason must not confirm that another company's waybill exists."""
    assert reveal(client_for("other_supervisor"), waybill, reason=None).status_code == 404


def test_unknown_waybill_is_404(world, client_for):
    assert reveal(client_for("supervisor"), "ZTO0000000000").status_code == 404
    assert not reveals().exists()


@pytest.mark.parametrize(("kind", "expected"), [
    ("outlet_staff", 403), ("other_outlet_staff", 403), ("screener", 403), ("device", 403), ("anonymous", 401),
])
def test_who_may_not_reveal(world, client_for, waybill, kind, expected):
    response = reveal(client_for(kind), waybill)

    assert response.status_code == expected
    assert not reveals().exists()
    assert_no_plaintext(response)


def test_a_reveal_only_via_post(world, client_for, waybill):
    client = client_for("supervisor")

    assert client.get(reveal_url(waybill)).status_code == 405
    assert not reveals().exists()


def test_when_the_audit_entry_cannot_be_written_nothing_is_revealed(world, client_for, waybill, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken)
    client = client_for("supervisor")
    client.raise_request_exception = False

    response = reveal(client, waybill)

    assert response.status_code == 500
    assert_no_plaintext(response)
    assert not reveals().exists()


def test_when_the_audit_entry_cannot_be_written_the_exception_surfaces(world, client_for, waybill, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(services, "audit_record", broken)

    with pytest.raises(RuntimeError, match="audit log unavailable"):
        reveal(client_for("supervisor"), waybill)


def test_a_failure_after_the_audit_entry_rolls_it_back_with_the_reveal(world, client_for, waybill, monkeypatch):
    """Audit and reveal are one transaction: a reveal that fails leaves no entry claiming data was disclosed."""
    from apps.parcels.models import AcceptanceRecord

    def broken(self):
        raise RuntimeError("decryption failed")

    monkeypatch.setattr(AcceptanceRecord, "unmasked_recipient", property(broken))
    client = client_for("supervisor")
    client.raise_request_exception = False

    response = reveal(client, waybill)

    assert response.status_code == 500
    assert_no_plaintext(response)
    assert not reveals().exists()


def test_reveal_shows_the_senders_details_as_given_for_that_parcel(world, client_for):
    """[R1] A sender who later gives a new phone and address keeps the old ones on the earlier parcel."""
    outlet = client_for("outlet_staff")
    first = acceptance_post(outlet).json()["waybill_no"]
    moved = acceptance_body(sender={"phone": "13911112222", "address": "上海市黄浦区新地址9号"})
    second = acceptance_post(outlet, moved).json()["waybill_no"]
    supervisor = client_for("supervisor")

    def sender(waybill):
        response = supervisor.post(f"/api/v1/parcels/{waybill}/reveal/", {"reason": "history check"}, format="json")
        return response.json()["sender"]

    assert (sender(first)["phone"], sender(first)["address"]) == ("+8613800138000", acceptance_body()["sender"]["address"])
    assert (sender(second)["phone"], sender(second)["address"]) == ("+8613911112222", "上海市黄浦区新地址9号")
    assert sender(first)["id_number"] == sender(second)["id_number"]  # one person, one Sender
    trace = supervisor.get(f"/api/v1/parcels/{first}/trace/").json()
    assert trace["sender"]["phone"] == "138****8000"
