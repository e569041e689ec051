"""POST /api/v1/acceptances/ and GET /api/v1/prohibited-categories/ — the outlet's real-name acceptance.

Every decision rule through the API [R5][R8][R9][R15], every document type's valid and invalid numbers
[R3][R4], the contract's 400 codes with nothing stored, who may accept, and responses that never carry a
sender's or recipient's plaintext. The request body of every test comes from ``tests.helpers.acceptance_body``.
"""
from __future__ import annotations

import datetime

import pytest

from apps.audit.models import AuditEntry
from apps.compliance.models import Alert
from apps.parcels.chain import chain_verify
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel
from apps.senders.models import Sender
from greenshield.enums import Role
from greenshield.identity import make_resident_id, resident_id_check_digit
from tests.factories import StaffFactory, UserFactory
from tests.helpers import (
    API,
    OTHER_ID,
    RECIPIENT,
    SENDER,
    SENDER_ID,
    acceptance_body,
    acceptance_post,
    assert_error,
    assert_no_plaintext,
    assert_nothing_stored,
    blacklist_post,
    error_pairs,
    plaintexts,
    token_client,
)

CATEGORIES = f"{API}/prohibited-categories/"

# Longer names and addresses than the default people's, so that the masks' lengths are tested.
LONG_SENDER = {**SENDER, "name": "甄寄件", "id_number": make_resident_id("310115", datetime.date(1985, 6, 15), 9),
               "address": "上海市浦东新区测试路88弄7号"}
LONG_RECIPIENT = {**RECIPIENT, "name": "贾收件人", "address": "南京市玄武区样例街12号"}


pytestmark = pytest.mark.django_db


# --- the decision rules ------------------------------------------------------------------------------------


def test_pass_is_accepted_with_parcel_chain_and_audit(world, client_for):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(waybill_no="ZTO0000000001"))

    assert response.status_code == 201, response.content
    data = response.json()
    assert data["outcome"] == "ACCEPTED" and data["refusal_reason"] is None
    assert data["waybill_no"] == "ZTO0000000001" and data["accepted_at"]
    assert (data["outlet"], data["accepted_by"]) == ("SH-PD-01", "E1001")
    assert data["controls"] == {"inspection": "PASSED", "real_name": "VERIFIED", "screening": "PENDING"}

    record = AcceptanceRecord.objects.get(pk=data["id"])
    parcel = Parcel.objects.get(waybill_no="ZTO0000000001")
    assert parcel.acceptance == record and parcel.outlet == world.zto_outlet and parcel.organization == world.zto
    assert parcel.screening_status == "PENDING" and not parcel.contract_customer
    links = list(CheckpointEvent.objects.filter(parcel=parcel).order_by("seq"))
    assert [link.type for link in links] == ["ACCEPTED", "INSPECTED"]
    assert all(link.courier == world.zto_courier and link.facility == world.zto_outlet for link in links)
    verdict = chain_verify(parcel)
    assert verdict.valid and verdict.length == 2 and verdict.head == parcel.chain_head == links[-1].hash
    audit = AuditEntry.objects.get(action="acceptance.record", target_id=str(record.pk))
    assert audit.actor == "zto_outlet" and audit.data["outcome"] == "ACCEPTED"
    assert not Alert.objects.exists()


def test_waybill_is_assigned_when_omitted(world, client_for):
    response = acceptance_post(client_for("outlet_staff"))

    assert response.status_code == 201, response.content
    waybill = response.json()["waybill_no"]
    assert waybill.startswith("ZTO") and Parcel.objects.filter(waybill_no=waybill).exists()


REFUSALS = {
    "prohibited_found": ({"inspection": {"result": "PROHIBITED_FOUND", "notes": "管制刀具"}},
                         "prohibited_item", "prohibited_item_at_acceptance", "FAILED", "VERIFIED"),
    "declared_prohibited_category": ({"items": [{"name": "书籍", "quantity": 1, "prohibited_category": None},
                                                {"name": "折叠刀", "quantity": 1, "prohibited_category": "02"}]},
                                     "prohibited_item", "prohibited_item_at_acceptance", "PASSED", "VERIFIED"),
    "refused_by_sender": ({"inspection": {"result": "REFUSED_BY_SENDER"}},
                          "inspection_refused", None, "FAILED", "VERIFIED"),
    "identity_mismatch": ({"verification": {"identity_matched": False}},
                          "identity_mismatch", None, "PASSED", "FAILED"),
    "unconfirmable": ({"inspection": {"result": "UNCONFIRMABLE", "notes": "白色粉末"}},
                      "unconfirmable_item", None, "FAILED", "VERIFIED"),
}


