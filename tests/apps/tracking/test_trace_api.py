"""GET /api/v1/parcels/{waybill_no}/trace/ — a parcel's whole trace [R14]: the three controls, every link in time
order, custody, vehicle legs, alerts and the chain re-verified on the spot; masked personal data only; a fixed
number of queries however long the chain; scoped (out of scope is 404)."""
from __future__ import annotations

import datetime
import json
import uuid

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.compliance.models import Alert
from apps.parcels.chain import LinkSpec, chain_append
from apps.parcels.models import CheckpointEvent, Parcel
from apps.transparency.services import log_integrate
from greenshield import rules
from greenshield.enums import FacilityKind, Role
from tests.factories import FacilityFactory, StaffFactory, UserFactory
from tests.helpers import SENDER_ID, accept, screening_post, token_client
from tests.journeys import PLATE, STATION, post_events, run_journey, zto_vehicle

pytestmark = pytest.mark.django_db

PLAINTEXT = ["张三", "李四", SENDER_ID, "13800138000", "13900139000", "上海市浦东新区世纪大道1号", "南京市玄武区中山路1号",
             "世纪大道", "中山路"]


def trace_url(waybill_no: str) -> str:
    return f"/api/v1/parcels/{waybill_no}/trace/"


def t(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


@pytest.fixture
def journey(world, client_for):
    return run_journey(world, client_for, screening="SUSPECT", resolution="CLEARED")


@pytest.fixture
def trace(journey, client_for):
    response = client_for("supervisor").get(trace_url(journey.waybill_no))
    assert response.status_code == 200, response.content
    return response


def test_parcel_and_masked_people_without_any_plaintext(journey, trace):
    data = trace.json()
    parcel = Parcel.objects.get(waybill_no=journey.waybill_no)
    assert data["parcel"]["waybill_no"] == journey.waybill_no
    assert data["parcel"]["status"] == parcel.status
    assert (data["parcel"]["organization"], data["parcel"]["outlet"], data["parcel"]["accepted_by"]) == (
        "ZTO", "SH-PD-01", "E1001")
    assert data["parcel"]["screening_status"] == "CLEARED"
    assert t(data["parcel"]["accepted_at"]) == journey.accepted_at
    assert data["sender"] == {"kind": "PERSON", "name": "张*", "id_type": "RESIDENT_ID",
                              "id_number": SENDER_ID[:3] + "*" * 11 + SENDER_ID[-4:], "phone": "138****8000",
                              "address": data["sender"]["address"]}
    assert data["sender"]["address"].startswith("上海市") and "*" in data["sender"]["address"]
    assert data["recipient"]["name"] == "李*" and data["recipient"]["phone"] == "139****9000"
    assert data["recipient"]["region_code"] == "320102" and "*" in data["recipient"]["address"]
    body = trace.content.decode() + json.dumps(data, ensure_ascii=False)  # raw bytes and decoded escapes
    for plaintext in PLAINTEXT:
        assert plaintext not in body, plaintext


def test_controls_inspection_real_name_and_every_screening_with_its_resolution(journey, trace):
    controls = trace.json()["controls"]
    assert controls["inspection"]["result"] == "PASS" and controls["inspection"]["passed"] is True
    assert controls["inspection"]["sender_present"] is True and controls["inspection"]["inspector"] == "E1001"
    assert controls["real_name"]["method"] == "ID_CARD_READER" and controls["real_name"]["identity_matched"] is True
    assert controls["real_name"]["verified_by"] == "E1001"
    [screening] = controls["screening"]
    assert screening["id"] == journey.screening_ids[0]
    assert (screening["facility"], screening["operator"], screening["result"]) == ("SH-HUB-01", "E1002", "SUSPECT")
    assert screening["resolution"]["result"] == "CLEARED"
    assert screening["resolution"]["resolved_by"] == "zto_supervisor"
    assert screening["resolution"]["notes"] == "开箱复检：书籍，无异常"


def test_a_clear_screening_and_a_second_one_are_both_listed(world, client_for):
    journey = run_journey(world, client_for, screening="CLEAR", late=None)
    again = screening_post(client_for("screener"), journey.waybill_no, "CLEAR", machine_id="XR-02")
    assert again.status_code == 201, again.content

    screenings = client_for("supervisor").get(trace_url(journey.waybill_no)).json()["controls"]["screening"]

    assert [(s["result"], s["machine_id"], s["resolution"]) for s in screenings] == [
        ("CLEAR", "XR-01", None), ("CLEAR", "XR-02", None)]


def test_events_in_occurred_at_order_with_the_late_scan_in_its_place(journey, trace):
    events = trace.json()["events"]
    types = [e["type"] for e in events]
    assert types == ["ACCEPTED", "INSPECTED", "SCREENED", "RECHECKED", "ARRIVED", "SORTED", "LOADED", "DEPARTED",
                     "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED"]
    times = [t(e["occurred_at"]) for e in events]
    assert times == sorted(times)
    # SORTED was recorded last (highest seq) but happened between the arrival and the loading.
    sorted_scan = next(e for e in events if e["type"] == "SORTED")
    assert journey.posted[-1] == "SORTED" and sorted_scan["seq"] == max(e["seq"] for e in events) == 12
    assert t(sorted_scan["occurred_at"]) == journey.times["SORTED"]
    for kind, occurred in journey.times.items():
        event = next(e for e in events if e["type"] == kind)
        assert t(event["occurred_at"]) == occurred
        assert event["event_id"] == journey.event_ids[kind]


def test_each_event_names_facility_vehicle_courier_device_flags_and_its_stored_hash(journey, trace):
    events = {e["type"]: e for e in trace.json()["events"]}
    stored = {str(e.event_id): e.hash for e in CheckpointEvent.objects.filter(parcel__waybill_no=journey.waybill_no)}
    assert len(stored) == len(events) == 12
    for event in events.values():
        assert event["chain_hash"] == stored[event["event_id"]]
        assert isinstance(event["flags"], list)
    for kind, chain_hash in journey.chain_hashes.items():
        assert events[kind]["chain_hash"] == chain_hash  # what the device was told is what is stored
    expected = {  # type: (facility, vehicle, courier, device) — each scan by the scanner of its facility
        "ACCEPTED": ("SH-PD-01", None, "E1001", None),
        "INSPECTED": ("SH-PD-01", None, "E1001", None),
        "SCREENED": ("SH-HUB-01", None, "E1002", None),
        "ARRIVED": ("SH-HUB-01", None, None, "SCN-ZTO-1"),
        "SORTED": ("SH-HUB-01", None, None, "SCN-ZTO-1"),
        "LOADED": ("SH-HUB-01", PLATE, None, "SCN-ZTO-1"),
        "DEPARTED": ("SH-HUB-01", PLATE, None, "SCN-ZTO-1"),
        "UNLOADED": (STATION, PLATE, None, "SCN-SH-ST-01"),
        "HANDOVER": (STATION, None, "E1001", "SCN-SH-ST-01"),
        "OUT_FOR_DELIVERY": (STATION, None, "E1001", "SCN-SH-ST-01"),
        "DELIVERED": (STATION, None, "E1001", "SCN-SH-ST-01"),
    }
    for kind, (facility, vehicle, courier, device) in expected.items():
        event = events[kind]
        assert (event["facility"], event["vehicle"], event["courier"], event["device"]) == (
            facility, vehicle, courier, device), kind
    assert events["DELIVERED"]["location"] == {"lat": 32.05, "lon": 118.78}
    assert events["RECHECKED"]["actor"] == "zto_supervisor" and events["ARRIVED"]["actor"] == "device:SCN-ZTO-1"
    assert all(e["flags"] == [] for e in events.values())  # a cleared, orderly journey raises no flag


def test_custody_intervals(journey, trace):
    data = trace.json()
    accepted_at = t(next(e for e in data["events"] if e["type"] == "ACCEPTED")["occurred_at"])
    custody = [(c["courier"], t(c["since"]), t(c["until"]), c["ended_by"]) for c in data["custody"]]
    assert custody == [
        ("E1001", accepted_at, journey.times["ARRIVED"], "ARRIVED"),  # the accepting courier, until the hub
        ("E1001", journey.times["HANDOVER"], journey.times["DELIVERED"], "DELIVERED"),
    ]


def test_vehicle_legs(journey, trace):
    [leg] = trace.json()["vehicles"]
    assert leg["vehicle"] == PLATE
    assert t(leg["loaded_at"]) == journey.times["LOADED"] and leg["loaded_facility"] == "SH-HUB-01"
    assert t(leg["departed_at"]) == journey.times["DEPARTED"]
    assert t(leg["unloaded_at"]) == journey.times["UNLOADED"] and leg["unloaded_facility"] == STATION


def test_alerts_of_the_parcel_and_only_of_it(world, client_for, journey):
    other = run_journey(world, client_for, screening="PROHIBITED", resolution="SEIZED", late=None,
                        plate="沪B12345", recipient={"name": "王五", "phone": "13700137000",
                                                    "address": "杭州市西湖区文三路1号", "region_code": "330106"})
    assert Alert.objects.filter(parcel__waybill_no=other.waybill_no).exists()

    alerts = client_for("supervisor").get(trace_url(journey.waybill_no)).json()["alerts"]

    mine = Alert.objects.filter(parcel__waybill_no=journey.waybill_no)
    assert sorted(a["id"] for a in alerts) == sorted(str(a.pk) for a in mine)
    assert [a["kind"] for a in alerts] == ["suspect_screening"]
    assert alerts[0]["facility"] == "SH-HUB-01" and journey.waybill_no in alerts[0]["summary"]


def test_a_flagged_scan_shows_its_flags_and_its_alert(world, client_for):
    zto_vehicle(world)
    waybill = accept(client_for("outlet_staff"))["waybill_no"]  # never screened
    loaded = {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "LOADED",
              "occurred_at": timezone.now().isoformat(), "vehicle": PLATE}
    [result] = post_events(client_for("device"), [loaded])
    assert result["flags"] == ["dispatch_without_clear_screening"]

    data = client_for("supervisor").get(trace_url(waybill)).json()

    event = next(e for e in data["events"] if e["type"] == "LOADED")
    assert event["flags"] == ["dispatch_without_clear_screening"]
    assert [a["kind"] for a in data["alerts"]] == ["dispatch_without_screening"]
    assert data["controls"]["screening"] == []


def test_integrity_verdict_of_an_untouched_chain(journey, trace):
    parcel = Parcel.objects.get(waybill_no=journey.waybill_no)
    integrity = trace.json()["integrity"]
    assert integrity["valid"] is True and integrity["problem"] is None
    assert integrity["length"] == CheckpointEvent.objects.filter(parcel=parcel).count() == parcel.chain_length == 12
    assert integrity["head"] == parcel.chain_head
    assert integrity["head"] == journey.chain_hashes[journey.posted[-1]]


def _raw(sql: str, params: list):
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=connection.ops.quote_name(CheckpointEvent._meta.db_table)), params)


