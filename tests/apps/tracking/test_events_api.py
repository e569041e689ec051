"""POST /api/v1/events/ — checkpoint scans posted by devices in batches.

One result per event in input order (ACCEPTED / DUPLICATE / CONFLICT / REJECTED), every rejection code of the
contract, a bad event never sinking the good ones, the batch limit, who may post, time handling (late,
out-of-order, future skew), the flags and alerts of suspicious scans and the parcel status that follows them."""
from __future__ import annotations

import datetime
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.compliance.models import Alert
from apps.parcels.models import CheckpointEvent, Parcel
from tests.factories import VehicleFactory
from tests.helpers import (
    COURIER_TYPES,
    EVENTS,
    PLATE,
    VEHICLE_TYPES,
    accept,
    acceptance_body,
    acceptance_post,
    backdate_parcel,
    error_pairs,
    events_post,
    scan,
    screening_post,
)

pytestmark = pytest.mark.django_db

OTHER_PLATE = "苏A54321"
post = events_post


def statuses(body: dict) -> list[str]:
    return [r["status"] for r in body["results"]]


@pytest.fixture
def vehicles(world):
    return (VehicleFactory(plate=PLATE, organization=world.zto),
            VehicleFactory(plate=OTHER_PLATE, organization=world.yto))


@pytest.fixture
def device(client_for, vehicles):
    return client_for("device")


@pytest.fixture
def waybill(world, client_for):
    """A ZTO parcel accepted at the outlet, not yet screened."""
    return accept(client_for("outlet_staff"))["waybill_no"]


def chain_length(waybill_no: str) -> int:
    return Parcel.objects.get(waybill_no=waybill_no).chain_length


# --- ACCEPTED ----------------------------------------------------------------------------------------------

def test_an_accepted_scan_is_stored_with_its_references_and_chain_hash(world, device, waybill):
    occurred = timezone.now()
    event = scan(waybill, "LOADED", occurred, facility="SH-HUB-01", location={"lat": 31.2, "lon": 121.5})
    before = timezone.now()
    body = post(device, [event])
    after = timezone.now()

    (result,) = body["results"]
    assert result["event_id"] == event["event_id"] and result["status"] == "ACCEPTED"
    assert result["errors"] == [] and result["flags"] == ["dispatch_without_clear_screening"]
    assert body["summary"] == {"accepted": 1, "duplicates": 0, "conflicts": 0, "rejected": 0}
    stored = CheckpointEvent.objects.get(event_id=event["event_id"])
    assert result["chain_hash"] == stored.hash
    assert stored.parcel.waybill_no == waybill and stored.type == "LOADED" and stored.seq == 3
    assert stored.facility == world.zto_hub and stored.vehicle.plate == PLATE and stored.courier is None
    assert stored.device == world.zto_device and stored.actor == "device:SCN-ZTO-1"
    assert stored.occurred_at == occurred and before <= stored.recorded_at <= after
    assert stored.location == {"lat": 31.2, "lon": 121.5} and stored.detail == {}
    assert stored.flags == ["dispatch_without_clear_screening"]
    assert Parcel.objects.get(waybill_no=waybill).chain_head == stored.hash


def test_a_courier_scan_links_the_courier(world, device, waybill):
    body = post(device, [scan(waybill, "HANDOVER", courier="E1001")])
    assert statuses(body) == ["ACCEPTED"] and body["results"][0]["flags"] == []
    assert CheckpointEvent.objects.get(type="HANDOVER").courier == world.zto_courier


def test_a_plate_is_matched_in_its_normal_form(device, waybill):
    body = post(device, [scan(waybill, "LOADED", vehicle="沪a 12345")])
    assert statuses(body) == ["ACCEPTED"]
    assert CheckpointEvent.objects.get(type="LOADED").vehicle.plate == PLATE


def test_every_scan_type_is_accepted(device, waybill):
    types = ["ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY",
             "DELIVERY_FAILED", "EXCEPTION", "RETURNED", "DELIVERED"]
    body = post(device, [scan(waybill, t) for t in types])
    assert statuses(body) == ["ACCEPTED"] * len(types)
    assert list(CheckpointEvent.objects.filter(seq__gt=2).order_by("seq").values_list("type", flat=True)) == types


def test_the_facility_defaults_to_the_devices_facility(world, device, waybill):
    omitted = scan(waybill)
    explicit_null = scan(waybill, facility=None)
    assert statuses(post(device, [omitted, explicit_null])) == ["ACCEPTED", "ACCEPTED"]
    for event in (omitted, explicit_null):
        assert CheckpointEvent.objects.get(event_id=event["event_id"]).facility == world.zto_hub