@pytest.mark.parametrize(("changes", "reason", "alert", "inspection", "real_name"), REFUSALS.values(), ids=REFUSALS)
def test_refusal_is_recorded_without_parcel(world, client_for, changes, reason, alert, inspection, real_name):
    body = acceptance_body(waybill_no="ZTO0000000002", **changes)
    response = acceptance_post(client_for("outlet_staff"), body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["outcome"], data["refusal_reason"], data["accepted_at"]) == ("REFUSED", reason, None)
    assert data["controls"] == {"inspection": inspection, "real_name": real_name, "screening": "NOT_APPLICABLE"}
    assert not Parcel.objects.exists() and not CheckpointEvent.objects.exists()

    record = AcceptanceRecord.objects.get(pk=data["id"])
    assert (record.outcome, record.refusal_reason, record.outlet, record.staff) == (
        "REFUSED", reason, world.zto_outlet, world.zto_courier)
    assert [(i.name, i.quantity, i.prohibited_category_id) for i in record.items.all()] == [
        (i["name"], i["quantity"], i["prohibited_category"]) for i in body["items"]]
    assert (record.inspection.result, record.inspection.inspector) == (body["inspection"]["result"], world.zto_courier)
    assert record.inspection.sender_present is True
    assert (record.verification.method, record.verification.identity_matched) == (
        "ID_CARD_READER", body["verification"]["identity_matched"])
    assert record.verification.verified_by == world.zto_courier and record.sender.id_number == SENDER_ID
    assert AuditEntry.objects.filter(action="acceptance.record", target_id=str(record.pk)).count() == 1
    alerts = list(Alert.objects.all())
    assert [a.kind for a in alerts] == ([alert] if alert else [])
    for a in alerts:
        assert a.acceptance == record and a.parcel is None and a.facility == world.zto_outlet
    assert_no_plaintext(response)


def test_unconfirmable_item_with_safety_certificate_is_accepted(world, client_for):
    body = acceptance_body(inspection={"result": "UNCONFIRMABLE", "safety_certificate_ref": "SDS-2026-0042"})
    response = acceptance_post(client_for("outlet_staff"), body)

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["outcome"], data["controls"]["inspection"]) == ("ACCEPTED", "PASSED")
    parcel = Parcel.objects.get(waybill_no=data["waybill_no"])
    assert parcel.acceptance.inspection.safety_certificate_ref == "SDS-2026-0042"


def test_refused_waybill_is_not_usable_and_stays_free(world, client_for):
    client = client_for("outlet_staff")
    refused = acceptance_post(client, acceptance_body(waybill_no="ZTO0000000003", inspection={"result": "PROHIBITED_FOUND"}))
    assert refused.json()["outcome"] == "REFUSED"
    assert not Parcel.objects.filter(waybill_no="ZTO0000000003").exists()

    # The refusal made no parcel, so the waybill was never issued: the sender may come back without the item.
    again = acceptance_post(client, acceptance_body(waybill_no="ZTO0000000003"))
    assert again.status_code == 201 and again.json()["outcome"] == "ACCEPTED"
    assert AcceptanceRecord.objects.filter(waybill_no="ZTO0000000003").count() == 2
    assert str(Parcel.objects.get(waybill_no="ZTO0000000003").acceptance_id) == again.json()["id"]


@pytest.mark.parametrize("issuer", ["regulator", "other_regulator"], ids=["shanghai", "jiangsu"])
def test_blacklisted_sender_is_refused_across_the_region(world, client_for, issuer):
    assert blacklist_post(client_for(issuer)).status_code == 201
    # The entry matches the document however the sender's number is typed.
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(sender={"id_number": SENDER_ID.lower()}))

    assert response.status_code == 201, response.content
    assert (response.json()["outcome"], response.json()["refusal_reason"]) == ("REFUSED", "sender_blacklisted")
    assert not Parcel.objects.exists()
    alert = Alert.objects.get()
    assert alert.kind == "blacklisted_sender_attempt" and alert.organization == world.zto


