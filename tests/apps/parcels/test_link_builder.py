"""One builder of a link's canonical content (``greenshield.chain.link_content``) for every link: those the services
write (acceptance, inspection, screening, re-check) and the scans ingest stores. A field added on one side can no
longer silently break the other side's chains."""
from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, Parcel
from greenshield import chain
from tests.helpers import accept, screening_post

pytestmark = pytest.mark.django_db


def rehash(event: CheckpointEvent) -> str:
    return chain.link_hash(event.prev_hash, chain.link_content(
        parcel=event.parcel_id, seq=event.seq, type=event.type, event_id=event.event_id,
        occurred_at=event.occurred_at, recorded_at=event.recorded_at, facility=event.facility_id,
        vehicle=event.vehicle_id, courier=event.courier_id, device=event.device_id, actor=event.actor,
        location=event.location, detail=event.detail, flags=event.flags))


def one_of_each(client_for) -> Parcel:
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    screened = screening_post(client_for("screener"), waybill, "SUSPECT")
    assert screened.status_code == 201, screened.content
    resolved = client_for("supervisor").post(f"/api/v1/screenings/{screened.json()['id']}/resolution/",
                                             {"result": "CLEARED", "notes": "开箱复检"}, format="json")
    assert resolved.status_code == 201, resolved.content
    scans = client_for("device").post("/api/v1/events/", {"events": [
        {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "ARRIVED",
         "occurred_at": timezone.now().isoformat(), "facility": "SH-HUB-01", "location": {"lat": 31.2, "lon": 121.5}},
        {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "EXCEPTION",
         "occurred_at": timezone.now().isoformat(), "detail": {"reason": "DAMAGED"}}]}, format="json")
    assert scans.status_code == 200 and scans.json()["summary"]["accepted"] == 2, scans.content
    return Parcel.objects.get(waybill_no=waybill)


def test_service_links_and_ingested_scans_hash_with_the_one_builder(world, client_for):
    parcel = one_of_each(client_for)
    stored = list(CheckpointEvent.objects.filter(parcel=parcel).order_by("seq"))

    assert [e.type for e in stored] == ["ACCEPTED", "INSPECTED", "SCREENED", "RECHECKED", "ARRIVED", "EXCEPTION"]
    assert [rehash(e) for e in stored] == [e.hash for e in stored]
    assert chain_verify(parcel).valid


def test_a_field_added_to_the_builder_reaches_both_paths(world, client_for, monkeypatch):
    """Every path calls the one builder: extend it, and service links and scans alike are hashed with the extra
    field (a second, private builder would produce hashes the extended builder cannot reproduce)."""
    original = chain.link_content

    def extended(**fields):
        return {**original(**fields), "extra": "added by this test"}

    monkeypatch.setattr(chain, "link_content", extended)
    parcel = one_of_each(client_for)
    stored = list(CheckpointEvent.objects.filter(parcel=parcel).order_by("seq"))

    assert [rehash(e) for e in stored] == [e.hash for e in stored]  # rehash uses the extended builder
    monkeypatch.setattr(chain, "link_content", original)
    assert not chain_verify(parcel).valid  # and without the extra field none of them verifies
