"""The per-parcel hash chain as stored: scans appended to the acceptance links in recorded order, each link
hashed onto its predecessor over ``event_content``, and ``chain_verify`` catching what was changed in the
database afterwards."""
from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.utils import timezone

from apps.organizations.models import Facility
from apps.parcels.chain import chain_verify, event_content
from apps.parcels.models import CheckpointEvent, Parcel
from greenshield import chain
from tests.factories import VehicleFactory
from tests.helpers import PLATE, accept, backdate_parcel, events_post, scan, screening_post

pytestmark = pytest.mark.django_db

def post(client, events: list) -> list[dict]:
    return events_post(client, events)["results"]


@pytest.fixture
def device(world, client_for):
    VehicleFactory(plate=PLATE, organization=world.zto)
    return client_for("device")


@pytest.fixture
def waybill(world, client_for):
    return accept(client_for("outlet_staff"))["waybill_no"]


def links(waybill_no: str) -> list[CheckpointEvent]:
    return list(CheckpointEvent.objects.filter(parcel__waybill_no=waybill_no).order_by("seq"))


def parcel(waybill_no: str) -> Parcel:
    return Parcel.objects.get(waybill_no=waybill_no)


def test_scans_follow_the_acceptance_links_and_each_hash_links_to_the_previous(device, waybill):
    first = post(device, [scan(waybill, "ARRIVED"), scan(waybill, "SORTED")])
    second = post(device, [scan(waybill, "LOADED", location={"lat": 31.2, "lon": 121.5}),
                           scan(waybill, "EXCEPTION", detail={"reason": "WEATHER"})])
    stored = links(waybill)

    assert [e.type for e in stored] == ["ACCEPTED", "INSPECTED", "ARRIVED", "SORTED", "LOADED", "EXCEPTION"]
    assert [e.seq for e in stored] == [1, 2, 3, 4, 5, 6]
    assert stored[0].prev_hash == chain.GENESIS
    for previous, event in zip(stored, stored[1:], strict=False):
        assert event.prev_hash == previous.hash
    assert stored[2].prev_hash == stored[1].hash  # the first scan follows the INSPECTED link
    assert [r["chain_hash"] for r in first + second] == [e.hash for e in stored[2:]]
    assert len({e.hash for e in stored}) == len(stored)
    p = parcel(waybill)
    assert p.chain_length == 6 and p.chain_head == stored[-1].hash


def test_every_stored_hash_is_the_link_hash_of_its_content(device, waybill):
    post(device, [scan(waybill, "ARRIVED", location={"lat": -0.0, "lon": 121.5}),
                  scan(waybill, "HANDOVER", location={"lat": 31.23, "lon": 121.47}, courier="E1001"),
                  scan(waybill, "LOADED"),
                  scan(waybill, "DELIVERED", location={"lat": 31.234567, "lon": 121.476543}, courier="E1001",
                       detail={"received_by": "LOCKER", "point": "LOCKER-PD-017"})])
    assert [e.type for e in links(waybill)][-1] == "DELIVERED" and links(waybill)[-1].personal_digest
    for event in links(waybill):
        assert chain.link_hash(event.prev_hash, event_content(event)) == event.hash


def test_the_link_content_names_ids_the_device_the_time_and_the_flags(world, device, waybill):
    (result,) = post(device, [scan(waybill, "LOADED")])
    event = CheckpointEvent.objects.get(hash=result["chain_hash"])
    content = event_content(event)
    assert content["parcel"] == str(parcel(waybill).pk) and content["seq"] == 3
    assert content["device"] == str(world.zto_device.pk) and content["actor"] == "device:SCN-ZTO-1"
    assert content["facility"] == str(world.zto_hub.pk) and content["vehicle"] == str(event.vehicle_id)
    assert content["flags"] == ["dispatch_without_clear_screening"] and content["detail"] == {}
    assert content["recorded_at"].endswith("Z") and content["occurred_at"].endswith("Z")


def test_after_a_screening_the_first_scan_follows_the_screened_link(client_for, device, waybill):
    response = screening_post(client_for("screener"), waybill)
    assert response.status_code == 201, response.content
    (result,) = post(device, [scan(waybill, "LOADED")])
    stored = links(waybill)
    assert [e.type for e in stored] == ["ACCEPTED", "INSPECTED", "SCREENED", "LOADED"]
    assert stored[3].prev_hash == stored[2].hash and result["chain_hash"] == stored[3].hash
    assert chain_verify(parcel(waybill)).valid