def test_another_facility_of_the_company_cannot_be_named(world, device, waybill):
    """A scanner records scans at its own facility only (issue 11: a hub key could post at any outlet)."""
    event = scan(waybill, facility="SH-PD-01")
    assert statuses(post(device, [event])) == ["REJECTED"]
    assert not CheckpointEvent.objects.filter(event_id=event["event_id"]).exists()


# --- time --------------------------------------------------------------------------------------------------

def test_late_and_out_of_order_scans_are_accepted_and_recorded_at_server_time(device, waybill):
    backdate_parcel(timezone.now() - datetime.timedelta(days=10), waybill_no=waybill)
    now = timezone.now()
    later = scan(waybill, "SORTED", now - datetime.timedelta(days=2))
    earlier = scan(waybill, "ARRIVED", now - datetime.timedelta(days=5, hours=3))
    before = timezone.now()
    body = post(device, [later, earlier])
    after = timezone.now()

    assert statuses(body) == ["ACCEPTED", "ACCEPTED"]
    assert [r["flags"] for r in body["results"]] == [[], []]
    stored = list(CheckpointEvent.objects.filter(seq__gt=2).order_by("seq"))
    assert [e.event_id for e in stored] == [uuid.UUID(later["event_id"]), uuid.UUID(earlier["event_id"])]
    assert stored[1].occurred_at < stored[0].occurred_at  # recorded order, not occurred order
    assert all(before <= e.recorded_at <= after for e in stored)


def test_a_scan_within_the_clock_skew_is_accepted_beyond_it_rejected(settings, device, waybill):
    settings.GREENSHIELD_EVENT_MAX_FUTURE_SKEW_SECONDS = 300
    now = timezone.now()
    within = scan(waybill, occurred_at=now + datetime.timedelta(seconds=240))
    beyond = scan(waybill, occurred_at=now + datetime.timedelta(seconds=420))
    body = post(device, [within, beyond])
    assert statuses(body) == ["ACCEPTED", "REJECTED"]
    assert error_pairs(body["results"][1]) == [("occurred_in_future", "occurred_at")]
    assert not CheckpointEvent.objects.filter(event_id=beyond["event_id"]).exists()


def test_the_clock_skew_is_configurable(settings, device, waybill):
    settings.GREENSHIELD_EVENT_MAX_FUTURE_SKEW_SECONDS = 30
    body = post(device, [scan(waybill, occurred_at=timezone.now() + datetime.timedelta(seconds=120))])
    assert error_pairs(body["results"][0]) == [("occurred_in_future", "occurred_at")]


def test_the_time_is_compared_with_its_offset(settings, device, waybill):
    """A Beijing-time stamp of right now is not in the future, although its wall-clock reads 8 hours ahead."""
    settings.GREENSHIELD_EVENT_MAX_FUTURE_SKEW_SECONDS = 300
    beijing = datetime.timezone(datetime.timedelta(hours=8))
    body = post(device, [scan(waybill, occurred_at=timezone.now().astimezone(beijing))])
    assert statuses(body) == ["ACCEPTED"]


# --- rejections --------------------------------------------------------------------------------------------

