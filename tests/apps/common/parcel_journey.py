"""One ZTO parcel's journey through the real API, for the admin's trace-page tests and the browser test: accepted
at the outlet (sender 张三, recipient 李四 — the helpers' synthetic people), X-rayed CLEAR at the hub, then scanned
by the hub's scanner from arrival to delivery, loaded on 沪A12345 and delivered by courier E1001.
``flagged=True`` skips the X-ray, so the loading and departure carry the "dispatched without a clear screening"
flag and raise an alert."""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass, field

from django.utils import timezone

from apps.organizations.models import Vehicle
from apps.parcels.models import Parcel
from greenshield.enums import FacilityKind
from tests.factories import FacilityFactory
from tests.helpers import SENDER_ID, accept, screening_body

PLATE = "沪A12345"
STATION = "SH-ST-01"
COURIER = "E1001"
STEP = datetime.timedelta(seconds=5)
SCANS = (
    ("ARRIVED", {"facility": "SH-HUB-01"}),
    ("SORTED", {"facility": "SH-HUB-01"}),
    ("LOADED", {"facility": "SH-HUB-01", "vehicle": PLATE}),
    ("DEPARTED", {"facility": "SH-HUB-01", "vehicle": PLATE}),
    ("UNLOADED", {"facility": STATION, "vehicle": PLATE}),
    ("HANDOVER", {"facility": STATION, "courier": COURIER}),
    ("OUT_FOR_DELIVERY", {"facility": STATION, "courier": COURIER}),
    ("DELIVERED", {"facility": STATION, "courier": COURIER, "location": {"lat": 31.23, "lon": 121.47}}),
)
# Every clear personal value of the journey's people, as submitted and as stored (E.164).
PLAINTEXTS = ("张三", SENDER_ID, "13800138000", "+8613800138000", "上海市浦东新区世纪大道1号",
              "李四", "13900139000", "+8613900139000", "南京市玄武区中山路1号")


@dataclass
class Journey:
    waybill_no: str
    parcel: Parcel
    times: dict = field(default_factory=dict)  # scan type → occurred_at


def parcel_journey(world, client_for, *, waybill_no: str = "ZTO0000000001", flagged: bool = False) -> Journey:
    FacilityFactory(code=STATION, name="上海静安站", organization=world.zto, kind=FacilityKind.STATION,
                    region_code="310106")
    Vehicle.objects.get_or_create(plate=PLATE, defaults={"organization": world.zto})
    accept(client_for("outlet_staff"), waybill_no=waybill_no)
    if not flagged:
        response = client_for("screener").post("/api/v1/screenings/", screening_body(waybill_no), format="json")
        assert response.status_code == 201, response.content
    base = timezone.now()
    journey = Journey(waybill_no=waybill_no, parcel=None)
    events = []
    for position, (kind, extra) in enumerate(SCANS, start=1):
        journey.times[kind] = base + STEP * position
        events.append({"event_id": str(uuid.uuid4()), "waybill_no": waybill_no, "type": kind,
                       "occurred_at": journey.times[kind].isoformat(), **extra})
    response = client_for("device").post("/api/v1/events/", {"events": events}, format="json")
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["ACCEPTED"] * len(events), response.content
    journey.parcel = Parcel.objects.get(waybill_no=waybill_no)
    return journey