def test_blacklisted_sender_with_prohibited_item_raises_both_alerts(world, client_for):
    blacklist_post(client_for("regulator"))
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(inspection={"result": "PROHIBITED_FOUND"}))

    assert response.json()["refusal_reason"] == "prohibited_item"
    assert sorted(Alert.objects.values_list("kind", flat=True)) == [
        "blacklisted_sender_attempt", "prohibited_item_at_acceptance"]


# --- identity documents [R3][R4] ---------------------------------------------------------------------------

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def _with_check_digit(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def _wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


HK_RESIDENCE_PERMIT = make_resident_id("810000", datetime.date(1990, 3, 3), 5)
TW_RESIDENCE_PERMIT = make_resident_id("830000", datetime.date(1979, 12, 31), 41)
NEW_FOREIGNER_PR = make_resident_id("931560", datetime.date(1975, 8, 9), 7)

VALID_IDS = {
    "resident": ("RESIDENT_ID", OTHER_ID, OTHER_ID),
    "resident-region-newer-than-birth-year": ("RESIDENT_ID", "310115197001010011", "310115197001010011"),
    "resident-lower-case-x": ("RESIDENT_ID", SENDER_ID.lower(), SENDER_ID),
    "resident-full-width": ("RESIDENT_ID", SENDER_ID.translate(FULL_WIDTH), SENDER_ID),
    "resident-spaces": ("RESIDENT_ID", f"{SENDER_ID[:6]} {SENDER_ID[6:14]} {SENDER_ID[14:]}", SENDER_ID),
    "passport": ("PASSPORT", "E12345678", "E12345678"),
    "passport-lower-case": ("PASSPORT", "g1234567", "G1234567"),
    "hk-macao-8": ("HK_MACAO_PERMIT", "H12345678", "H12345678"),
    "hk-macao-10": ("HK_MACAO_PERMIT", "M1234567890", "M1234567890"),
    "taiwan-8": ("TAIWAN_PERMIT", "12345678", "12345678"),
    "taiwan-10": ("TAIWAN_PERMIT", "1234567890", "1234567890"),
    "residence-permit-hk": ("RESIDENCE_PERMIT", HK_RESIDENCE_PERMIT, HK_RESIDENCE_PERMIT),
    "residence-permit-tw": ("RESIDENCE_PERMIT", TW_RESIDENCE_PERMIT, TW_RESIDENCE_PERMIT),
    "foreigner-pr-new": ("FOREIGNER_PR", NEW_FOREIGNER_PR, NEW_FOREIGNER_PR),
    "foreigner-pr-old": ("FOREIGNER_PR", "USA123456789012", "USA123456789012"),
    "military": ("MILITARY_ID", "南字第1234567号", "南字第1234567号"),
    "military-latin": ("MILITARY_ID", "JX20240001", "JX20240001"),
    "other": ("OTHER", "TMP-0001", "TMP-0001"),
}

INVALID_IDS = {
    "resident-check-digit": ("RESIDENT_ID", _wrong_check_digit(OTHER_ID)),
    "resident-non-existent-date": ("RESIDENT_ID", _with_check_digit("31011519900230001")),
    "resident-future-birth": ("RESIDENT_ID", _with_check_digit("31011520900101001")),
    "resident-unknown-province": ("RESIDENT_ID", _with_check_digit("00011519900101001")),
    "resident-17-chars": ("RESIDENT_ID", OTHER_ID[:17]),
    "resident-19-chars": ("RESIDENT_ID", OTHER_ID + "1"),
    "resident-letter": ("RESIDENT_ID", "3101A5" + OTHER_ID[6:]),
    "resident-old-15-digit": ("RESIDENT_ID", "310115850615009"),
    "passport-too-short": ("PASSPORT", "E123"),
    "passport-punctuation": ("PASSPORT", "E1234-5678"),
    "hk-macao-7-digits": ("HK_MACAO_PERMIT", "H1234567"),
    "hk-macao-9-digits": ("HK_MACAO_PERMIT", "H123456789"),
    "hk-macao-prefix": ("HK_MACAO_PERMIT", "C12345678"),
    "taiwan-9-digits": ("TAIWAN_PERMIT", "123456789"),
    "taiwan-letter": ("TAIWAN_PERMIT", "T1234567"),
    "residence-permit-mainland-prefix": ("RESIDENCE_PERMIT", OTHER_ID),
    "residence-permit-check-digit": ("RESIDENCE_PERMIT", _wrong_check_digit(HK_RESIDENCE_PERMIT)),
    "foreigner-pr-new-check-digit": ("FOREIGNER_PR", _wrong_check_digit(NEW_FOREIGNER_PR)),
    "foreigner-pr-new-not-9": ("FOREIGNER_PR", OTHER_ID),
    "foreigner-pr-old-two-letters": ("FOREIGNER_PR", "US1234567890123"),
    "military-too-short": ("MILITARY_ID", "12345"),
    "military-punctuation": ("MILITARY_ID", "军-1234567"),
    "other-too-short": ("OTHER", "AB1"),
    "other-too-long": ("OTHER", "X" * 33),
}


@pytest.mark.parametrize(("id_type", "submitted", "stored"), VALID_IDS.values(), ids=VALID_IDS)
def test_valid_document_is_accepted_in_canonical_form(world, client_for, id_type, submitted, stored):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(sender={"id_type": id_type, "id_number": submitted}))

    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "ACCEPTED"
    sender = Sender.objects.get()
    assert (sender.id_type, sender.id_number) == (id_type, stored)
    assert response.json()["sender"]["id_type"] == id_type
    assert stored not in response.content.decode()