def test_an_event_altered_in_the_database_makes_the_trace_invalid(journey, client_for):
    loaded = CheckpointEvent.objects.get(event_id=journey.event_ids["LOADED"])
    _raw("UPDATE {table} SET actor = %s WHERE id = %s", ["device:SCN-EVIL", loaded.pk])

    integrity = client_for("supervisor").get(trace_url(journey.waybill_no)).json()["integrity"]

    assert integrity["valid"] is False
    assert integrity["problem"] == f"link {loaded.seq} was altered"


def test_a_moved_time_makes_the_trace_invalid(journey, client_for):
    delivered = CheckpointEvent.objects.get(event_id=journey.event_ids["DELIVERED"])
    _raw("UPDATE {table} SET occurred_at = %s WHERE id = %s",
         [delivered.occurred_at - datetime.timedelta(hours=5), delivered.pk])

    assert client_for("supervisor").get(trace_url(journey.waybill_no)).json()["integrity"]["valid"] is False


def test_a_link_deleted_from_the_end_makes_the_trace_invalid(journey, client_for):
    last = CheckpointEvent.objects.filter(parcel__waybill_no=journey.waybill_no).order_by("-seq").first()
    _raw("DELETE FROM {table} WHERE id = %s", [last.pk])

    integrity = client_for("supervisor").get(trace_url(journey.waybill_no)).json()["integrity"]

    assert integrity["valid"] is False and integrity["length"] == 11