def test_a_batch_over_several_parcels_extends_each_parcels_own_chain(client_for, device):
    waybills = [accept(client_for("outlet_staff"))["waybill_no"] for _ in range(3)]
    events = [scan(wb, t) for t in ("ARRIVED", "SORTED", "HANDOVER") for wb in waybills]
    results = post(device, events)
    for wb in waybills:
        stored = links(wb)
        assert [e.seq for e in stored] == [1, 2, 3, 4, 5]
        assert [e.type for e in stored[2:]] == ["ARRIVED", "SORTED", "HANDOVER"]
        for previous, event in zip(stored, stored[1:], strict=False):
            assert event.prev_hash == previous.hash
        assert chain_verify(parcel(wb)).valid
    assert [r["chain_hash"] for r in results] == [
        CheckpointEvent.objects.get(event_id=e["event_id"]).hash for e in events]


def test_the_chain_verifies_and_reports_its_head_and_length(device, waybill):
    post(device, [scan(waybill), scan(waybill, "SORTED")])
    verdict = chain_verify(parcel(waybill))
    assert verdict.valid and verdict.length == 4 and verdict.head == parcel(waybill).chain_head


def test_renaming_a_facility_never_breaks_a_chain(world, device, waybill):
    post(device, [scan(waybill, facility="SH-HUB-01")])
    Facility.objects.filter(pk=world.zto_hub.pk).update(name="另一个名字")
    assert chain_verify(parcel(waybill)).valid


def test_a_late_scan_is_appended_at_the_end_of_the_chain(device, waybill):
    backdate_parcel(timezone.now() - datetime.timedelta(days=3), waybill_no=waybill)
    post(device, [scan(waybill, "SORTED")])
    late = scan(waybill, "ARRIVED", occurred_at=(timezone.now() - datetime.timedelta(days=2)).isoformat())
    post(device, [late])
    assert links(waybill)[-1].event_id == uuid.UUID(late["event_id"])
    assert chain_verify(parcel(waybill)).valid


# --- tampering in the database -----------------------------------------------------------------------------

@pytest.fixture
def chained(device, waybill):
    post(device, [scan(waybill, "ARRIVED"), scan(waybill, "SORTED"), scan(waybill, "HANDOVER")])
    assert chain_verify(parcel(waybill)).valid
    return waybill


def test_an_edited_detail_is_detected(chained):
    event = links(chained)[3]
    CheckpointEvent.objects.filter(pk=event.pk).update(detail={"x": 1})
    verdict = chain_verify(parcel(chained))
    assert not verdict.valid and verdict.first_bad_seq == 4


@pytest.mark.parametrize(("field", "value"), [
    ("type", "DELIVERED"), ("occurred_at", timezone.now() - datetime.timedelta(days=1)), ("flags", ["before_acceptance"]),
    ("courier", None), ("actor", "someone"), ("location", {"lat": 1, "lon": 2}),
])
def test_any_edited_field_is_detected(chained, field, value):
    event = links(chained)[4]
    CheckpointEvent.objects.filter(pk=event.pk).update(**{field: value})
    verdict = chain_verify(parcel(chained))
    assert not verdict.valid and verdict.first_bad_seq == 5


def test_a_rewritten_hash_is_detected(chained):
    event = links(chained)[2]
    CheckpointEvent.objects.filter(pk=event.pk).update(hash="f" * 64)
    assert not chain_verify(parcel(chained)).valid


def test_a_removed_middle_link_is_detected(chained):
    CheckpointEvent.objects.filter(parcel__waybill_no=chained, seq=3).delete()
    verdict = chain_verify(parcel(chained))
    assert not verdict.valid and "missing" in verdict.problem


def test_a_removed_last_link_is_detected(chained):
    CheckpointEvent.objects.filter(parcel__waybill_no=chained, seq=5).delete()
    verdict = chain_verify(parcel(chained))
    assert not verdict.valid and verdict.length == 4


def test_a_removed_last_link_with_the_length_rewound_is_detected_by_the_head(chained):
    CheckpointEvent.objects.filter(parcel__waybill_no=chained, seq=5).delete()
    Parcel.objects.filter(waybill_no=chained).update(chain_length=4)
    assert not chain_verify(parcel(chained)).valid


def test_stored_json_no_canonical_form_can_carry_is_reported_not_raised(chained):
    """A value beyond 64 bits cannot come from the ingest; written by SQL, verification reports it."""
    event = links(chained)[3]
    table = CheckpointEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f'UPDATE "{table}" SET detail = %s WHERE id = %s', ['{"x": 1e30}', event.pk])
    verdict = chain_verify(parcel(chained))
    assert not verdict.valid and verdict.first_bad_seq == 4