@pytest.mark.parametrize(("id_type", "number"), INVALID_IDS.values(), ids=INVALID_IDS)
def test_invalid_document_is_rejected_and_nothing_stored(world, client_for, id_type, number):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(sender={"id_type": id_type, "id_number": number}))

    assert_error(response, 400, "invalid_id_number", "sender.id_number")
    assert response.json()["type"] == "validation_error"
    if number.strip():
        assert number not in response.content.decode()  # errors never echo personal data
    assert_nothing_stored()


# --- other malformed input: 400 with the contract's code, nothing stored -------------------------------------

BAD_INPUT = {
    "recipient-phone-short": ({"recipient": {"phone": "12345"}}, "invalid_phone", "recipient.phone"),
    "recipient-phone-letter": ({"recipient": {"phone": "1380013800a"}}, "invalid_phone", "recipient.phone"),
    "sender-phone-foreign-stub": ({"sender": {"phone": "+1 555"}}, "invalid_phone", "sender.phone"),
    "sender-phone-zeros": ({"sender": {"phone": "00000000000"}}, "invalid_phone", "sender.phone"),
    "id-type-choice": ({"sender": {"id_type": "DRIVER_LICENSE"}}, "invalid_choice", "sender.id_type"),
    "sender-kind-choice": ({"sender": {"kind": "ROBOT"}}, "invalid_choice", "sender.kind"),
    "inspection-result-choice": ({"inspection": {"result": "OK"}}, "invalid_choice", "inspection.result"),
    "verification-method-choice": ({"verification": {"method": "PHOTO"}}, "invalid_choice", "verification.method"),
    "unknown-category": ({"items": [{"name": "书籍", "quantity": 1, "prohibited_category": "99"}]},
                         "unknown_prohibited_category", "items.0.prohibited_category"),
    "unknown-category-second-item": ({"items": [{"name": "书籍", "quantity": 1},
                                                {"name": "杂物", "quantity": 1, "prohibited_category": "20"}]},
                                     "unknown_prohibited_category", "items.1.prohibited_category"),
}


@pytest.mark.parametrize(("changes", "code", "attr"), BAD_INPUT.values(), ids=BAD_INPUT)
def test_malformed_input_is_rejected_and_nothing_stored(world, client_for, changes, code, attr):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(**changes))

    assert_error(response, 400, code, attr)
    assert_nothing_stored()