def test_a_late_scan_does_not_undo_the_delivery(journey, trace):
    """The journey's SORTED scan is uploaded after DELIVERED but happened before it: status follows occurred_at."""
    assert trace.json()["parcel"]["status"] == "DELIVERED"


# --- query count ------------------------------------------------------------------------------------------------

def _scan_links(world, base: datetime.datetime, count: int) -> list[LinkSpec]:
    """Scans that name every kind of related row (facility, vehicle, courier, device), so a missing join shows."""
    vehicle = zto_vehicle(world)
    kinds = [("ARRIVED", {"facility": world.zto_hub}),
             ("LOADED", {"facility": world.zto_hub, "vehicle": vehicle}),
             ("UNLOADED", {"facility": world.zto_hub, "vehicle": vehicle}),
             ("HANDOVER", {"facility": world.zto_hub, "courier": world.zto_courier})]
    links = []
    for i in range(count):
        kind, refs = kinds[i % len(kinds)]
        links.append(LinkSpec(type=kind, occurred_at=base + datetime.timedelta(seconds=i), device=world.zto_device,
                              actor="device:SCN-ZTO-1", **refs))
    return links


def _trace_queries(client, waybill_no: str) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(trace_url(waybill_no))
    assert response.status_code == 200, response.content
    return len(queries), response.json()


