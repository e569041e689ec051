"""Retention [R19]: expired personal data is anonymised with a destruction record; chains still verify."""
from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from apps.audit.models import AuditEntry, DestructionRecord
from apps.compliance.retention import retention_sweep
from apps.parcels.chain import chain_verify
from apps.parcels.models import AcceptanceRecord, Parcel
from apps.senders.models import Sender
from tests.helpers import accept, acceptance_body

pytestmark = pytest.mark.django_db


def age(model, field, days):
    model.objects.update(**{field: timezone.now() - datetime.timedelta(days=days)})


def test_expired_recipients_and_senders_are_anonymised_and_recorded(world, client_for):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    limit = settings.GREENSHIELD_RETENTION_DAYS
    age(AcceptanceRecord, "recorded_at", limit["acceptance"] + 1)
    age(Sender, "last_seen_at", limit["sender"] + 1)

    assert retention_sweep() == {"acceptance": 1, "sender": 1, "blacklist": 0, "last_mile_location": 0}

    record = AcceptanceRecord.objects.get()
    assert (record.recipient_name, record.recipient_phone, record.recipient_address) == (None, None, None)
    assert (record.given_sender_name, record.given_sender_phone, record.given_sender_address) == (None, None, None)
    assert record.recipient_region_code == "320102"  # not personal: kept for statistics
    sender = Sender.objects.get()
    assert sender.name is None and sender.id_number is None and sender.id_number_index is None
    assert sender.phone_index is None
    assert set(DestructionRecord.objects.values_list("data_class", "records")) == {("acceptance", 1), ("sender", 1)}
    assert AuditEntry.objects.filter(action="retention.anonymise").count() == 2
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert chain_verify(parcel).valid
    trace = client_for("supervisor").get(f"/api/v1/parcels/{waybill}/trace/")
    assert trace.status_code == 200 and trace.json()["integrity"]["valid"]

    assert retention_sweep() == {"acceptance": 0, "sender": 0, "blacklist": 0, "last_mile_location": 0}  # nothing twice
    assert DestructionRecord.objects.count() == 2


def test_data_within_retention_is_kept(world, client_for):
    accept(client_for("outlet_staff"))
    age(AcceptanceRecord, "recorded_at", settings.GREENSHIELD_RETENTION_DAYS["acceptance"] - 1)
    assert retention_sweep()["acceptance"] == 0
    assert AcceptanceRecord.objects.get().recipient_name == acceptance_body()["recipient"]["name"]


def test_a_returning_sender_keeps_their_record(world, client_for):
    accept(client_for("outlet_staff"))
    age(AcceptanceRecord, "recorded_at", 5000)
    accept(client_for("outlet_staff"))  # same sender again today: last_seen_at is now
    assert retention_sweep()["sender"] == 0
    assert Sender.objects.get().name == acceptance_body()["sender"]["name"]
