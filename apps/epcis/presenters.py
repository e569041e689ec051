"""The presenters of EPCIS output: a parcel's links as GS1 ObjectEvents, in an ``EPCISDocument`` (a parcel's trace)
or an ``EPCISQueryDocument`` (a query, a subscription delivery). Shared by the API, the subscriptions and the
admin, and the only place an event is written, so everything that leaves is the same and validates.

No personal data, not even masked: a link names the parcel by its waybill URI, facilities by code, the vehicle by
plate, the courier by employee number, the device by serial, and only the coded facts of its ``detail``
(``EventType.meta.detail``); never names, phones, addresses, ID numbers, the scan ``location`` (a last-mile
location is the recipient's doorstep) or the account that recorded it.
"""
from __future__ import annotations

import datetime
import zoneinfo

from django.utils import timezone

from greenshield.enums import EventType

from . import vocabulary as v

CHINA = zoneinfo.ZoneInfo("Asia/Shanghai")
SCHEMA_VERSION = "2.0"


def epcis_time(value: datetime.datetime) -> str:
    return value.astimezone(CHINA).isoformat(timespec="milliseconds")


def object_event(link, *, waybill_no: str, context: list | None = None) -> dict:
    """One link as an ObjectEvent: acceptance ``ADD``, the rest ``OBSERVE``; CBV business step and disposition
    from the event type; its CBV 2.0 event hash as ``eventID``."""
    event_type = EventType(link.type)
    meta = event_type.meta
    event = {
        "type": "ObjectEvent",
        "eventTime": epcis_time(link.occurred_at),
        "eventTimeZoneOffset": "+08:00",
        "recordTime": epcis_time(link.recorded_at),
        "epcList": [v.parcel_uri(waybill_no)],
        "action": "ADD" if event_type is EventType.ACCEPTED else "OBSERVE",
        "bizStep": meta.biz_step,
    }
    if meta.disposition:
        event["disposition"] = meta.disposition
    facility = link.facility
    if facility is not None:
        event["readPoint"] = {"id": v.facility_uri(facility.code)}
        if v.at_facility(event_type):
            event["bizLocation"] = {"id": v.facility_uri(facility.code)}
    event[v.ext("eventType")] = event_type.value
    if link.vehicle is not None:
        event[v.ext("vehicle")] = link.vehicle.plate
    if link.courier is not None:
        event[v.ext("courier")] = link.courier.employee_no
    if link.device is not None:
        event[v.ext("device")] = link.device.serial
    if link.flags:
        event[v.ext("flags")] = list(link.flags)
    detail = link.detail or {}
    for spec in meta.detail:
        value = detail.get(spec.key)
        if spec.accepts(value):
            event[v.ext(v.camel(spec.key))] = value
    event["eventID"] = v.event_id(event, context or v.context())
    return event


def events_of(links, context: list | None = None) -> list[dict]:
    context = context or v.context()
    return [object_event(link, waybill_no=link.parcel.waybill_no, context=context) for link in links]


def epcis_document(events: list[dict], *, created: datetime.datetime | None = None) -> dict:
    return {"@context": v.context(), "type": "EPCISDocument", "schemaVersion": SCHEMA_VERSION,
            "creationDate": epcis_time(created or timezone.now()), "epcisBody": {"eventList": events}}


def query_document(events: list[dict], *, query_name: str = "SimpleEventQuery", subscription_id: str | None = None,
                   created: datetime.datetime | None = None) -> dict:
    results = {"queryName": query_name, "resultsBody": {"eventList": events}}
    if subscription_id:
        results["subscriptionID"] = subscription_id
    return {"@context": v.context(), "type": "EPCISQueryDocument", "schemaVersion": SCHEMA_VERSION,
            "creationDate": epcis_time(created or timezone.now()), "epcisBody": {"queryResults": results}}
