"""A parcel's whole journey through the real API, for the trace, reverse-trace and admin-page tests and the browser
test: accepted at the ZTO outlet (the default people: sender 张三, recipient 李四), screened at the hub (CLEAR, or
SUSPECT then re-checked, or not at all), scanned from arrival to delivery by the scanner of the facility where each
scan happens (a scanner scans only at its own facility: the hub's, then the station's) — loaded on 沪A12345,
delivered by courier E1001 — with explicit, increasing ``occurred_at`` times, and optionally one scan that reaches
the server late, after the delivery, though it happened before the loading. Without a clear screening the loading
and departure carry the "dispatched without a clear screening" flag and raise an alert."""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from apps.organizations.models import Vehicle
from apps.parcels.models import Parcel
from greenshield.enums import FacilityKind
from tests.factories import DeviceFactory, FacilityFactory
from tests.helpers import COURIER, PLATE, accept, device_client, events_post, screening_post

STATION = "SH-ST-01"
STEP = datetime.timedelta(seconds=10)

# The scans in the order they happen; the n-th happens at base + n × STEP.
SCANS = ("ARRIVED", "SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED")


@dataclass
class Journey:
    waybill_no: str
    accepted_at: datetime.datetime
    times: dict[str, datetime.datetime] = field(default_factory=dict)  # scan type → occurred_at
    event_ids: dict[str, str] = field(default_factory=dict)  # scan type → event_id
    chain_hashes: dict[str, str] = field(default_factory=dict)  # scan type → chain_hash the device was given
    screening_ids: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)  # scan types in the order they were posted
    plate: str = PLATE
    station: str = STATION
    courier: str = COURIER
    late: str | None = None
    parcel: Parcel | None = None  # as it stood at the end of the journey


def iso(value: datetime.datetime) -> str:
    return value.isoformat()


def zto_station(world):
    return FacilityFactory(code=STATION, name="上海静安站", organization=world.zto, kind=FacilityKind.STATION,
                           region_code="310106")


def station_scanner(world):
    """The station's own scanner (``SCN-SH-ST-01``), created once."""
    from apps.accounts.models import Device, DeviceAPIKey

    existing = Device.objects.filter(serial=f"SCN-{STATION}").first()
    if existing is not None:
        _, existing.plain_api_key = DeviceAPIKey.objects.create_key(name=existing.serial, device=existing)
        return existing
    return DeviceFactory(serial=f"SCN-{STATION}", organization=world.zto, facility=zto_station(world))


def zto_vehicle(world, plate: str = PLATE) -> Vehicle:
    vehicle, _ = Vehicle.objects.get_or_create(plate=plate, defaults={"organization": world.zto})
    return vehicle


def post_events(client, events: list[dict]) -> list[dict]:
    """POST the scans; every one of them is ACCEPTED. Returns the results."""
    results = events_post(client, events)["results"]
    assert [r["status"] for r in results] == ["ACCEPTED"] * len(events), results
    return results


def run_journey(world, client_for, *, screening: str | None = "CLEAR", resolution: str = "CLEARED",
                plate: str = PLATE, courier: str = COURIER, late: str | None = "SORTED",
                base: datetime.datetime | None = None, **acceptance) -> Journey:
    """Accept (``acceptance`` changes the body, e.g. ``waybill_no=``), screen (a SUSPECT or PROHIBITED result is
    re-checked with ``resolution`` by the supervisor; ``screening=None`` skips the X-ray), then post the eight scans
    in up to three batches: up to the unloading at the station, the last mile, and finally the ``late`` scan."""
    zto_vehicle(world, plate)
    accepted = accept(client_for("outlet_staff"), **acceptance)
    journey = Journey(waybill_no=accepted["waybill_no"],
                      accepted_at=datetime.datetime.fromisoformat(accepted["accepted_at"]),
                      plate=plate, courier=courier, late=late)

    if screening is not None:
        response = screening_post(client_for("screener"), journey.waybill_no, screening)
        assert response.status_code == 201, response.content
        journey.screening_ids.append(response.json()["id"])
    if screening not in (None, "CLEAR"):
        response = client_for("supervisor").post(f"/api/v1/screenings/{journey.screening_ids[-1]}/resolution/",
                                                 {"result": resolution, "notes": "开箱复检：书籍，无异常"}, format="json")
        assert response.status_code == 201, response.content

    # Scans start after every system link (the re-check is stamped with the server's clock), a few seconds apart,
    # well inside the allowed clock skew.
    base = base or timezone.now()
    station = zto_station(world).code
    extra = {
        "ARRIVED": {"facility": "SH-HUB-01"},
        "SORTED": {"facility": "SH-HUB-01"},
        "LOADED": {"facility": "SH-HUB-01", "vehicle": plate},
        "DEPARTED": {"facility": "SH-HUB-01", "vehicle": plate},
        "UNLOADED": {"facility": station, "vehicle": plate},
        "HANDOVER": {"facility": station, "courier": courier},
        "OUT_FOR_DELIVERY": {"facility": station, "courier": courier},
        "DELIVERED": {"courier": courier, "facility": station, "location": {"lat": 32.05, "lon": 118.78}},
    }
    events = {}
    for position, kind in enumerate(SCANS, start=1):
        journey.times[kind] = base + STEP * position
        journey.event_ids[kind] = str(uuid.uuid4())
        events[kind] = {"event_id": journey.event_ids[kind], "waybill_no": journey.waybill_no, "type": kind,
                        "occurred_at": iso(journey.times[kind]), **extra[kind]}
    on_time = [k for k in SCANS if k != late]
    scanners = {"SH-HUB-01": client_for("device"), station: device_client(station_scanner(world))}
    for batch in (on_time[:on_time.index("UNLOADED") + 1], on_time[on_time.index("UNLOADED") + 1:], [late]):
        batch = [k for k in batch if k]
        while batch:  # each run of scans at one facility goes to that facility's scanner, in order
            facility = events[batch[0]]["facility"]
            run = [k for k in batch[:next((i for i, k in enumerate(batch) if events[k]["facility"] != facility),
                                         len(batch))]]
            batch = batch[len(run):]
            for kind, result in zip(run, post_events(scanners[facility], [events[k] for k in run]), strict=True):
                journey.chain_hashes[kind] = result["chain_hash"]
                journey.posted.append(kind)
    journey.parcel = Parcel.objects.get(waybill_no=journey.waybill_no)
    return journey
