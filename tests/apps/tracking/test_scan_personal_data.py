"""Personal data in scans (issue 12, item 3): ``detail`` carries only its type's reason codes, and the location of a
last-mile scan (OUT_FOR_DELIVERY, DELIVERED, DELIVERY_FAILED — the recipient's door) is personal data: encrypted
apart from the link, coarse in the trace and the admin, exact only through the audited reveal, erased at
retention while the chain and the transparency log still verify."""
from __future__ import annotations

import datetime
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from apps.audit.models import AuditEntry
from apps.compliance.retention import retention_sweep
from apps.parcels.chain import chain_verify
from apps.parcels.models import CheckpointEvent, LinkPersonalData, Parcel
from apps.transparency.services import log_integrate
from greenshield.enums import EventType
from tests.admin_helpers import PARCELS
from tests.factories import VehicleFactory
from tests.helpers import PLATE, accept, error_pairs, events_post, scan

pytestmark = pytest.mark.django_db

DOOR = {"lat": 31.234567, "lon": 121.476543}  # a made-up doorstep in Pudong
COARSE = {"lat": 31.23, "lon": 121.48}


@pytest.fixture
def device(world, client_for):
    VehicleFactory(plate=PLATE, organization=world.zto)
    return client_for("device")


@pytest.fixture
def waybill(world, client_for):
    return accept(client_for("outlet_staff"))["waybill_no"]


def delivered(waybill: str, **fields) -> dict:
    return scan(waybill, "DELIVERED", **{"location": DOOR, "detail": {"received_by": "RECIPIENT"}, **fields})


def trace(client, waybill: str) -> dict:
    response = client.get(f"/api/v1/parcels/{waybill}/trace/")
    assert response.status_code == 200, response.content
    return response.json()


# --- detail: reason codes only -----------------------------------------------------------------------------

def test_the_issue_example_is_rejected_invalid_and_not_stored(device, waybill):
    body = events_post(device, [scan(waybill, "DELIVERED", detail={"signed_by": "李四", "note": "13900139000"}),
                                scan(waybill, "ARRIVED")])
    assert [r["status"] for r in body["results"]] == ["REJECTED", "ACCEPTED"]
    assert error_pairs(body["results"][0]) == [("invalid", "detail.signed_by"), ("invalid", "detail.note")]
    assert not CheckpointEvent.objects.filter(type="DELIVERED").exists()
    stored = str(list(CheckpointEvent.objects.values_list("detail", flat=True)))
    assert "李四" not in stored and "13900139000" not in stored


@pytest.mark.parametrize(("event_type", "detail", "errors"), [
    ("ARRIVED", {"note": "dock 4"}, [("invalid", "detail.note")]),
    ("EXCEPTION", {"reason": "wet"}, [("invalid", "detail.reason")]),
    ("EXCEPTION", {"reason": "DAMAGED", "photos": 2}, [("invalid", "detail.photos")]),
    ("DELIVERY_FAILED", {"reason": "DAMAGED"}, [("invalid", "detail.reason")]),
    ("DELIVERED", {"received_by": "NEIGHBOUR"}, [("invalid", "detail.received_by")]),
    ("DELIVERED", {"received_by": "LOCKER", "point": "门口 王先生"}, [("invalid", "detail.point")]),
    ("DELIVERED", {"received_by": "LOCKER", "point": 17}, [("invalid", "detail.point")]),
    ("RETURNED", {"reason": "NO_ONE_HOME"}, [("invalid", "detail.reason")]),
])
def test_detail_outside_the_allow_list_is_rejected(device, waybill, event_type, detail, errors):
    (result,) = events_post(device, [scan(waybill, event_type, detail=detail)])["results"]
    assert result["status"] == "REJECTED" and error_pairs(result) == errors


