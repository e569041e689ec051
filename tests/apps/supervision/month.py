"""A hand-built month for the supervision tests and the dashboard's browser test: parcels accepted through the
service on chosen days (the acceptance, its parcel and its system links re-dated to that moment), scanned by the
ZTO hub's scanner with explicit times, then rolled up."""
from __future__ import annotations

import datetime
import uuid
from zoneinfo import ZoneInfo

from apps.parcels.models import AcceptanceRecord, CheckpointEvent, Parcel
from tests.helpers import COURIER, accept_as, backdate_parcel, device_client, events_post

CHINA = ZoneInfo("Asia/Shanghai")
NANJING, SUZHOU, BEIJING, SHANGHAI = "320102", "320505", "110105", "310104"


def at(day: datetime.date, hour: float = 9) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=CHINA) + datetime.timedelta(hours=hour)


def accepted_on(account, when: datetime.datetime, **changes) -> AcceptanceRecord:
    """An attempt recorded through the service, then dated ``when`` (the record, its parcel and its system links)."""
    record = accept_as(account, **changes)
    AcceptanceRecord.objects.filter(pk=record.pk).update(recorded_at=when)
    backdate_parcel(when, acceptance=record.pk)
    CheckpointEvent.objects.filter(parcel__acceptance=record.pk).update(occurred_at=when, recorded_at=when)
    return record


def parcel(world, when: datetime.datetime, destination: str, scans: list[tuple[str, float, dict]] = (),
           account=None) -> Parcel:
    """A ZTO parcel accepted at ``when`` at the Pudong outlet for ``destination`` (a county code), then scanned by the
    hub's scanner: ``(type, hours after acceptance, extra fields)``."""
    record = accepted_on(account or world.users["outlet_staff"], when, recipient={"region_code": destination})
    events = []
    for kind, hours, extra in scans:
        event = {"event_id": str(uuid.uuid4()), "waybill_no": record.waybill_no, "type": kind,
                 "occurred_at": (when + datetime.timedelta(hours=hours)).isoformat(), **extra}
        if kind in ("HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED", "DELIVERY_FAILED"):
            event.setdefault("courier", COURIER)
        events.append(event)
    if events:
        results = events_post(device_client(world.zto_device), events)["results"]
        assert [r["status"] for r in results] == ["ACCEPTED"] * len(events), results
    return Parcel.objects.get(acceptance=record.pk)


def delivered(hours: float) -> list[tuple[str, float, dict]]:
    return [("ARRIVED", 1, {}), ("DELIVERED", hours, {})]


def exception(reason: str, hours: float = 2) -> tuple[str, float, dict]:
    return ("EXCEPTION", hours, {"detail": {"reason": reason}})