REJECTIONS = [
    # (event type, fields changed, expected (code, attr) pairs)
    pytest.param("ARRIVED", {"facility": "XX-NOPE-99"}, [("facility_not_permitted", "facility")],
                 id="unknown_facility"),
    pytest.param("ARRIVED", {"facility": "NJ-HUB-01"}, [("facility_not_permitted", "facility")],
                 id="other_companys_facility"),
    pytest.param("LOADED", {"vehicle": "沪B99999"}, [("unknown_vehicle", "vehicle")], id="unknown_plate"),
    pytest.param("LOADED", {"vehicle": "NOT-A-PLATE"}, [("unknown_vehicle", "vehicle")], id="malformed_plate"),
    pytest.param("UNLOADED", {"vehicle": OTHER_PLATE}, [("unknown_vehicle", "vehicle")],
                 id="other_companys_vehicle"),
    pytest.param("HANDOVER", {"courier": "E9999"}, [("unknown_courier", "courier")], id="unknown_courier"),
    pytest.param("DELIVERED", {"courier": "E2001"}, [("unknown_courier", "courier")], id="other_companys_courier"),
    *[pytest.param(t, {"vehicle": None}, [("vehicle_required", "vehicle")], id=f"vehicle_required_{t}")
      for t in VEHICLE_TYPES],
    pytest.param("LOADED", {"vehicle": ""}, [("vehicle_required", "vehicle")], id="vehicle_required_empty"),
    *[pytest.param(t, {"courier": None}, [("courier_required", "courier")], id=f"courier_required_{t}")
      for t in COURIER_TYPES],
    pytest.param("ARRIVED", {"event_id": "not-a-uuid"}, [("invalid", "event_id")], id="bad_event_id"),
    pytest.param("ARRIVED", {"event_id": None}, [("required", "event_id")], id="missing_event_id"),
    pytest.param("TELEPORTED", {}, [("invalid_choice", "type")], id="bad_type"),
    pytest.param("ARRIVED", {"occurred_at": "2026-11-29T08:15:00"}, [("invalid", "occurred_at")],
                 id="naive_occurred_at"),
    pytest.param("ARRIVED", {"occurred_at": "yesterday"}, [("invalid", "occurred_at")], id="bad_occurred_at"),
    pytest.param("ARRIVED", {"occurred_at": "0001-01-01T00:00:00+08:00"}, [("invalid", "occurred_at")],
                 id="occurred_at_without_utc_form"),
    pytest.param("ARRIVED", {"location": {"lat": 91, "lon": 121.5}}, [("invalid", "location")], id="bad_latitude"),
    pytest.param("ARRIVED", {"location": {"lat": 31.2}}, [("invalid", "location")], id="location_without_lon"),
    pytest.param("ARRIVED", {"location": "Pudong"}, [("invalid", "location")], id="location_not_an_object"),
    pytest.param("ARRIVED", {"location": {"lat": True, "lon": 1}}, [("invalid", "location")],
                 id="location_boolean"),
    pytest.param("ARRIVED", {"detail": ["a", "b"]}, [("invalid", "detail")], id="detail_a_list"),
    pytest.param("ARRIVED", {"detail": "text"}, [("invalid", "detail")], id="detail_a_string"),
    pytest.param("ARRIVED", {"detail": {"note": "x" * 5000}}, [("invalid", "detail")], id="detail_too_large"),
    pytest.param("EXCEPTION", {"detail": {}}, [("required", "detail.reason")], id="exception_without_reason"),
    pytest.param("EXCEPTION", {"detail": {"reason": 7}}, [("required", "detail.reason")],
                 id="exception_reason_not_text"),
    # What PostgreSQL cannot store or give back unchanged (on SQLite the same input is refused alike).
    pytest.param("ARRIVED", {"facility": "SH-HUB-01\x00"}, [("invalid", "facility")], id="nul_in_facility"),
    pytest.param("ARRIVED", {"courier": "E1001\x00"}, [("invalid", "courier")], id="nul_in_courier"),
    pytest.param("ARRIVED", {"detail": {"note": "a\x00b"}}, [("invalid", "detail")], id="nul_in_detail"),
    pytest.param("ARRIVED", {"detail": {"reading": 1e16}}, [("invalid", "detail")], id="float_jsonb_rewrites"),
]


@pytest.mark.parametrize(("event_type", "changes", "errors"), REJECTIONS)
def test_a_rejected_event_is_not_stored_and_never_sinks_the_good_ones(device, waybill, event_type, changes, errors):
    bad = scan(waybill, event_type, **changes)
    first, last = scan(waybill, "ARRIVED"), scan(waybill, "SORTED")
    body = post(device, [first, bad, last])

    assert statuses(body) == ["ACCEPTED", "REJECTED", "ACCEPTED"]
    result = body["results"][1]
    assert error_pairs(result) == errors, result
    assert result["chain_hash"] is None and result["flags"] == []
    assert all(e["detail"] for e in result["errors"])
    assert body["summary"] == {"accepted": 2, "duplicates": 0, "conflicts": 0, "rejected": 1}
    assert CheckpointEvent.objects.filter(parcel__waybill_no=waybill, seq__gt=2).count() == 2
    assert chain_length(waybill) == 4


def test_a_rejected_event_keeps_its_event_id_in_the_result(device, waybill):
    bad = scan(waybill, facility="XX-NOPE-99")
    malformed = scan(waybill, event_id="not-a-uuid")
    body = post(device, [bad, malformed, "not an object"])
    assert [r["event_id"] for r in body["results"]] == [bad["event_id"], "not-a-uuid", None]
    assert statuses(body) == ["REJECTED"] * 3
    assert error_pairs(body["results"][2]) == [("invalid", None)]