@pytest.mark.parametrize(("event_type", "detail"), [
    ("EXCEPTION", {"reason": "LOST"}), ("DELIVERY_FAILED", {"reason": "NO_ONE_HOME"}),
    ("DELIVERED", {"received_by": "LOCKER", "point": "LOCKER-PD-017"}), ("DELIVERED", {"received_by": "AGENT"}),
    ("RETURNED", {"reason": "SENDER_REQUEST"}), ("ARRIVED", {}),
])
def test_the_allowed_codes_are_stored(device, waybill, event_type, detail):
    (result,) = events_post(device, [scan(waybill, event_type, detail=detail)])["results"]
    assert result["status"] == "ACCEPTED", result
    assert CheckpointEvent.objects.get(event_id=result["event_id"]).detail == detail


def test_the_epcis_capture_takes_the_same_allow_list(world, client_for, device, waybill, settings,
                                                     django_capture_on_commit_callbacks):
    from apps.epcis import vocabulary

    settings.CELERY_TASK_ALWAYS_EAGER = True
    events_post(device, [delivered(waybill, detail={"received_by": "LOCKER", "point": "LOCKER-PD-017"})])
    document = client_for("supervisor").get(f"/api/v1/parcels/{waybill}/epcis/").json()
    other = accept(client_for("outlet_staff"))["waybill_no"]
    (event,) = [e for e in document["epcisBody"]["eventList"] if e.get("gs:eventType") == "DELIVERED"]
    event.pop("eventID")
    event["epcList"] = [vocabulary.parcel_uri(other)]
    event["gs:point"] = "门口 王先生 13900139000"
    document["epcisBody"]["eventList"] = [event]
    with django_capture_on_commit_callbacks(execute=True):
        response = device.post("/api/v1/epcis/capture/", document, format="json")
    assert response.status_code == 202, response.content
    job = device.get(f"/api/v1/epcis/capture/{response.json()['captureID']}/").json()
    (result,) = job["results"]
    assert result["status"] == "REJECTED" and [e["code"] for e in result["errors"]] == ["invalid"]
    assert not CheckpointEvent.objects.filter(parcel__waybill_no=other, type="DELIVERED").exists()


def test_a_service_cannot_write_free_text_into_a_scan_link(world, waybill):
    from apps.parcels.chain import LinkSpec, chain_append

    parcel = Parcel.objects.get(waybill_no=waybill)
    with pytest.raises(ValueError, match="coded facts"):
        chain_append(parcel=parcel, links=[LinkSpec(type="EXCEPTION", occurred_at=timezone.now(),
                                                    detail={"reason": "DAMAGED", "note": "李四 13900139000"})])


# --- last-mile locations -------------------------------------------------------------------------------------

def test_which_scans_carry_a_personal_location():
    assert {t.value for t in EventType if t.meta.personal_location} == {"OUT_FOR_DELIVERY", "DELIVERED",
                                                                         "DELIVERY_FAILED"}


def test_a_delivered_location_is_stored_encrypted_apart_from_the_link(device, waybill):
    (result,) = events_post(device, [delivered(waybill)])["results"]
    assert result["status"] == "ACCEPTED"
    link = CheckpointEvent.objects.get(event_id=result["event_id"])
    assert link.location is None and len(link.personal_digest) == 64
    personal = link.personal
    assert personal.location_value == DOOR
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT location, salt FROM "{LinkPersonalData._meta.db_table}"')
        (location, salt), = cursor.fetchall()
    assert location.startswith("gs2$") and salt.startswith("gs2$") and "31.23" not in location
    assert chain_verify(Parcel.objects.get(waybill_no=waybill)).valid


def test_a_non_personal_scan_keeps_its_location_in_the_link(device, waybill):
    (result,) = events_post(device, [scan(waybill, "ARRIVED", location=DOOR)])["results"]
    link = CheckpointEvent.objects.get(event_id=result["event_id"])
    assert link.location == DOOR and link.personal_digest == "" and not LinkPersonalData.objects.exists()


def test_a_retry_of_a_last_mile_scan_is_a_duplicate_and_another_location_a_conflict(device, waybill):
    event = delivered(waybill)
    first = events_post(device, [event])["results"][0]
    again = events_post(device, [event])["results"][0]
    assert again["status"] == "DUPLICATE" and again["chain_hash"] == first["chain_hash"]
    moved = events_post(device, [{**event, "location": {"lat": 31.2, "lon": 121.4}}])["results"][0]
    assert moved["status"] == "CONFLICT"
    assert LinkPersonalData.objects.count() == 1


