"""POST /api/v1/senders/search/ — find a sender by identity document or phone through the blind index [R16], with
their parcels in the searcher's scope; every search audited with who, why and what (masked, never in clear)."""
from __future__ import annotations

import json

import pytest

from apps.audit.models import AuditEntry
from greenshield import crypto, masking
from greenshield.identity import identity_index_value
from tests.helpers import SENDER_ID, accept, acceptance_body, acceptance_post, assert_no_plaintext

pytestmark = pytest.mark.django_db

URL = "/api/v1/senders/search/"
REASON = "核查可疑寄件人（案件 2026-017）"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def search(client, **body):
    return client.post(URL, {"reason": REASON, **body}, format="json")


def by_id(number=SENDER_ID, id_type="RESIDENT_ID"):
    return {"id_type": id_type, "id_number": number}


@pytest.fixture
def zto_parcels(world, client_for):
    outlet = client_for("outlet_staff")
    return [accept(outlet)["waybill_no"] for _ in range(2)]


@pytest.mark.parametrize("number", [SENDER_ID, SENDER_ID.lower(), SENDER_ID.translate(FULL_WIDTH),
                                    SENDER_ID.lower().translate(FULL_WIDTH), f" {SENDER_ID} "],
                         ids=["as-is", "lower-x", "full-width", "full-width-lower-x", "spaces"])
def test_search_by_identity_document(world, client_for, zto_parcels, number):
    assert SENDER_ID.endswith("X")  # so that the lower-case variant means something

    response = search(client_for("supervisor"), **by_id(number))

    assert response.status_code == 200, response.content
    [sender] = response.json()["results"]
    assert sender["name"] == "张*" and sender["id_type"] == "RESIDENT_ID"
    assert sender["id_number"] == masking.mask_id_number(SENDER_ID) and sender["phone"] == "138****8000"
    assert sorted(p["waybill_no"] for p in sender["parcels"]) == sorted(zto_parcels)
    assert all(p["outlet"] == "SH-PD-01" and p["status"] == "ACCEPTED" and p["accepted_at"] for p in sender["parcels"])
    assert response["Cache-Control"] == "no-store"
    assert_no_plaintext(response.content)


@pytest.mark.parametrize("phone", ["13800138000", "+8613800138000", "+86 138 0013 8000", "008613800138000"])
def test_search_by_phone(world, client_for, zto_parcels, phone):
    response = search(client_for("regulator"), phone=phone)

    assert response.status_code == 200, response.content
    [sender] = response.json()["results"]
    assert sender["phone"] == "138****8000"
    assert sorted(p["waybill_no"] for p in sender["parcels"]) == sorted(zto_parcels)
    assert_no_plaintext(response.content)


def test_parcels_are_newest_first(world, client_for, zto_parcels):
    [sender] = search(client_for("supervisor"), **by_id()).json()["results"]

    times = [p["accepted_at"] for p in sender["parcels"]]
    assert [p["waybill_no"] for p in sender["parcels"]] == zto_parcels[::-1] and times == sorted(times, reverse=True)


def test_nobody_matches(world, client_for, zto_parcels):
    assert search(client_for("supervisor"), phone="13911112222").json() == {"results": []}
    assert search(client_for("supervisor"), **by_id(id_type="PASSPORT", number="E12345678")).json() == {"results": []}


def test_another_company_finds_nothing_of_a_sender_it_never_served(world, client_for, zto_parcels):
    for kind in ("other_supervisor", "other_regulator"):
        by_document = search(client_for(kind), **by_id())
        by_phone = search(client_for(kind), phone="13800138000")

        assert by_document.status_code == by_phone.status_code == 200
        assert by_document.json() == by_phone.json() == {"results": []}


def test_a_sender_served_by_both_companies_shows_each_only_its_own_parcels(world, client_for, zto_parcels):
    yto_parcel = accept(client_for("other_outlet_staff"))["waybill_no"]

    [seen_by_yto] = search(client_for("other_supervisor"), **by_id()).json()["results"]
    [seen_by_zto] = search(client_for("supervisor"), **by_id()).json()["results"]
    [seen_by_jiangsu] = search(client_for("other_regulator"), phone="13800138000").json()["results"]

    assert [p["waybill_no"] for p in seen_by_yto["parcels"]] == [yto_parcel]
    assert [p["waybill_no"] for p in seen_by_jiangsu["parcels"]] == [yto_parcel]
    assert sorted(p["waybill_no"] for p in seen_by_zto["parcels"]) == sorted(zto_parcels)
    assert seen_by_yto["id"] == seen_by_zto["id"]  # one sender, deduplicated


def test_a_sender_refused_at_acceptance_is_found_without_parcels(world, client_for):
    body = acceptance_body(inspection={"sender_present": True, "result": "REFUSED_BY_SENDER", "notes": ""})
    refused = acceptance_post(client_for("outlet_staff"), body)
    assert refused.status_code == 201 and refused.json()["outcome"] == "REFUSED"

    [sender] = search(client_for("supervisor"), **by_id()).json()["results"]

    assert sender["parcels"] == []