def test_nul_in_the_waybill_is_rejected(device, waybill):
    body = post(device, [scan(waybill + "\x00"), scan(waybill)])
    assert statuses(body) == ["REJECTED", "ACCEPTED"]
    assert error_pairs(body["results"][0]) == [("invalid", "waybill_no")]


def test_a_negative_zero_is_stored_so_that_the_chain_still_verifies(device, waybill):
    from apps.parcels.chain import chain_verify

    event = scan(waybill, location={"lat": -0.0, "lon": 121.5})
    assert statuses(post(device, [event])) == ["ACCEPTED"]
    assert chain_verify(Parcel.objects.get(waybill_no=waybill)).valid
    assert statuses(post(device, [event])) == ["DUPLICATE"]


def test_an_unknown_waybill_is_unknown_parcel(device, waybill):
    body = post(device, [scan("ZTO9999999999"), scan(waybill)])
    assert statuses(body) == ["REJECTED", "ACCEPTED"]
    assert error_pairs(body["results"][0]) == [("unknown_parcel", "waybill_no")]


def test_another_companys_parcel_is_unknown_parcel(world, client_for, device, waybill):
    theirs = accept(client_for("other_outlet_staff"))["waybill_no"]
    body = post(device, [scan(theirs), scan(waybill)])
    assert statuses(body) == ["REJECTED", "ACCEPTED"]
    assert error_pairs(body["results"][0]) == [("unknown_parcel", "waybill_no")]
    assert chain_length(theirs) == 2

    mine_from_them = post(client_for("other_device"), [scan(waybill, facility=None)])
    assert error_pairs(mine_from_them["results"][0]) == [("unknown_parcel", "waybill_no")]
    assert chain_length(waybill) == 3


def test_the_waybill_of_a_refused_acceptance_is_parcel_refused(client_for, device, waybill):
    refused = acceptance_post(client_for("outlet_staff"), acceptance_body(
        waybill_no="ZTO0000000999", inspection={"sender_present": True, "result": "REFUSED_BY_SENDER", "notes": ""}))
    assert refused.status_code == 201 and refused.json()["outcome"] == "REFUSED", refused.content
    body = post(device, [scan("ZTO0000000999"), scan(waybill)])
    assert statuses(body) == ["REJECTED", "ACCEPTED"]
    assert error_pairs(body["results"][0]) == [("parcel_refused", "waybill_no")]


def test_another_companys_refused_waybill_is_just_unknown(client_for, device):
    refused = acceptance_post(client_for("other_outlet_staff"), acceptance_body(
        waybill_no="YTO0000000999", inspection={"sender_present": True, "result": "REFUSED_BY_SENDER", "notes": ""}))
    assert refused.json()["outcome"] == "REFUSED"
    body = post(device, [scan("YTO0000000999")])
    assert error_pairs(body["results"][0]) == [("unknown_parcel", "waybill_no")]


# --- order of results --------------------------------------------------------------------------------------

def test_one_result_per_event_in_input_order(client_for, device, waybill):
    other = accept(client_for("outlet_staff"))["waybill_no"]
    stored_before = scan(waybill, "ARRIVED")
    post(device, [stored_before])

    loaded = scan(waybill, "LOADED")
    events = [
        scan(waybill, "SORTED"),                                   # ACCEPTED
        scan("ZTO9999999999"),                                     # REJECTED unknown_parcel
        loaded,                                                    # ACCEPTED (flagged)
        scan(waybill, "TELEPORTED"),                               # REJECTED invalid_choice
        stored_before,                                             # DUPLICATE of an earlier request
        {**stored_before, "type": "SORTED"},                       # CONFLICT with an earlier request
        scan(other, "HANDOVER"),                                   # ACCEPTED, another parcel
        dict(loaded),                                              # DUPLICATE within the batch
        {**loaded, "vehicle": "沪A54321"},                          # REJECTED unknown_vehicle (same id, bad ref)
        scan(other, "HANDOVER", courier=None),                     # REJECTED courier_required
        scan(waybill, "UNLOADED"),                                 # ACCEPTED
    ]
    body = post(device, events)

    assert statuses(body) == ["ACCEPTED", "REJECTED", "ACCEPTED", "REJECTED", "DUPLICATE", "CONFLICT",
                              "ACCEPTED", "DUPLICATE", "REJECTED", "REJECTED", "ACCEPTED"]
    assert [r["event_id"] for r in body["results"]] == [e["event_id"] for e in events]
    assert [error_pairs(r) for r in body["results"]] == [
        [], [("unknown_parcel", "waybill_no")], [], [("invalid_choice", "type")], [],
        [("event_id_conflict", "event_id")], [], [], [("unknown_vehicle", "vehicle")],
        [("courier_required", "courier")], []]
    assert body["summary"] == {"accepted": 4, "duplicates": 2, "conflicts": 1, "rejected": 4}
    assert body["results"][7]["chain_hash"] == body["results"][2]["chain_hash"]
    stored = CheckpointEvent.objects.filter(seq__gt=2)
    assert stored.count() == 5
    assert list(stored.filter(parcel__waybill_no=waybill).order_by("seq").values_list("type", flat=True)) == [
        "ARRIVED", "SORTED", "LOADED", "UNLOADED"]