@pytest.mark.parametrize("role", ["outlet_staff", "supervisor", "regulator"])
def test_the_trace_shows_a_last_mile_location_coarse(client_for, device, waybill, role):
    events_post(device, [scan(waybill, "OUT_FOR_DELIVERY", location=DOOR), delivered(waybill)])
    body = trace(client_for(role), waybill)
    last_mile = [e for e in body["events"] if e["type"] in ("OUT_FOR_DELIVERY", "DELIVERED")]
    assert [e["location"] for e in last_mile] == [COARSE, COARSE]
    assert [e["personal_location"] for e in last_mile] == ["COARSE", "COARSE"]
    assert body["integrity"]["valid"]
    assert "31.234567" not in str(body) and "121.476543" not in str(body)


def test_the_admin_parcel_page_shows_it_coarse(world, client, device, waybill):
    events_post(device, [delivered(waybill)])
    client.force_login(world.users["supervisor"])
    parcel = Parcel.objects.get(waybill_no=waybill)
    page = client.get(f"{PARCELS}{parcel.pk}/change/").content.decode()
    assert "about 31.23, 121.48" in page and "31.234567" not in page


def test_the_exact_location_is_revealed_with_a_reason_and_audited(client_for, device, waybill):
    events_post(device, [delivered(waybill)])
    supervisor = client_for("supervisor")
    response = supervisor.post(f"/api/v1/parcels/{waybill}/reveal/", {"reason": "Delivery dispute 2026-118"},
                               format="json")
    assert response.status_code == 200, response.content
    (place,) = response.json()["locations"]
    assert place["type"] == "DELIVERED" and place["location"] == DOOR
    entry = AuditEntry.objects.get(action="pii.reveal")
    assert entry.reason == "Delivery dispute 2026-118" and "locations" in entry.data["fields"]
    assert "31.234567" not in str(entry.data)


def test_outlet_staff_cannot_reveal_it(client_for, device, waybill):
    events_post(device, [delivered(waybill)])
    response = client_for("outlet_staff").post(f"/api/v1/parcels/{waybill}/reveal/", {"reason": "curious about it"},
                                               format="json")
    assert response.status_code == 403
    assert not AuditEntry.objects.filter(action="pii.reveal").exists()


def test_the_epcis_export_holds_no_location(client_for, device, waybill):
    events_post(device, [delivered(waybill)])
    response = client_for("supervisor").get(f"/api/v1/parcels/{waybill}/epcis/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "31.23" not in text and "121.47" not in text and "121.48" not in text


# --- retention -------------------------------------------------------------------------------------------------

def test_after_retention_the_location_is_gone_and_the_chain_still_verifies(client_for, device, waybill):
    events_post(device, [scan(waybill, "DELIVERY_FAILED", location=DOOR, detail={"reason": "NO_ONE_HOME"}),
                         delivered(waybill)])
    log_integrate()
    old = timezone.now() - datetime.timedelta(days=settings.GREENSHIELD_RETENTION_DAYS["last_mile_location"] + 1)
    if connection.vendor == "postgresql":
        _age_on_postgresql(old)
    else:
        LinkPersonalData.objects.filter(event__type="DELIVERY_FAILED").update(occurred_at=old)

    assert retention_sweep()["last_mile_location"] == 1

    erased = LinkPersonalData.objects.get(event__type="DELIVERY_FAILED")
    assert erased.location is None and erased.salt is None
    assert LinkPersonalData.objects.get(event__type="DELIVERED").location_value == DOOR  # not yet due
    assert chain_verify(Parcel.objects.get(waybill_no=waybill)).valid
    out = StringIO()
    call_command("verify_chains", "--no-progress", stdout=out)
    call_command("verify_log", stdout=StringIO())
    body = trace(client_for("supervisor"), waybill)
    failed = next(e for e in body["events"] if e["type"] == "DELIVERY_FAILED")
    assert failed["location"] is None and failed["personal_location"] == "ERASED"
    assert body["integrity"]["valid"]
    revealed = client_for("supervisor").post(f"/api/v1/parcels/{waybill}/reveal/", {"reason": "Delivery dispute"},
                                             format="json").json()
    assert [p["type"] for p in revealed["locations"]] == ["DELIVERED"]


def _age_on_postgresql(old):
    """The guard refuses to change anything but the personal columns: age the rows as a test fixture would,
    with the trigger set aside for this one statement (what an owner could do; the log would see a change
    of evidence, this one is not evidence)."""
    table = LinkPersonalData._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'ALTER TABLE "{table}" DISABLE TRIGGER "{table}_personal_only"')
        cursor.execute(f'UPDATE "{table}" p SET occurred_at = %s FROM "{CheckpointEvent._meta.db_table}" e '
                       "WHERE e.id = p.event_id AND e.type = 'DELIVERY_FAILED'", [old])
        cursor.execute(f'ALTER TABLE "{table}" ENABLE TRIGGER "{table}_personal_only"')


