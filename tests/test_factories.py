"""The record factories make what production makes: each goes through its service, so an acceptance comes with its
inspection, verification, parcel and chain, a screening with its link and hold, an alert with its outbox message,
a blacklist entry that binds — and each writes its audit entry, as the services do."""
from __future__ import annotations

import pytest
from django.db import connection

from apps.audit.models import AuditEntry
from apps.common.models import OutboxMessage
from apps.compliance.models import Alert
from apps.compliance.services import NOTIFY_TOPIC
from apps.parcels.chain import chain_verify
from apps.parcels.models import Parcel
from apps.senders.models import BlacklistEntry, Sender
from greenshield.enums import FacilityKind, Role
from tests.factories import (
    AcceptanceFactory,
    AlertFactory,
    BlacklistEntryFactory,
    ScreeningFactory,
    SenderFactory,
)
from tests.helpers import SENDER_ID, accept, acceptance_post, assert_error

pytestmark = pytest.mark.django_db


def test_an_acceptance_comes_with_its_inspection_verification_parcel_and_chain(world):
    record = AcceptanceFactory(account=world.users["outlet_staff"], waybill_no="ZTO0000000001")

    assert (record.outcome, record.outlet, record.staff) == ("ACCEPTED", world.zto_outlet, world.zto_courier)
    assert record.inspection.result == "PASS" and record.verification.identity_matched
    assert record.sender.id_number == SENDER_ID
    parcel = Parcel.objects.get(waybill_no="ZTO0000000001")
    assert parcel.acceptance == record and record.parcel_obj == parcel
    assert [link.type for link in parcel.events.order_by("seq")] == ["ACCEPTED", "INSPECTED"]
    assert chain_verify(parcel).valid
    assert AuditEntry.objects.filter(action="acceptance.record", target_id=str(record.pk)).exists()


def test_an_acceptance_takes_the_changes_of_the_body_and_is_decided_by_the_service(world):
    record = AcceptanceFactory(account=world.users["outlet_staff"], inspection={"result": "PROHIBITED_FOUND"})

    assert (record.outcome, record.refusal_reason) == ("REFUSED", "prohibited_item")
    assert not Parcel.objects.exists()
    assert Alert.objects.get().kind == "prohibited_item_at_acceptance"


def test_an_acceptance_without_an_account_is_made_at_a_new_outlet():
    record = AcceptanceFactory()

    assert record.outcome == "ACCEPTED" and record.outlet.kind == FacilityKind.OUTLET
    assert record.account.role == Role.OUTLET_STAFF and record.account.staff == record.staff
    assert record.parcel_obj.waybill_no.startswith(record.organization.code)


def test_a_suspect_screening_puts_its_parcel_on_hold_with_an_alert_and_a_link():
    screening = ScreeningFactory(result="SUSPECT")

    parcel = Parcel.objects.get(pk=screening.parcel_id)
    assert (parcel.status, parcel.screening_status) == ("ON_HOLD", "SUSPECT")
    assert screening.facility.kind == FacilityKind.HUB and screening.facility.organization == parcel.organization
    assert screening.operator.facility == screening.facility
    assert parcel.events.order_by("seq").last().type == "SCREENED" and chain_verify(parcel).valid
    assert Alert.objects.get(parcel=parcel).kind == "suspect_screening"
    assert AuditEntry.objects.filter(action="screening.record", target_id=str(screening.pk)).exists()


def test_a_screening_by_the_worlds_screener(world):
    record = AcceptanceFactory(account=world.users["outlet_staff"])

    screening = ScreeningFactory(actor=world.users["screener"], waybill_no=record.waybill_no)

    assert (screening.facility, screening.operator, screening.result) == (world.zto_hub, world.zto_screener_staff,
                                                                           "CLEAR")
    assert Parcel.objects.get(pk=screening.parcel_id).screening_status == "CLEAR"


def test_an_alert_is_written_with_its_outbox_message(world):
    alert = AlertFactory(facility=world.zto_hub)
    company_wide = AlertFactory(organization=world.yto, facility=None)

    assert (alert.organization, alert.facility, alert.status) == (world.zto, world.zto_hub, "OPEN")
    assert (company_wide.organization, company_wide.facility) == (world.yto, None)
    assert sorted(m.payload["alert"] for m in OutboxMessage.objects.filter(topic=NOTIFY_TOPIC)) == sorted(
        [str(alert.pk), str(company_wide.pk)])


def test_a_blacklist_entry_binds_across_the_region_and_holds_no_plaintext(world, client_for):
    entry = BlacklistEntryFactory(id_number=SENDER_ID)

    assert (entry.subject, entry.province, entry.organization) == ("SENDER", "310000", None)
    assert accept(client_for("other_outlet_staff"))["refusal_reason"] == "sender_blacklisted"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id_number FROM {BlacklistEntry._meta.db_table}")
        [(stored,)] = cursor.fetchall()
    assert stored.startswith("gs2$") and SENDER_ID not in stored
    assert AuditEntry.objects.filter(action="blacklist.create", target_id=str(entry.pk)).exists()


def test_a_staff_entry_of_a_supervisor_bars_their_staff(world, client_for):
    entry = BlacklistEntryFactory(actor=world.users["supervisor"], staff=world.zto_courier)

    assert (entry.subject, entry.organization, entry.staff) == ("STAFF", world.zto, world.zto_courier)
    assert_error(acceptance_post(client_for("outlet_staff")), 403, "staff_blacklisted")
    assert accept(client_for("other_outlet_staff"))["outcome"] == "ACCEPTED"  # a company entry binds that company


def test_a_sender_is_one_per_identity_document():
    first = SenderFactory()
    again = SenderFactory(id_number=first.id_number, phone="+8613912345678")
    other = SenderFactory()

    assert again.pk == first.pk and Sender.objects.get(pk=first.pk).phone == "+8613912345678"
    assert other.pk != first.pk and Sender.objects.count() == 2