REQUIRED = ["sender", "recipient", "items", "weight_g", "verification", "inspection",
            "sender.name", "sender.id_type", "sender.id_number", "sender.phone", "sender.address",
            "recipient.name", "recipient.phone", "recipient.address", "recipient.region_code",
            "items.0.name", "items.0.quantity", "verification.method", "verification.identity_matched",
            "inspection.result", "inspection.sender_present"]


@pytest.mark.parametrize("path", REQUIRED)
def test_missing_field_is_required_at_its_path(world, client_for, path):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(drop=(path,)))

    assert_error(response, 400, "required", path)
    assert_nothing_stored()


@pytest.mark.parametrize("path", ["sender.name", "sender.phone", "sender.address", "recipient.name",
                                  "recipient.address"])
def test_blank_personal_field_is_rejected(world, client_for, path):
    """[R1] acceptance is impossible without the sender's and recipient's name, address and phone."""
    section, field = path.split(".")
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(**{section: {field: ""}}))

    assert response.status_code == 400
    assert path in [attr for _, attr in error_pairs(response)]
    assert_nothing_stored()


def test_empty_items_are_rejected(world, client_for):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(items=[]))

    assert_error(response, 400, "required", "items")
    assert_nothing_stored()


@pytest.mark.parametrize("submitted", ["ZTO0000000009", "zto0000000009"], ids=["same", "lower-case"])
def test_reused_waybill_is_rejected(world, client_for, submitted):
    client = client_for("outlet_staff")
    assert acceptance_post(client, acceptance_body(waybill_no="ZTO0000000009")).status_code == 201
    second = acceptance_body(waybill_no=submitted, sender={"id_number": OTHER_ID, "name": "甄二"})

    assert_error(acceptance_post(client, second), 400, "waybill_exists", "waybill_no")
    assert AcceptanceRecord.objects.count() == Sender.objects.count() == 1


def test_another_companys_outlet_cannot_reuse_a_waybill(world, client_for):
    """Another company's waybill is not this company's to use — refused as any waybill without the company's prefix,
    so the answer does not tell whether it exists (issue 11)."""
    assert acceptance_post(client_for("outlet_staff"), acceptance_body(waybill_no="ZTO0000000010")).status_code == 201

    response = acceptance_post(client_for("other_outlet_staff"), acceptance_body(waybill_no="ZTO0000000010"))
    assert_error(response, 400, "invalid_waybill", "waybill_no")
    assert response.json() == acceptance_post(client_for("other_outlet_staff"),
                                              acceptance_body(waybill_no="ZTO0000000011")).json()


@pytest.mark.parametrize("waybill", ["ZT0", "ZTO-0000-0001", "Z" * 33])
def test_malformed_waybill_is_rejected(world, client_for, waybill):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(waybill_no=waybill))

    assert response.status_code == 400 and ("waybill_no" in [a for _, a in error_pairs(response)])
    assert_nothing_stored()


# --- who may accept --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "status", "code"), [
    ("supervisor", 403, "permission_denied"),
    ("other_supervisor", 403, "permission_denied"),
    ("screener", 403, "permission_denied"),
    ("regulator", 403, "permission_denied"),
    ("other_regulator", 403, "permission_denied"),
    ("device", 403, "permission_denied"),
    ("superuser", 403, "staff_not_linked"),
    ("anonymous", 401, "not_authenticated"),
])
def test_only_outlet_staff_accept(world, client_for, kind, status, code):
    response = acceptance_post(client_for(kind))

    assert_error(response, status, code)
    assert_nothing_stored()


def test_outlet_staff_of_another_company_accept_at_their_own_outlet(world, client_for):
    response = acceptance_post(client_for("other_outlet_staff"))

    assert response.status_code == 201, response.content
    data = response.json()
    assert (data["outlet"], data["accepted_by"]) == ("NJ-XW-01", "E2001")
    record = AcceptanceRecord.objects.get(pk=data["id"])
    assert (record.outlet, record.organization, record.staff) == (world.yto_outlet, world.yto, world.yto_courier)
    assert Parcel.objects.get().waybill_no.startswith("YTO")