def test_a_large_mixed_batch_keeps_its_order(device, waybill):
    events = [scan(waybill) if i % 3 else scan("ZTO-NOPE") for i in range(300)]
    body = post(device, events)
    assert statuses(body) == ["REJECTED" if i % 3 == 0 else "ACCEPTED" for i in range(300)]
    assert [r["event_id"] for r in body["results"]] == [e["event_id"] for e in events]
    assert body["summary"] == {"accepted": 200, "duplicates": 0, "conflicts": 0, "rejected": 100}
    assert chain_length(waybill) == 202


# --- DUPLICATE ---------------------------------------------------------------------------------------------

def test_a_retry_is_a_duplicate_stored_once_with_the_original_chain_hash(device, waybill):
    event = scan(waybill, "LOADED", location={"lat": 31.2, "lon": 121.5})
    first = post(device, [event])
    head = Parcel.objects.get(waybill_no=waybill).chain_head
    again = post(device, [event])
    (result,) = again["results"]
    assert result["status"] == "DUPLICATE" and result["errors"] == []
    assert result["chain_hash"] == first["results"][0]["chain_hash"]
    assert again["summary"] == {"accepted": 0, "duplicates": 1, "conflicts": 0, "rejected": 0}
    assert CheckpointEvent.objects.filter(event_id=event["event_id"]).count() == 1
    parcel = Parcel.objects.get(waybill_no=waybill)
    assert parcel.chain_length == 3 and parcel.chain_head == head
    assert Alert.objects.filter(kind="dispatch_without_screening").count() == 1  # the retry raises nothing