@pytest.mark.parametrize("body", [{"id_type": "RESIDENT_ID", "id_number": SENDER_ID}, {"phone": "13800138000"}])
@pytest.mark.parametrize("reason", [None, "", "   ", "why"])
def test_a_reason_is_required(world, client_for, zto_parcels, body, reason):
    payload = dict(body) if reason is None else {**body, "reason": reason}

    response = client_for("supervisor").post(URL, payload, format="json")

    assert response.status_code == 400
    assert [e["attr"] for e in response.json()["errors"]] == ["reason"]
    assert response.json()["errors"][0]["code"] in ({"required"} if reason is None else {"blank", "min_length"})
    assert not AuditEntry.objects.filter(action="sender.search").exists()
    assert_no_plaintext(response.content)


@pytest.mark.parametrize("body", [{}, {"id_type": "RESIDENT_ID"}, {"id_number": ""}, {"phone": ""}])
def test_neither_document_nor_phone_is_400(world, client_for, body):
    response = search(client_for("supervisor"), **body)

    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert not AuditEntry.objects.filter(action="sender.search").exists()


def test_a_number_without_its_type_is_400_required(world, client_for):
    response = search(client_for("supervisor"), id_number=SENDER_ID)

    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "required" and response.json()["errors"][0]["attr"] == "id_type"
    assert_no_plaintext(response.content)


def test_malformed_inputs_are_400_with_their_code(world, client_for):
    client = client_for("supervisor")

    bad_number = search(client, **by_id(SENDER_ID[:-1] + "0"))
    bad_phone = search(client, phone="12345")

    assert (bad_number.status_code, bad_number.json()["errors"][0]["code"]) == (400, "invalid_id_number")
    assert (bad_phone.status_code, bad_phone.json()["errors"][0]["code"]) == (400, "invalid_phone")
    assert SENDER_ID[:-1].encode() not in bad_number.content


def _search_entry():
    [entry] = AuditEntry.objects.filter(action="sender.search")
    return entry


def test_a_search_by_document_is_audited_without_the_plaintext(world, client_for, zto_parcels):
    response = search(client_for("supervisor"), **by_id(SENDER_ID.lower()))
    [sender] = response.json()["results"]

    entry = _search_entry()
    assert entry.actor == "zto_supervisor" and entry.reason == REASON
    assert entry.request_id and entry.request_id == response["X-Request-ID"]
    assert entry.data["by"] == "id_number" and entry.data["id_type"] == "RESIDENT_ID"
    assert entry.data["value"] == masking.mask_id_number(SENDER_ID)
    assert entry.data["index"] == crypto.blind_index(crypto.current_keyring(), identity_index_value("RESIDENT_ID", SENDER_ID),
                                                index="identity")
    assert entry.data["matches"] == 1 and sender["id"] in entry.target_id
    recorded = json.dumps(entry.data, ensure_ascii=False) + entry.target_repr + entry.target_id + entry.reason
    for plaintext in (SENDER_ID, SENDER_ID.lower(), SENDER_ID[:-1], "13800138000", "张三"):
        assert plaintext not in recorded


def test_a_search_by_phone_is_audited_without_the_plaintext(world, client_for, zto_parcels):
    search(client_for("regulator"), phone="+86 138 0013 8000")

    entry = _search_entry()
    assert entry.actor == "sh_regulator" and entry.province == "310000"
    assert entry.data["by"] == "phone" and entry.data["value"] == "138****8000"
    assert entry.data["index"] == crypto.blind_index(crypto.current_keyring(), "+8613800138000", index="phone")
    recorded = json.dumps(entry.data, ensure_ascii=False) + entry.target_repr + entry.target_id
    assert "13800138000" not in recorded and "0013" not in recorded


def test_the_same_value_gives_the_same_index_whatever_its_form(world, client_for, zto_parcels):
    client = client_for("supervisor")
    search(client, **by_id(SENDER_ID))
    search(client, **by_id(SENDER_ID.lower().translate(FULL_WIDTH)))
    search(client, phone="13800138000")
    search(client, phone="+8613800138000")

    entries = AuditEntry.objects.filter(action="sender.search").order_by("at")
    assert len({e.data["index"] for e in entries[:2]}) == 1 and len({e.data["index"] for e in entries[2:]}) == 1


def test_a_search_that_finds_nothing_is_audited_too(world, client_for, zto_parcels):
    search(client_for("other_supervisor"), **by_id())

    entry = _search_entry()
    assert entry.actor == "yto_supervisor" and entry.data["matches"] == 0 and entry.target_id == ""


@pytest.mark.parametrize(("kind", "expected"), [
    ("outlet_staff", 403), ("screener", 403), ("device", 403), ("other_device", 403), ("anonymous", 401),
])
def test_who_may_not_search(world, client_for, zto_parcels, kind, expected):
    response = search(client_for(kind), **by_id())

    assert response.status_code == expected
    assert not AuditEntry.objects.filter(action="sender.search").exists()
    assert_no_plaintext(response.content)
