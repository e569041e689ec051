"""Devices are bound to their place: a scanner records scans at its own facility only and names only its company's
couriers and vehicles; a scan naming a courier who is not in good standing is still a fact, stored with a flag
and an alert; and exactly-once by event id holds within the device's company, so another company's event ids are
never revealed."""
from __future__ import annotations

import uuid

import pytest
from django.utils import timezone

from apps.compliance.models import Alert
from apps.parcels.models import CheckpointEvent, ParcelTerritory, VehicleTerritory
from tests.conftest import device_client
from tests.factories import DeviceFactory, VehicleFactory
from tests.helpers import accept

pytestmark = pytest.mark.django_db


def scan(waybill, event_type="ARRIVED", event_id=None, **fields):
    return {"event_id": str(event_id or uuid.uuid4()), "waybill_no": waybill, "type": event_type,
            "occurred_at": timezone.now().isoformat(), **fields}


def post(client, *events):
    response = client.post("/api/v1/events/", {"events": list(events)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.fixture
def waybill(world, client_for):
    return accept(client_for("outlet_staff"))["waybill_no"]


def test_a_hub_scanner_cannot_scan_at_an_outlet_of_its_company(world, client_for, waybill):
    """The issue's case 3: one stolen hub key could post at any facility of the company."""
    results = post(client_for("device"), scan(waybill, facility="SH-PD-01"),
                   scan(waybill, "DELIVERED", facility="SH-PD-01", courier="E1001"),
                   scan(waybill, facility="NJ-HUB-01"), scan(waybill, facility="NOWHERE"),
                   scan(waybill, facility="SH-HUB-01"), scan(waybill))
    assert [(r["status"], [e["code"] for e in r["errors"]]) for r in results] == [
        ("REJECTED", ["facility_not_permitted"])] * 4 + [("ACCEPTED", []), ("ACCEPTED", [])]
    assert set(CheckpointEvent.objects.filter(device__isnull=False).values_list("facility__code", flat=True)) == {
        "SH-HUB-01"}


def test_a_scanner_without_a_facility_scans_nowhere_in_particular(world, client_for, waybill):
    roaming = DeviceFactory(serial="SCN-ROAM", organization=world.zto, facility=None)
    results = post(device_client(roaming), scan(waybill, facility="SH-HUB-01"), scan(waybill, "EXCEPTION",
                                                                                      detail={"reason": "DAMAGED"}))
    assert [r["status"] for r in results] == ["REJECTED", "ACCEPTED"]
    assert results[0]["errors"][0]["code"] == "facility_not_permitted"


@pytest.mark.parametrize("standing", ["SUSPENDED", "LEFT", "blacklisted"])
def test_a_scan_naming_a_courier_not_in_good_standing_is_stored_flagged_and_alerted(world, client_for, waybill,
                                                                                      standing):
    if standing == "blacklisted":
        entry = client_for("supervisor").post("/api/v1/blacklist/", {"subject": "STAFF", "employee_no": "E1001",
                                                                     "reason": "违规"}, format="json")
        assert entry.status_code == 201
    else:
        world.zto_courier.status = standing
        world.zto_courier.save(update_fields=["status"])
    [result] = post(client_for("device"), scan(waybill, "HANDOVER", courier="E1001"))

    assert result["status"] == "ACCEPTED" and "courier_not_in_good_standing" in result["flags"]
    assert CheckpointEvent.objects.get(type="HANDOVER").courier.employee_no == "E1001"
    assert Alert.objects.filter(kind="courier_not_in_good_standing", parcel__waybill_no=waybill).count() == 1


def test_an_active_courier_is_not_flagged_and_another_companys_courier_is_unknown(world, client_for, waybill):
    ok, stranger = post_any(client_for("device"), scan(waybill, "HANDOVER", courier="E1001"),
                            scan(waybill, "HANDOVER", courier="E2001"))
    assert ok["status"] == "ACCEPTED" and ok["flags"] == []
    assert stranger["status"] == "REJECTED" and stranger["errors"][0]["code"] == "unknown_courier"


def post_any(client, *events):
    response = client.post("/api/v1/events/", {"events": list(events)}, format="json")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_event_ids_are_exactly_once_per_company_and_reveal_nothing_across(world, client_for, waybill):
    """The issue's case 6: a YTO scanner reusing a ZTO event id learned CONFLICT/DUPLICATE."""
    yto_waybill = accept(client_for("other_outlet_staff"))["waybill_no"]
    shared = uuid.uuid4()
    [zto] = post(client_for("device"), scan(waybill, event_id=shared))
    assert zto["status"] == "ACCEPTED"

    yto_scan = scan(yto_waybill, event_id=shared)
    [yto] = post(client_for("other_device"), yto_scan)
    assert yto["status"] == "ACCEPTED"  # not CONFLICT: ZTO's event is not YTO's business
    [yto_again] = post_any(client_for("other_device"), yto_scan)
    assert yto_again["status"] == "DUPLICATE"  # within the company, exactly once still holds
    [zto_conflict] = post_any(client_for("device"), scan(waybill, "SORTED", event_id=shared))
    assert zto_conflict["status"] == "CONFLICT"
    assert CheckpointEvent.objects.filter(event_id=shared).count() == 2


def test_scans_place_the_parcel_and_the_vehicle_in_the_facilitys_province(world, client_for, waybill):
    VehicleFactory(plate="沪A77777", organization=world.zto)
    yto_hub_device = client_for("other_device")  # a YTO hub in Nanjing: not ZTO's vehicle
    [loaded] = post(client_for("device"), scan(waybill, "LOADED", vehicle="沪A77777"))
    assert loaded["status"] == "ACCEPTED"
    assert set(ParcelTerritory.objects.filter(parcel__waybill_no=waybill).values_list("province", flat=True)) == {
        "310000"}
    assert list(VehicleTerritory.objects.values_list("vehicle__plate", "province")) == [("沪A77777", "310000")]
    [foreign] = post_any(yto_hub_device, scan(waybill, "ARRIVED"))
    assert foreign["status"] == "REJECTED" and foreign["errors"][0]["code"] == "unknown_parcel"