def test_blacklisted_staff_cannot_accept_and_the_attempt_raises_an_alert(world, client_for):
    entry = blacklist_post(client_for("supervisor"), subject="STAFF", employee_no="E1001", id_type=None,
                           id_number=None)
    assert entry.status_code == 201, entry.content

    response = acceptance_post(client_for("outlet_staff"))
    assert_error(response, 403, "staff_blacklisted")
    assert_nothing_stored()
    alert = Alert.objects.get()
    assert (alert.kind, alert.organization, alert.facility) == ("blacklisted_staff_attempt", world.zto, world.zto_outlet)
    assert AuditEntry.objects.filter(action="acceptance.denied", target_id=str(world.zto_courier.pk)).exists()
    # Another company's staff are not affected.
    assert acceptance_post(client_for("other_outlet_staff")).status_code == 201


def test_staff_blacklisted_by_document_cannot_accept(world, client_for):
    response = blacklist_post(client_for("other_regulator"), subject="STAFF", id_number=world.zto_courier.id_number)
    assert response.status_code == 201, response.content

    assert_error(acceptance_post(client_for("outlet_staff")), 403, "staff_blacklisted")


@pytest.mark.parametrize(("linked", "code"), [("nobody", "staff_not_linked"), ("hub_staff", "not_an_outlet")])
def test_outlet_account_must_be_linked_to_outlet_staff(world, linked, code):
    if linked == "nobody":
        user = UserFactory(role=Role.OUTLET_STAFF, organization=world.zto, facility=world.zto_outlet)
    else:
        user = UserFactory(role=Role.OUTLET_STAFF, organization=world.zto, facility=world.zto_hub,
                           staff=StaffFactory(facility=world.zto_hub, organization=world.zto))

    assert_error(acceptance_post(token_client(user)), 403, code)
    assert_nothing_stored()


# --- masking [R7][R17] -------------------------------------------------------------------------------------


@pytest.mark.parametrize("result", ["PASS", "PROHIBITED_FOUND"])
def test_response_shows_personal_data_masked_only(world, client_for, result):
    body = acceptance_body(sender=LONG_SENDER, recipient=LONG_RECIPIENT, inspection={"result": result})
    response = acceptance_post(client_for("outlet_staff"), body)

    assert response.status_code == 201
    assert_no_plaintext(response, *plaintexts(LONG_SENDER, LONG_RECIPIENT))
    data = response.json()
    assert data["sender"] == {"kind": "PERSON", "name": "甄**", "id_type": "RESIDENT_ID",
                              "id_number": "310***********009X", "phone": "138****8000",
                              "address": "上海市浦东新" + "*" * (len(LONG_SENDER["address"]) - 6)}
    assert data["recipient"] == {"name": "贾***", "phone": "139****9000",
                                 "address": "南京市玄武区" + "*" * (len(LONG_RECIPIENT["address"]) - 6),
                                 "region_code": "320102"}


def test_bad_input_errors_do_not_echo_personal_data(world, client_for):
    body = acceptance_body(sender={"phone": "1380013800a"}, recipient={"phone": "139001390"})
    response = acceptance_post(client_for("outlet_staff"), body)

    assert response.status_code == 400
    assert {attr for _, attr in error_pairs(response)} >= {"sender.phone", "recipient.phone"}
    for value in ("1380013800a", "139001390", SENDER_ID, SENDER["name"], RECIPIENT["name"]):
        assert value not in response.content.decode()


# --- the prohibited-items catalogue [R10] --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["superuser", "outlet_staff", "other_outlet_staff", "screener", "supervisor",
                                  "regulator", "other_supervisor", "other_regulator"])
def test_prohibited_categories_are_readable_by_every_role(world, client_for, kind):
    response = client_for(kind).get(CATEGORIES)

    assert response.status_code == 200
    categories = response.json()
    assert [c["code"] for c in categories] == [f"{n:02d}" for n in range(1, 20)]
    assert all(c["name"] for c in categories)
    assert categories[1]["name"] == "管制器具"


@pytest.mark.parametrize(("kind", "status"), [("device", 403), ("anonymous", 401)])
def test_prohibited_categories_are_not_for_devices_or_anonymous(world, client_for, kind, status):
    assert client_for(kind).get(CATEGORIES).status_code == status
