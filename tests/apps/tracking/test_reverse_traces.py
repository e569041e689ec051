"""Reverse traces [R14]: from a courier (GET /api/v1/couriers/{employee_no}/parcels/) or a vehicle
(GET /api/v1/vehicles/{plate}/parcels/, ``?at=T`` for what was aboard) to every parcel they handled; windowed,
cursor-paginated newest first, scoped (out of scope is 404)."""
from __future__ import annotations

import datetime
import uuid
from urllib.parse import quote

import pytest

from apps.organizations.models import Vehicle
from greenshield.enums import FacilityKind
from tests.factories import FacilityFactory, StaffFactory
from tests.helpers import accept
from tests.journeys import PLATE, STATION, STEP, post_events, run_journey, zto_vehicle

pytestmark = pytest.mark.django_db


def courier_url(employee_no: str) -> str:
    return f"/api/v1/couriers/{employee_no}/parcels/"


def vehicle_url(plate: str) -> str:
    return f"/api/v1/vehicles/{quote(plate)}/parcels/"


def t(value: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(value)


def iso(value: datetime.datetime) -> str:
    return value.isoformat()


def every_page(client, url: str, params: dict) -> list[list[dict]]:
    pages = []
    response = client.get(url, params)
    while True:
        assert response.status_code == 200, response.content
        pages.append(response.json()["results"])
        following = response.json()["next"]
        if not following:
            return pages
        response = client.get(following)


@pytest.fixture
def journey(world, client_for):
    return run_journey(world, client_for, screening="SUSPECT")


# --- couriers -----------------------------------------------------------------------------------------------

def test_courier_lists_each_link_with_role_and_time_newest_first(journey, client_for):
    response = client_for("supervisor").get(courier_url("E1001"))

    assert response.status_code == 200, response.content
    rows = response.json()["results"]
    assert {r["waybill_no"] for r in rows} == {journey.waybill_no}
    assert [(r["type"], r["role"]) for r in rows] == [
        ("DELIVERED", "delivered"), ("OUT_FOR_DELIVERY", "carried"), ("HANDOVER", "carried"),
        ("INSPECTED", "inspected"), ("ACCEPTED", "accepted")]
    for row in rows[:3]:
        assert t(row["at"]) == journey.times[row["type"]] and row["facility"] == STATION
    assert t(rows[-1]["at"]) == journey.accepted_at and rows[-1]["facility"] == "SH-PD-01"
    times = [t(r["at"]) for r in rows]
    assert times == sorted(times, reverse=True)
    assert all(r["parcel_status"] for r in rows) and all(r["vehicle"] is None for r in rows)


def test_screening_operator_appears_as_screened(journey, client_for):
    rows = client_for("supervisor").get(courier_url("E1002")).json()["results"]

    assert [(r["waybill_no"], r["type"], r["role"], r["facility"]) for r in rows] == [
        (journey.waybill_no, "SCREENED", "screened", "SH-HUB-01")]


def test_since_and_until_window(journey, client_for):
    client = client_for("supervisor")

    window = client.get(courier_url("E1001"), {"since": iso(journey.times["HANDOVER"]),
                                               "until": iso(journey.times["DELIVERED"])})
    later = client.get(courier_url("E1001"), {"since": iso(journey.times["DELIVERED"] + STEP)})
    earlier = client.get(courier_url("E1001"), {"until": iso(journey.times["ARRIVED"])})

    assert window.status_code == 200, window.content
    # since is inclusive, until exclusive
    assert [r["type"] for r in window.json()["results"]] == ["OUT_FOR_DELIVERY", "HANDOVER"]
    assert later.json()["results"] == []
    assert [r["type"] for r in earlier.json()["results"]] == ["INSPECTED", "ACCEPTED"]


def test_a_window_in_another_utc_offset_is_the_same_instant(journey, client_for):
    utc_since = journey.times["HANDOVER"].astimezone(datetime.UTC)

    rows = client_for("supervisor").get(courier_url("E1001"), {"since": iso(utc_since)}).json()["results"]

    assert [r["type"] for r in rows] == ["DELIVERED", "OUT_FOR_DELIVERY", "HANDOVER"]


BAD_TIMES = ["yesterday", "2026-11-29T08:00:00", "2026-13-01T00:00:00+08:00", "2026-11-29T08:00:00+25:00",
             "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]


@pytest.mark.parametrize("value", BAD_TIMES)
@pytest.mark.parametrize(("endpoint", "name"), [
    ("courier", "since"), ("courier", "until"), ("vehicle", "since"), ("vehicle", "until"), ("vehicle", "at")])
def test_a_bad_time_is_400_invalid(world, client_for, endpoint, name, value):
    zto_vehicle(world)
    url = courier_url("E1001") if endpoint == "courier" else vehicle_url(PLATE)

    response = client_for("supervisor").get(url, {name: value})

    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert (error["code"], error["attr"]) == ("invalid", name)


def test_cursor_pagination_follows_next_without_duplicates(world, client_for, journey):
    second = run_journey(world, client_for, late=None)
    client = client_for("supervisor")
    everything = client.get(courier_url("E1001")).json()["results"]

    pages = every_page(client, courier_url("E1001"), {"page_size": 2})

    assert len(everything) == 10
    assert all(len(page) == 2 for page in pages) and len(pages) == 5
    assert client.get(courier_url("E1001"), {"page_size": 2}).json()["next"]
    flat = [row for page in pages for row in page]
    assert flat == everything  # the same rows in the same order, none twice
    keys = [(r["waybill_no"], r["type"]) for r in flat]
    assert len(set(keys)) == len(keys) == 10
    assert {r["waybill_no"] for r in flat} == {journey.waybill_no, second.waybill_no}


def test_pagination_inside_a_window(world, client_for, journey):
    later = run_journey(world, client_for, late=None, base=journey.times["DELIVERED"] + STEP)

    pages = every_page(client_for("supervisor"), courier_url("E1001"),
                       {"page_size": 2, "since": iso(journey.times["HANDOVER"]),
                        "until": iso(journey.times["DELIVERED"] + STEP)})

    assert [[r["type"] for r in p] for p in pages] == [["DELIVERED", "OUT_FOR_DELIVERY"], ["HANDOVER"]]
    assert {r["waybill_no"] for p in pages for r in p} == {journey.waybill_no}
    assert later.times["HANDOVER"] > journey.times["DELIVERED"] + STEP


@pytest.mark.parametrize(("kind", "employee_no", "expected"), [
    ("supervisor", "E1001", 200), ("regulator", "E1001", 200), ("outlet_staff", "E1001", 200),
    ("superuser", "E1001", 200),
    ("supervisor", "E2001", 404), ("regulator", "E2001", 404), ("other_supervisor", "E1001", 404),
    ("other_regulator", "E1001", 404), ("other_outlet_staff", "E1001", 404),
    ("outlet_staff", "E1002", 404),  # a hub's screener is not staff of the outlet
    ("supervisor", "E9999", 404),
    ("screener", "E1001", 403), ("device", "E1001", 403), ("anonymous", "E1001", 401),
])
def test_who_may_trace_a_courier(world, client_for, journey, kind, employee_no, expected):
    response = client_for(kind).get(courier_url(employee_no))

    assert response.status_code == expected, response.content
    if expected != 200:
        assert journey.waybill_no.encode() not in response.content


def test_yto_sees_its_own_courier(world, client_for):
    waybill = accept(client_for("other_outlet_staff"))["waybill_no"]

    rows = client_for("other_supervisor").get(courier_url("E2001")).json()["results"]

    assert [(r["waybill_no"], r["role"]) for r in rows] == [(waybill, "inspected"), (waybill, "accepted")]


def test_outlet_staff_trace_only_staff_of_their_own_outlet(world, client_for):
    other_outlet = FacilityFactory(code="SH-MH-02", organization=world.zto, kind=FacilityKind.OUTLET,
                                   region_code="310112")
    StaffFactory(employee_no="E1009", facility=other_outlet, organization=world.zto)
    delivered = run_journey(world, client_for, courier="E1009", late=None)

    rows = client_for("supervisor").get(courier_url("E1009")).json()["results"]

    assert [(r["waybill_no"], r["role"]) for r in rows] == [(delivered.waybill_no, "delivered"),
                                                            (delivered.waybill_no, "carried"),
                                                            (delivered.waybill_no, "carried")]
    assert client_for("outlet_staff").get(courier_url("E1009")).status_code == 404


# --- vehicles -----------------------------------------------------------------------------------------------

def test_vehicle_lists_loadings_with_unloadings(journey, client_for):
    response = client_for("supervisor").get(vehicle_url(PLATE))

    assert response.status_code == 200, response.content
    [row] = response.json()["results"]
    assert row["waybill_no"] == journey.waybill_no
    assert t(row["loaded_at"]) == journey.times["LOADED"] and row["loaded_facility"] == "SH-HUB-01"
    assert t(row["unloaded_at"]) == journey.times["UNLOADED"] and row["unloaded_facility"] == STATION


def test_vehicle_newest_loading_first_and_still_aboard_has_no_unloading(world, client_for, journey):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    loaded_at = journey.times["DELIVERED"] + STEP
    post_events(client_for("device"), [{"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "LOADED",
                                        "occurred_at": iso(loaded_at), "vehicle": PLATE}])

    rows = client_for("supervisor").get(vehicle_url(PLATE)).json()["results"]

    assert [r["waybill_no"] for r in rows] == [waybill, journey.waybill_no]
    assert t(rows[0]["loaded_at"]) == loaded_at and rows[0]["unloaded_at"] is None
    assert rows[0]["unloaded_facility"] is None


def test_vehicle_window(journey, client_for):
    client = client_for("supervisor")

    inside = client.get(vehicle_url(PLATE), {"since": iso(journey.times["LOADED"]),
                                             "until": iso(journey.times["LOADED"] + STEP)})
    before = client.get(vehicle_url(PLATE), {"until": iso(journey.times["LOADED"])})
    after = client.get(vehicle_url(PLATE), {"since": iso(journey.times["LOADED"] + datetime.timedelta(seconds=1))})

    assert [r["waybill_no"] for r in inside.json()["results"]] == [journey.waybill_no]
    assert before.json()["results"] == [] and after.json()["results"] == []


@pytest.mark.parametrize(("moment", "aboard"), [
    ("before LOADED", False), ("at LOADED", True), ("DEPARTED", True), ("just before UNLOADED", True),
    ("at UNLOADED", False), ("after UNLOADED", False), ("DELIVERED", False),
])
def test_what_was_aboard_at_an_instant(journey, client_for, moment, aboard):
    second = datetime.timedelta(seconds=1)
    at = {"before LOADED": journey.times["LOADED"] - second, "at LOADED": journey.times["LOADED"],
          "DEPARTED": journey.times["DEPARTED"], "just before UNLOADED": journey.times["UNLOADED"] - second,
          "at UNLOADED": journey.times["UNLOADED"], "after UNLOADED": journey.times["UNLOADED"] + second,
          "DELIVERED": journey.times["DELIVERED"]}[moment]

    response = client_for("supervisor").get(vehicle_url(PLATE), {"at": iso(at)})

    assert response.status_code == 200, response.content
    assert [r["waybill_no"] for r in response.json()["results"]] == ([journey.waybill_no] if aboard else [])
    if aboard:  # aboard at T, and the answer also says when it came off
        assert t(response.json()["results"][0]["unloaded_at"]) == journey.times["UNLOADED"]
    if aboard:
        assert t(response.json()["results"][0]["loaded_at"]) == journey.times["LOADED"]


def test_moved_onto_another_vehicle_without_an_unloading_scan_is_no_longer_aboard(world, client_for):
    zto_vehicle(world)
    other = zto_vehicle(world, "沪B67890")
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    start = datetime.datetime.now(datetime.UTC)
    post_events(client_for("device"), [
        {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "LOADED", "occurred_at": iso(start + STEP),
         "vehicle": PLATE},
        {"event_id": str(uuid.uuid4()), "waybill_no": waybill, "type": "LOADED",
         "occurred_at": iso(start + 3 * STEP), "vehicle": other.plate}])
    client = client_for("supervisor")

    def aboard(plate, at):
        return [r["waybill_no"] for r in client.get(vehicle_url(plate), {"at": iso(at)}).json()["results"]]

    assert aboard(PLATE, start + 2 * STEP) == [waybill]
    assert aboard(PLATE, start + 4 * STEP) == []
    assert aboard(other.plate, start + 4 * STEP) == [waybill]


def test_another_companys_vehicle_is_404(world, client_for, journey):
    Vehicle.objects.create(plate="苏A54321", organization=world.yto)

    assert client_for("supervisor").get(vehicle_url("苏A54321")).status_code == 404
    assert client_for("supervisor").get(vehicle_url("苏A54321"), {"at": iso(journey.times["DEPARTED"])}).status_code == 404
    assert client_for("other_supervisor").get(vehicle_url("苏A54321")).status_code == 200
    assert client_for("other_supervisor").get(vehicle_url(PLATE)).status_code == 404
    assert client_for("supervisor").get(vehicle_url("沪Z00000")).status_code == 404


@pytest.mark.parametrize(("kind", "expected"), [
    ("supervisor", 200), ("regulator", 200), ("outlet_staff", 200), ("other_regulator", 404),
    ("screener", 403), ("device", 403), ("anonymous", 401),
])
def test_who_may_trace_a_vehicle(journey, client_for, kind, expected):
    assert client_for(kind).get(vehicle_url(PLATE)).status_code == expected


def test_vehicle_pagination(world, client_for):
    zto_vehicle(world)
    start = datetime.datetime.now(datetime.UTC)
    waybills = [accept(client_for("outlet_staff"))["waybill_no"] for _ in range(5)]
    post_events(client_for("device"), [
        {"event_id": str(uuid.uuid4()), "waybill_no": w, "type": "LOADED", "occurred_at": iso(start + i * STEP),
         "vehicle": PLATE} for i, w in enumerate(waybills)])

    pages = every_page(client_for("supervisor"), vehicle_url(PLATE), {"page_size": 2})

    assert [len(p) for p in pages] == [2, 2, 1]
    assert [r["waybill_no"] for p in pages for r in p] == waybills[::-1]