def test_query_count_is_the_same_for_a_5_and_a_500_link_chain(world, client_for):
    screener, supervisor = client_for("screener"), client_for("supervisor")
    short = accept(client_for("outlet_staff"))["waybill_no"]
    assert screening_post(screener, short).status_code == 201
    post_events(client_for("device"), [
        {"event_id": str(uuid.uuid4()), "waybill_no": short, "type": kind, "occurred_at": timezone.now().isoformat(),
         "facility": "SH-HUB-01"} for kind in ("ARRIVED", "SORTED")])

    long = accept(client_for("outlet_staff"))["waybill_no"]
    suspect = screening_post(screener, long, "SUSPECT").json()["id"]
    assert supervisor.post(f"/api/v1/screenings/{suspect}/resolution/", {"result": "CLEARED", "notes": "ok"},
                           format="json").status_code == 201
    assert screening_post(screener, long).status_code == 201
    parcel = Parcel.objects.get(waybill_no=long)
    with transaction.atomic():
        links = _scan_links(world, timezone.now(), 500 - parcel.chain_length)
        chain_append(parcel=parcel, links=links)
        for link in links:  # the parcel's status moves with the scans, as ingest moves it (the trace checks it)
            parcel.status, parcel.status_since = rules.status_transition(
                event_type=link.type, current_status=parcel.status, occurred_at=link.occurred_at,
                status_since=parcel.status_since)
        parcel.save(update_fields=["status", "status_since"])
    log_integrate()

    short_count, short_data = _trace_queries(supervisor, short)
    long_count, long_data = _trace_queries(supervisor, long)

    assert (short_data["integrity"]["length"], long_data["integrity"]["length"]) == (5, 500)
    assert short_data["integrity"]["valid"] and long_data["integrity"]["valid"], long_data["integrity"]
    assert short_data["integrity"]["log"] and long_data["integrity"]["log"]
    assert len(long_data["events"]) == 500 and len(long_data["controls"]["screening"]) == 2
    assert long_data["alerts"] and long_data["custody"] and long_data["vehicles"]
    assert short_count == long_count
    assert long_count <= 10


# --- scoping and roles ------------------------------------------------------------------------------------------

@pytest.fixture
def other_zto_outlet_client(world):
    outlet = FacilityFactory(code="SH-MH-02", organization=world.zto, kind=FacilityKind.OUTLET, region_code="310112")
    staff = StaffFactory(employee_no="E1009", facility=outlet, organization=world.zto)
    user = UserFactory(username="zto_outlet_2", role=Role.OUTLET_STAFF, organization=world.zto, facility=outlet,
                       staff=staff)
    return token_client(user)


@pytest.mark.parametrize(("kind", "expected"), [
    ("supervisor", 200), ("regulator", 200), ("outlet_staff", 200), ("superuser", 200),
    ("other_supervisor", 404), ("other_regulator", 404), ("other_outlet_staff", 404),
    ("screener", 403), ("device", 403), ("other_device", 403), ("anonymous", 401),
])
def test_who_may_read_the_trace(world, client_for, kind, expected):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]

    response = client_for(kind).get(trace_url(waybill))

    assert response.status_code == expected, response.content
    if expected != 200:
        assert waybill.encode() not in response.content and "张".encode() not in response.content


def test_outlet_staff_of_another_outlet_of_the_same_company_get_404(world, client_for, other_zto_outlet_client):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]

    assert other_zto_outlet_client.get(trace_url(waybill)).status_code == 404


def test_unknown_waybill_is_404(world, client_for):
    response = client_for("supervisor").get(trace_url("ZTO0000000000"))

    assert response.status_code == 404
    assert response.json()["type"] == "client_error"


def test_a_yto_parcel_is_visible_to_yto_and_jiangsu_only(world, client_for):
    waybill = accept(client_for("other_outlet_staff"))["waybill_no"]

    assert client_for("other_supervisor").get(trace_url(waybill)).status_code == 200
    assert client_for("other_regulator").get(trace_url(waybill)).status_code == 200
    assert client_for("supervisor").get(trace_url(waybill)).status_code == 404
    assert client_for("regulator").get(trace_url(waybill)).status_code == 404
