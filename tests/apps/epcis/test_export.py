"""EPCIS export: a parcel's trace as an EPCISDocument and the event query, valid against the GS1 schema, with CBV
event hash IDs, scoped like every read, and without any personal data."""
from __future__ import annotations

import datetime
import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from apps.epcis import vocabulary
from apps.organizations.models import Staff
from apps.parcels.models import AcceptanceRecord, CheckpointEvent, LinkPersonalData
from greenshield import epcis_hash
from greenshield.enums import EventType
from tests.apps.epcis.helpers import assert_valid, every_type_parcels
from tests.helpers import accept

pytestmark = pytest.mark.django_db


def document_of(client, waybill_no: str) -> dict:
    response = client.get(f"/api/v1/parcels/{waybill_no}/epcis/")
    assert response.status_code == 200, response.content
    assert response["GS1-EPCIS-Version"] == "2.0.0"
    return response.json()


def test_every_event_type_exports_as_a_valid_object_event_with_its_cbv_hash(world, client_for):
    first, second = every_type_parcels(world, client_for)
    supervisor = client_for("supervisor")
    documents = [document_of(supervisor, first), document_of(supervisor, second)]
    events = []
    for document in documents:
        assert_valid(document)
        assert document["type"] == "EPCISDocument"
        assert {"gs": vocabulary.namespace()} in document["@context"]
        events += document["epcisBody"]["eventList"]
    assert {e["gs:eventType"] for e in events} == {t.value for t in EventType}
    for event in events:
        kind = EventType(event["gs:eventType"])
        assert event["type"] == "ObjectEvent"
        assert event["action"] == ("ADD" if kind is EventType.ACCEPTED else "OBSERVE")
        assert event["bizStep"] == kind.meta.biz_step and event["disposition"] == kind.meta.disposition
        assert event["epcList"][0].endswith("/parcel/" + (first if event["epcList"][0].endswith(first) else second))
        assert event["eventTimeZoneOffset"] == "+08:00"
        recomputed = epcis_hash.event_hash(event, context=documents[0]["@context"],
                                           vocabulary=vocabulary.hash_vocabulary())
        assert event["eventID"] == recomputed and event["eventID"].startswith("ni:///sha-256;")
    by_type = {e["gs:eventType"]: e for e in reversed(events)}  # the first parcel's, where both have one
    assert by_type["SCREENED"]["bizStep"] == "inspecting" and by_type["SCREENED"]["gs:result"] == "SUSPECT"
    assert by_type["RECHECKED"]["gs:result"] == "CLEARED"
    assert by_type["INSPECTED"]["gs:result"] == "PASS"
    assert by_type["LOADED"]["gs:vehicle"] == "沪A12345" and "bizLocation" not in by_type["LOADED"]
    assert by_type["ARRIVED"]["readPoint"] == by_type["ARRIVED"]["bizLocation"] == {
        "id": vocabulary.facility_uri("SH-HUB-01")}
    assert by_type["HANDOVER"]["gs:courier"] == "E1001" and by_type["ARRIVED"]["gs:device"] == "SCN-ZTO-1"
    assert by_type["DELIVERY_FAILED"]["gs:reason"] == "NO_ONE_HOME"
    assert by_type["EXCEPTION"]["gs:reason"] == "DAMAGED" and by_type["RETURNED"]["gs:reason"] == "SENDER_REQUEST"


def test_no_personal_data_appears_not_even_masked(world, client_for):
    first, second = every_type_parcels(world, client_for)
    supervisor = client_for("supervisor")
    text = json.dumps([document_of(supervisor, first), document_of(supervisor, second),
                       client_for("supervisor").get("/api/v1/epcis/events/?perPage=1000").json()], ensure_ascii=False)
    record = AcceptanceRecord.objects.get(waybill_no=first)
    sender = record.unmasked_sender
    personal = [sender["name"], sender["phone"], sender["id_number"], sender["address"], record.recipient_name,
                record.recipient_phone, record.recipient_address, record.masked_sender["name"],
                record.masked_sender["phone"], record.masked_sender["id_number"], record.masked_recipient["phone"]]
    personal += [s.name for s in Staff.objects.all()] + [s.phone for s in Staff.objects.all()]
    personal += [world.users["outlet_staff"].username, world.users["screener"].username]
    # Scan locations, the last-mile ones (personal data, kept apart from the links) included.
    locations = [link.location for link in CheckpointEvent.objects.exclude(location=None)]
    locations += [personal_part.location_value for personal_part in LinkPersonalData.objects.all()]
    assert locations
    for location in locations:
        personal += [str(location["lat"]), str(location["lon"])]
    for value in personal:
        assert value and value not in text, value
    for key in ("location", "actor", "name", "phone", "address", "sender", "recipient"):
        assert f'"{key}"' not in text and f'"gs:{key}"' not in text