# --- the database guard (PostgreSQL) -------------------------------------------------------------------------

def refused(statement: str, params=()) -> bool:
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, params)
    except DatabaseError as exc:
        assert "is evidence" in str(exc), exc
        return True
    return False


TABLE = LinkPersonalData._meta.db_table


def test_the_guard_allows_erasure_and_re_encryption_only(require_postgres, device, waybill):
    events_post(device, [delivered(waybill)])
    row = LinkPersonalData.objects.get()
    other = LinkPersonalData(id=row.id)
    fresh = LinkPersonalData._meta.get_field("location").encrypt_for(other, '{"lat":1,"lon":2}')
    assert refused(f'DELETE FROM "{TABLE}"')
    assert refused(f'UPDATE "{TABLE}" SET occurred_at = now()')
    assert refused(f'UPDATE "{TABLE}" SET location = \'{{"lat": 1, "lon": 2}}\'')  # plaintext
    assert not refused(f'UPDATE "{TABLE}" SET location = %s', [str(fresh)])  # re-encryption (key rotation)
    assert not refused(f'UPDATE "{TABLE}" SET location = NULL, salt = NULL')  # erasure
    assert refused(f'UPDATE "{TABLE}" SET location = %s', [str(fresh)])  # nothing comes back once erased
    assert LinkPersonalData.objects.get().location is None


def test_key_rotation_re_encrypts_personal_locations(require_postgres, device, waybill, settings):
    from apps.common.rotation import count_rows_to_rotate, encrypted_models, rotate_model
    from greenshield import crypto

    events_post(device, [delivered(waybill)])
    ring = crypto.current_keyring()
    new_ring = crypto.Keyring.parse(f"{crypto.generate_key_entry('k-next')},{ring.serialize()}")
    crypto.install_keyring(new_ring)
    try:
        assert count_rows_to_rotate()["parcels.LinkPersonalData"] == 1
        (entry,) = [e for e in encrypted_models() if e.model is LinkPersonalData]
        rotate_model(entry)
        row = LinkPersonalData.objects.get()
        assert row.__dict__["location"].startswith("gs2$k-next$") and row.location_value == DOOR
        assert chain_verify(Parcel.objects.get(waybill_no=waybill)).valid
    finally:
        crypto.install_keyring(ring)


def test_the_admin_reveal_shows_the_exact_location_audited(world, client, device, waybill):
    events_post(device, [delivered(waybill)])
    client.force_login(world.users["regulator"])
    parcel = Parcel.objects.get(waybill_no=waybill)
    page = client.post(f"{PARCELS}{parcel.pk}/reveal/", {"reason": "Delivery dispute 2026-118"}).content.decode()
    assert "revealed-locations" in page and "31.234567, 121.476543" in page
    (entry,) = AuditEntry.objects.filter(action="pii.reveal")
    assert "locations" in entry.data["fields"] and entry.reason == "Delivery dispute 2026-118"
