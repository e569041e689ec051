"""Senders through the acceptance endpoint [R2][R6]: one Sender per identity document (however it is typed),
contact details kept current and encrypted, a verification per attempt, organisation senders with a USCC, and
contract customers flagged on the parcel."""
from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.parcels.models import AcceptanceRecord, Parcel
from apps.senders.models import Sender, Verification
from tests.helpers import (
    OTHER_ID,
    SENDER,
    SENDER_ID,
    acceptance_body,
    acceptance_post,
    assert_error,
    assert_nothing_stored,
    run_threads,
    token_client,
)

USCC = "91110000600037341L"


def raw_row(model, pk, *columns) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(columns)} FROM {model._meta.db_table} WHERE id = %s",
                       [model._meta.pk.get_db_prep_value(pk, connection)])
        return cursor.fetchone()


@pytest.mark.django_db
@pytest.mark.parametrize(("second_sender", "senders"), [
    ({"id_number": SENDER_ID.lower()}, 1),
    ({"id_number": " " + SENDER_ID[:9] + " " + SENDER_ID[9:]}, 1),
    ({"id_number": OTHER_ID}, 2),
    ({"id_type": "OTHER"}, 2),  # the same characters on another kind of document are another document
], ids=["lower-case-x", "spaces", "other-number", "other-type"])
def test_one_sender_per_identity_document(world, client_for, second_sender, senders):
    client = client_for("outlet_staff")
    first = acceptance_post(client)
    second = acceptance_post(client, acceptance_body(sender=second_sender))

    assert first.status_code == second.status_code == 201, second.content
    assert Sender.objects.count() == senders
    records = list(AcceptanceRecord.objects.order_by("recorded_at"))
    assert (records[0].sender_id == records[1].sender_id) == (senders == 1)


@pytest.mark.django_db
def test_one_sender_across_outlets_and_companies(world, client_for):
    acceptance_post(client_for("outlet_staff"))
    acceptance_post(client_for("other_outlet_staff"), acceptance_body(sender={"id_number": SENDER_ID.lower()}))

    assert Sender.objects.count() == 1
    assert set(Sender.objects.get().acceptances.values_list("outlet__code", flat=True)) == {"SH-PD-01", "NJ-XW-01"}


@pytest.mark.django_db
def test_sender_keeps_the_latest_contact_details(world, client_for):
    client = client_for("outlet_staff")
    acceptance_post(client)
    acceptance_post(client, acceptance_body(sender={"phone": "+86 139 1234 5678", "address": "上海市徐汇区新地址路1号",
                                           "name": "甄寄件新"}))

    sender = Sender.objects.get()
    assert (sender.name, sender.phone, sender.address) == ("甄寄件新", "+8613912345678", "上海市徐汇区新地址路1号")


@pytest.mark.django_db
def test_sender_personal_data_is_stored_encrypted(world, client_for):
    acceptance_post(client_for("outlet_staff"))
    sender = Sender.objects.get()

    stored = raw_row(Sender, sender.pk, "name", "id_number", "phone", "address", "id_number_index", "phone_index")
    for value in stored[:4]:
        assert value.startswith("gs2$")
    joined = " ".join(stored)
    for plain in (SENDER["name"], SENDER_ID, SENDER["phone"], "+8613800138000", SENDER["address"]):
        assert plain not in joined
    assert all(stored[4:]) and SENDER_ID not in stored[4]
    assert (sender.name, sender.id_number, sender.phone) == (SENDER["name"], SENDER_ID, "+8613800138000")


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "matched"), [("ID_CARD_READER", True), ("MANUAL_CHECK", False),
                                                 ("FACE_RECOGNITION", True), ("ELECTRONIC_ID", True)])