def test_the_same_instant_in_another_offset_is_the_same_content(device, waybill):
    occurred = timezone.now().replace(microsecond=0)
    event = scan(waybill, occurred_at=occurred.astimezone(datetime.timezone(datetime.timedelta(hours=8))))
    post(device, [event])
    utc = {**event, "occurred_at": occurred.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")}
    assert statuses(post(device, [utc])) == ["DUPLICATE"]


def test_a_duplicate_within_one_batch_is_stored_once(device, waybill):
    event = scan(waybill, "SORTED")
    body = post(device, [event, scan(waybill), dict(event), dict(event)])
    assert statuses(body) == ["ACCEPTED", "ACCEPTED", "DUPLICATE", "DUPLICATE"]
    hashes = [r["chain_hash"] for r in body["results"]]
    assert hashes[0] == hashes[2] == hashes[3] == CheckpointEvent.objects.get(event_id=event["event_id"]).hash
    assert body["summary"] == {"accepted": 2, "duplicates": 2, "conflicts": 0, "rejected": 0}
    assert chain_length(waybill) == 4


def test_a_retry_within_a_batch_of_an_already_stored_event(device, waybill):
    event = scan(waybill)
    original = post(device, [event])["results"][0]["chain_hash"]
    body = post(device, [event, dict(event)])
    assert statuses(body) == ["DUPLICATE", "DUPLICATE"]
    assert [r["chain_hash"] for r in body["results"]] == [original, original]


def test_a_rejected_event_retried_after_the_fix_is_accepted(device, waybill):
    event = scan(waybill, facility="XX-NOPE-99")
    assert statuses(post(device, [event])) == ["REJECTED"]
    assert statuses(post(device, [{**event, "facility": "SH-HUB-01"}])) == ["ACCEPTED"]


# --- CONFLICT ----------------------------------------------------------------------------------------------

def conflict_alerts():
    return Alert.objects.filter(kind="event_id_conflict")


def test_the_same_id_with_other_content_is_a_conflict_that_changes_nothing(world, device, waybill):
    event = scan(waybill, "EXCEPTION", detail={"reason": "DAMAGED"})
    post(device, [event])
    stored = CheckpointEvent.objects.get(event_id=event["event_id"])
    parcel = Parcel.objects.get(waybill_no=waybill)

    body = post(device, [{**event, "detail": {"reason": "LOST"}}])
    (result,) = body["results"]
    assert result["status"] == "CONFLICT" and result["chain_hash"] is None
    assert error_pairs(result) == [("event_id_conflict", "event_id")]
    assert body["summary"] == {"accepted": 0, "duplicates": 0, "conflicts": 1, "rejected": 0}
    after = CheckpointEvent.objects.get(event_id=event["event_id"])
    assert (after.detail, after.hash, after.type) == ({"reason": "DAMAGED"}, stored.hash, stored.type)
    assert Parcel.objects.get(waybill_no=waybill).chain_head == parcel.chain_head
    assert chain_length(waybill) == 3

    (alert,) = conflict_alerts()
    assert alert.organization == world.zto and alert.severity == "HIGH"
    assert alert.detail["event_id"] == event["event_id"] and alert.detail["device"] == "SCN-ZTO-1"

    # The same conflicting content again raises no second alert; the original content is still a DUPLICATE.
    assert statuses(post(device, [{**event, "detail": {"reason": "LOST"}}])) == ["CONFLICT"]
    assert conflict_alerts().count() == 1
    assert statuses(post(device, [event])) == ["DUPLICATE"]


@pytest.mark.parametrize("changes", [
    {"type": "SORTED"}, {"occurred_at": "2026-01-01T00:00:00+08:00"}, {"facility": "SH-PD-01"},
    {"location": {"lat": 31.2, "lon": 121.5}}, {"type": "EXCEPTION", "detail": {"reason": "LOST"}},
], ids=["type", "occurred_at", "facility", "location", "type_and_detail"])
def test_any_change_of_content_is_a_conflict(device, waybill, changes):
    event = scan(waybill, occurred_at=timezone.now() - datetime.timedelta(hours=1))
    post(device, [event])
    assert statuses(post(device, [{**event, **changes}])) == ["CONFLICT"]


def test_the_same_id_on_another_parcel_is_a_conflict(client_for, device, waybill):
    other = accept(client_for("outlet_staff"))["waybill_no"]
    event = scan(waybill)
    post(device, [event])
    body = post(device, [{**event, "waybill_no": other}])
    assert statuses(body) == ["CONFLICT"]
    assert chain_length(other) == 2 and conflict_alerts().count() == 1


def test_a_conflict_within_one_batch(world, device, waybill):
    event = scan(waybill, "ARRIVED")
    changed = {**event, "type": "SORTED"}
    body = post(device, [event, scan(waybill), changed, dict(changed)])
    assert statuses(body) == ["ACCEPTED", "ACCEPTED", "CONFLICT", "CONFLICT"]
    assert error_pairs(body["results"][2]) == [("event_id_conflict", "event_id")]
    assert body["results"][2]["chain_hash"] is None
    assert body["summary"] == {"accepted": 2, "duplicates": 0, "conflicts": 2, "rejected": 0}
    assert CheckpointEvent.objects.get(event_id=event["event_id"]).type == "ARRIVED"
    assert chain_length(waybill) == 4
    assert conflict_alerts().count() == 1


# --- batch shape and access --------------------------------------------------------------------------------

def test_more_than_1000_events_is_413_and_stores_nothing(device, waybill):
    response = device.post(EVENTS, {"events": [scan(waybill) for _ in range(1001)]}, format="json")
    assert response.status_code == 413, response.content
    assert [e["code"] for e in response.json()["errors"]] == ["batch_too_large"]
    assert not CheckpointEvent.objects.filter(seq__gt=2).exists()
    assert chain_length(waybill) == 2


def test_exactly_1000_events_are_accepted(device, waybill):
    body = post(device, [scan(waybill) for _ in range(1000)])
    assert body["summary"]["accepted"] == 1000
    assert chain_length(waybill) == 1002


@pytest.mark.parametrize("payload", [{}, {"events": {"a": 1}}, {"events": "x"}, {"event": []}, [{"a": 1}]],
                         ids=["empty", "object", "string", "misspelt", "bare_list"])
def test_a_body_without_an_events_list_is_400(device, payload):
    response = device.post(EVENTS, payload, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "validation_error"
    assert [(e["code"], e["attr"]) for e in response.json()["errors"]] == [("invalid", "events")]


def test_malformed_json_is_400(device):
    response = device.post(EVENTS, b"{not json", content_type="application/json")
    assert response.status_code == 400


def test_an_empty_batch_is_an_empty_receipt(device):
    assert post(device, []) == {"results": [], "summary": {"accepted": 0, "duplicates": 0, "conflicts": 0,
                                                             "rejected": 0}}


@pytest.mark.parametrize("kind", ["outlet_staff", "screener", "supervisor", "regulator", "superuser"])
def test_user_tokens_are_403(client_for, waybill, kind):
    response = client_for(kind).post(EVENTS, {"events": [scan(waybill)]}, format="json")
    assert response.status_code == 403, response.content
    assert not CheckpointEvent.objects.filter(seq__gt=2).exists()


def test_anonymous_is_401(client_for, waybill):
    response = client_for("anonymous").post(EVENTS, {"events": [scan(waybill)]}, format="json")
    assert response.status_code == 401, response.content


def test_a_wrong_api_key_is_401(client_for, waybill):
    client = client_for("anonymous")
    client.credentials(HTTP_AUTHORIZATION="Api-Key not.a-key")
    assert client.post(EVENTS, {"events": [scan(waybill)]}, format="json").status_code == 401


# --- flags and alerts --------------------------------------------------------------------------------------

def alerts(kind: str, waybill_no: str):
    return Alert.objects.filter(kind=kind, waybill_no=waybill_no)


@pytest.mark.parametrize("event_type", ["LOADED", "DEPARTED"])
def test_dispatch_of_an_unscreened_parcel_is_flagged_and_raises_one_alert(world, device, waybill, event_type):
    event = scan(waybill, event_type)
    body = post(device, [event])
    assert body["results"][0]["flags"] == ["dispatch_without_clear_screening"]
    (alert,) = alerts("dispatch_without_screening", waybill)
    assert alert.parcel.waybill_no == waybill and alert.organization == world.zto
    assert alert.facility == world.zto_hub and alert.detail["event_id"] == event["event_id"]
    assert waybill in alert.summary and alert.severity == "HIGH"


@pytest.mark.parametrize("event_type", ["ARRIVED", "SORTED", "UNLOADED", "HANDOVER", "EXCEPTION"])
def test_other_movements_of_an_unscreened_parcel_are_not_dispatch(device, waybill, event_type):
    body = post(device, [scan(waybill, event_type)])
    assert body["results"][0]["flags"] == []
    assert not Alert.objects.filter(waybill_no=waybill).exists()


def test_dispatch_after_a_clear_screening_is_not_flagged(client_for, device, waybill):
    response = screening_post(client_for("screener"), waybill, "CLEAR")
    assert response.status_code == 201, response.content
    body = post(device, [scan(waybill, "LOADED"), scan(waybill, "DEPARTED")])
    assert [r["flags"] for r in body["results"]] == [[], []]
    assert not Alert.objects.filter(waybill_no=waybill).exists()


def test_movement_of_a_parcel_on_hold_is_flagged_and_the_parcel_stays_on_hold(client_for, device, waybill):
    response = screening_post(client_for("screener"), waybill, "SUSPECT")
    assert response.status_code == 201 and response.json()["parcel_status"] == "ON_HOLD", response.content

    body = post(device, [scan(waybill, "SORTED"), scan(waybill, "ARRIVED"), scan(waybill, "LOADED"),
                         scan(waybill, "OUT_FOR_DELIVERY"), scan(waybill, "DELIVERED")])
    assert statuses(body) == ["ACCEPTED"] * 5
    assert [r["flags"] for r in body["results"]] == [
        ["moved_while_on_hold"], [], ["moved_while_on_hold", "dispatch_without_clear_screening"],
        ["moved_while_on_hold"], ["moved_while_on_hold"]]
    # One open alert per (parcel, kind), counting every flagged scan.
    (moved,) = alerts("movement_while_on_hold", waybill)
    assert moved.count == 4 and moved.status == "OPEN"
    assert alerts("dispatch_without_screening", waybill).count() == 1
    assert Parcel.objects.get(waybill_no=waybill).status == "ON_HOLD"


def test_a_scan_before_the_acceptance_is_flagged(device, waybill):
    accepted_at = Parcel.objects.get(waybill_no=waybill).accepted_at
    early = scan(waybill, occurred_at=accepted_at - datetime.timedelta(hours=1))
    on_time = scan(waybill, occurred_at=accepted_at + datetime.timedelta(seconds=1))
    body = post(device, [early, on_time])
    assert [r["flags"] for r in body["results"]] == [["before_acceptance"], []]
    assert alerts("event_before_acceptance", waybill).count() == 1


def test_flags_are_stored_with_the_event(device, waybill):
    event = scan(waybill, "DEPARTED")
    post(device, [event])
    assert CheckpointEvent.objects.get(event_id=event["event_id"]).flags == ["dispatch_without_clear_screening"]


# --- parcel status -----------------------------------------------------------------------------------------

def test_the_parcel_status_follows_its_scans(device, waybill):
    def status():
        return Parcel.objects.get(waybill_no=waybill).status

    assert status() == "ACCEPTED"
    post(device, [scan(waybill, "ARRIVED")])
    assert status() == "IN_TRANSIT"
    post(device, [scan(waybill, "LOADED"), scan(waybill, "UNLOADED")])
    assert status() == "IN_TRANSIT"
    post(device, [scan(waybill, "OUT_FOR_DELIVERY")])
    assert status() == "OUT_FOR_DELIVERY"
    post(device, [scan(waybill, "DELIVERED")])
    assert status() == "DELIVERED"


def test_within_a_batch_the_last_scan_sets_the_status(device, waybill):
    post(device, [scan(waybill, "ARRIVED"), scan(waybill, "HANDOVER"), scan(waybill, "OUT_FOR_DELIVERY")])
    assert Parcel.objects.get(waybill_no=waybill).status == "OUT_FOR_DELIVERY"


def test_rejected_duplicate_and_conflicting_scans_leave_the_status_alone(device, waybill):
    post(device, [scan(waybill, "ARRIVED")])
    delivered = scan(waybill, "DELIVERED")  # happens after the arrival (status follows occurred_at)
    post(device, [delivered, scan(waybill, "OUT_FOR_DELIVERY", courier="E9999")])
    assert Parcel.objects.get(waybill_no=waybill).status == "DELIVERED"
    post(device, [delivered, {**delivered, "type": "OUT_FOR_DELIVERY"}])
    assert Parcel.objects.get(waybill_no=waybill).status == "DELIVERED"


# --- cost --------------------------------------------------------------------------------------------------

def test_a_batch_costs_the_same_queries_whatever_its_size(client_for, device):
    """Set-based ingest: 4 events on one parcel or 200 on ten parcels, the same statements. (SQLite's
    bulk_create splits the INSERT into chunks of its variable limit; PostgreSQL inserts with one COPY.)"""
    waybills = [accept(client_for("outlet_staff"))["waybill_no"] for _ in range(10)]
    kinds = ("ARRIVED", "SORTED", "HANDOVER", "UNLOADED")
    post(device, [scan(waybills[0], t) for t in kinds])  # warm up whatever is cached per process

    def statements(events):
        with CaptureQueriesContext(connection) as captured:
            body = post(device, events)
        assert body["summary"]["accepted"] == len(events)
        sql = [q["sql"] for q in captured.captured_queries]
        return len(sql), len([q for q in sql if not q.startswith('INSERT INTO "tracking_checkpointevent"')])

    small_total, small_others = statements([scan(waybills[0], t) for t in kinds])
    large_total, large_others = statements([scan(wb, t) for _ in range(5) for wb in waybills for t in kinds])
    assert large_others == small_others
    if connection.vendor == "postgresql":
        assert large_total == small_total


def test_a_waybill_longer_than_32_characters_is_rejected_not_cut(world, client_for):
    from tests.helpers import accept

    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    too_long = waybill + "X" * (33 - len(waybill))
    response = client_for("device").post("/api/v1/events/", {"events": [
        {"event_id": str(uuid.uuid4()), "waybill_no": too_long, "type": "ARRIVED",
         "occurred_at": timezone.now().isoformat()}]}, format="json")
    result = response.json()["results"][0]
    assert result["status"] == "REJECTED" and result["errors"][0]["code"] == "invalid"
    assert result["errors"][0]["attr"] == "waybill_no"


def test_a_retry_is_a_duplicate_even_after_its_courier_left(world, client_for):
    from apps.organizations.models import Staff
    from tests.helpers import accept

    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    event = {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "HANDOVER", "courier": "E1001",
             "occurred_at": timezone.now().isoformat()}
    first = client_for("device").post("/api/v1/events/", {"events": [event]}, format="json").json()["results"][0]
    Staff.objects.filter(employee_no="E1001").update(status="LEFT")

    retry = client_for("device").post("/api/v1/events/", {"events": [event]}, format="json").json()["results"][0]

    assert first["status"] == "ACCEPTED"
    assert (retry["status"], retry["chain_hash"], retry["errors"]) == ("DUPLICATE", first["chain_hash"], [])