def test_the_parcel_document_is_scoped(world, client_for):
    waybill = accept(client_for("outlet_staff"))["waybill_no"]
    assert client_for("regulator").get(f"/api/v1/parcels/{waybill}/epcis/").status_code == 200
    assert client_for("outlet_staff").get(f"/api/v1/parcels/{waybill}/epcis/").status_code == 200
    for kind in ("other_supervisor", "other_regulator", "other_outlet_staff"):
        assert client_for(kind).get(f"/api/v1/parcels/{waybill}/epcis/").status_code == 404, kind
    assert client_for("other_supervisor").get("/api/v1/parcels/NOSUCHWAYBILL1/epcis/").status_code == 404
    assert client_for("device").get(f"/api/v1/parcels/{waybill}/epcis/").status_code == 403
    assert client_for("anonymous").get(f"/api/v1/parcels/{waybill}/epcis/").status_code == 401


def pages(client, url: str) -> list[dict]:
    documents = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        documents.append(response.json())
        link = response.get("Link")
        url = link[1:link.index(">")] if link else None
        if url:
            assert link.endswith('; rel="next"')
    return documents


def test_query_pages_through_the_scope_in_record_time_order_without_gaps_or_repeats(world, client_for):
    first, second = every_type_parcels(world, client_for)
    accept(client_for("other_outlet_staff"))
    supervisor = client_for("supervisor")
    documents = pages(supervisor, "/api/v1/epcis/events/?perPage=4")
    assert len(documents) > 3
    events = [e for d in documents for e in d["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
    for document in documents:
        assert_valid(document)
        assert document["type"] == "EPCISQueryDocument"
    ours = CheckpointEvent.objects.filter(parcel__organization=world.zto).order_by("recorded_at", "id")
    assert len(events) == ours.count() == len({e["eventID"] for e in events})
    assert [e["gs:eventType"] for e in events] == [link.type for link in ours]
    other = pages(client_for("other_supervisor"), "/api/v1/epcis/events/?perPage=1000")
    other_events = other[0]["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
    assert other_events and not {e["eventID"] for e in other_events} & {e["eventID"] for e in events}


def events_for(client, **params) -> list[dict]:
    response = client.get("/api/v1/epcis/events/", params)
    assert response.status_code == 200, response.content
    return response.json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def test_query_filters(world, client_for):
    first, second = every_type_parcels(world, client_for)
    supervisor = client_for("supervisor")
    assert {e["gs:eventType"] for e in events_for(supervisor, EQ_bizStep="departing")} == {"DEPARTED",
                                                                                          "OUT_FOR_DELIVERY"}
    assert {e["gs:eventType"] for e in events_for(
        supervisor, EQ_bizStep="https://ref.gs1.org/cbv/BizStep-loading|gs:sorting")} == {"LOADED", "SORTED"}
    assert {e["gs:eventType"] for e in events_for(supervisor, EQ_disposition="returned")} == {"RETURNED"}
    hub = vocabulary.facility_uri("SH-HUB-01")
    at_hub = events_for(supervisor, EQ_readPoint=hub, perPage=1000)
    assert at_hub and all(e["readPoint"]["id"] == hub for e in at_hub)
    stays = events_for(supervisor, EQ_bizLocation=hub, perPage=1000)
    assert stays and all(e["bizLocation"]["id"] == hub for e in stays) and len(stays) < len(at_hub)
    only_second = events_for(supervisor, MATCH_epc=vocabulary.parcel_uri(second), perPage=1000)
    assert {e["epcList"][0] for e in only_second} == {vocabulary.parcel_uri(second)}
    assert len(only_second) == CheckpointEvent.objects.filter(parcel__waybill_no=second).count()
    late = CheckpointEvent.objects.order_by("-recorded_at").first().recorded_at
    polled = events_for(supervisor, GE_recordTime=late.isoformat(), perPage=1000)
    late_ms = late.replace(microsecond=late.microsecond // 1000 * 1000)  # recordTime is written to the millisecond
    assert polled and all(datetime.datetime.fromisoformat(e["recordTime"]) >= late_ms for e in polled)
    future = (timezone.now() + datetime.timedelta(days=1)).isoformat()
    assert events_for(supervisor, GE_eventTime=future) == []
    assert events_for(supervisor, eventType="AggregationEvent") == []


@pytest.mark.parametrize("params", [{"perPage": "0"}, {"perPage": "1001"}, {"nextPageToken": "garbage"},
                                    {"GE_eventTime": "yesterday"}, {"GE_recordTime": "2026-01-01T00:00:00"}])
def test_bad_query_parameters_are_refused_with_the_parameter_named(world, client_for, params):
    response = client_for("supervisor").get("/api/v1/epcis/events/", params)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["code"] == "invalid" and error["attr"] == next(iter(params))


def test_the_next_page_link_keeps_the_filters(world, client_for):
    every_type_parcels(world, client_for)
    response = client_for("supervisor").get("/api/v1/epcis/events/", {"perPage": 2, "EQ_bizStep": "inspecting"})
    link = response["Link"]
    query = parse_qs(urlsplit(link[1:link.index(">")]).query)
    assert query["EQ_bizStep"] == ["inspecting"] and query["perPage"] == ["2"] and query["nextPageToken"]


def test_query_needs_the_trace_capability(world, client_for):
    assert client_for("device").get("/api/v1/epcis/events/").status_code == 403
    assert client_for("screener").get("/api/v1/epcis/events/").status_code == 403
    assert client_for("anonymous").get("/api/v1/epcis/events/").status_code == 401