def test_each_attempt_records_its_verification(world, client_for, method, matched):
    """[R2] how the document was checked, whether the person matched, who verified it and when."""
    response = acceptance_post(client_for("outlet_staff"),
                               acceptance_body(verification={"method": method, "identity_matched": matched}))

    record = AcceptanceRecord.objects.get(pk=response.json()["id"])
    verification = Verification.objects.get()
    assert (verification.acceptance, verification.sender) == (record, record.sender)
    assert (verification.method, verification.identity_matched) == (method, matched)
    assert verification.verified_by == world.zto_courier and verification.verified_at == record.recorded_at
    assert not verification.contract_customer
    assert response.json()["controls"]["real_name"] == ("VERIFIED" if matched else "FAILED")


@pytest.mark.django_db
def test_contract_customer_parcel_is_flagged(world, client_for):
    """[R6] a contract customer with a signed safety agreement: accepted and flagged on the parcel."""
    response = acceptance_post(client_for("outlet_staff"),
                               acceptance_body(verification={"method": "CONTRACT_CUSTOMER", "identity_matched": True}))

    assert response.status_code == 201 and response.json()["outcome"] == "ACCEPTED"
    parcel = Parcel.objects.get()
    assert parcel.contract_customer
    assert Verification.objects.get().contract_customer
    assert parcel.events.get(type="ACCEPTED").detail["real_name"]["contract_customer"] is True


@pytest.mark.django_db
def test_ordinary_parcel_is_not_a_contract_customer(world, client_for):
    acceptance_post(client_for("outlet_staff"))

    assert not Parcel.objects.get().contract_customer


ORGANIZATION = {"kind": "ORGANIZATION", "uscc": USCC, "organization_name": "测试科技有限公司"}


@pytest.mark.django_db
@pytest.mark.parametrize("uscc", [USCC, USCC.lower(), f" {USCC} "], ids=["canonical", "lower-case", "spaces"])
def test_organisation_sender_is_accepted_with_its_uscc(world, client_for, uscc):
    """[R2] identified by its USCC plus the responsible person's document (the sender's id fields)."""
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(sender={**ORGANIZATION, "uscc": uscc}))

    assert response.status_code == 201, response.content
    assert response.json()["outcome"] == "ACCEPTED" and response.json()["sender"]["kind"] == "ORGANIZATION"
    sender = Sender.objects.get()
    assert (sender.kind, sender.uscc, sender.organization_name) == ("ORGANIZATION", USCC, "测试科技有限公司")
    assert sender.id_number == SENDER_ID


@pytest.mark.django_db
@pytest.mark.parametrize(("changes", "code", "attr"), [
    ({"uscc": "91110000600037341X"}, "invalid_uscc", "sender.uscc"),
    ({"uscc": "9111000060003734"}, "invalid_uscc", "sender.uscc"),
    ({"uscc": ""}, "required", "sender.uscc"),
    ({"organization_name": ""}, "required", "sender.organization_name"),
    ({"id_number": SENDER_ID[:17] + "0"}, "invalid_id_number", "sender.id_number"),
], ids=["check-character", "too-short", "missing-uscc", "missing-name", "responsible-person-document"])
def test_organisation_sender_with_bad_input_is_rejected(world, client_for, changes, code, attr):
    response = acceptance_post(client_for("outlet_staff"), acceptance_body(sender={**ORGANIZATION, **changes}))

    assert_error(response, 400, code, attr)
    assert_nothing_stored()


@pytest.mark.django_db(transaction=True)
def test_simultaneous_first_acceptances_create_one_sender(require_postgres, world):
    """Two outlets accept the same new sender at the same moment (no Idempotency-Key): two attempts, one
    Sender."""
    clients = [token_client(world.users["outlet_staff"]), token_client(world.users["other_outlet_staff"])] * 2
    barrier = threading.Barrier(len(clients))
    statuses = []

    def post(index: int):
        barrier.wait(timeout=10)
        statuses.append(acceptance_post(clients[index]).status_code)

    failures = run_threads(post, len(clients), timeout=60)

    assert not failures and statuses == [201] * len(clients), (failures, statuses)
    assert AcceptanceRecord.objects.count() == len(clients)
    assert Sender.objects.count() == 1
