"""EPCIS capture from other vendors' scanners: the GS1 example documents (identifiers adapted) are captured through
the native ingest — exactly once, with its rejection codes and chain — and documents that fail the schema are
refused whole."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from apps.epcis import vocabulary
from apps.epcis.models import CaptureJob
from apps.parcels.models import CheckpointEvent
from greenshield import epcis_hash
from tests.helpers import accept, screening_body
from tests.journeys import zto_vehicle
from tests.services import wait_until

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def gs1_example(name: str) -> dict:
    return json.loads((DATA / name).read_text())


def parcels(world, client_for, count: int) -> list[str]:
    waybills = [accept(client_for("outlet_staff"))["waybill_no"] for _ in range(count)]
    for waybill in waybills:
        assert client_for("screener").post("/api/v1/screenings/", screening_body(waybill), format="json").status_code == 201
    return waybills


def adapted_9_6_1(waybills: list[str]) -> dict:
    """Example 9.6.1 (shipping two objects, receiving one of them) about our parcels and facilities."""
    document = gs1_example("Example_9.6.1-ObjectEvent.jsonld")
    document["@context"].append({"gs": vocabulary.namespace()})
    shipping, receiving = document["epcisBody"]["eventList"]
    shipping["epcList"] = [vocabulary.parcel_uri(w) for w in waybills[:2]]
    shipping["readPoint"] = {"id": vocabulary.facility_uri("SH-HUB-01")}
    shipping["gs:vehicle"] = "沪A12345"
    receiving["epcList"] = [vocabulary.parcel_uri(waybills[1])]
    receiving["readPoint"] = {"id": vocabulary.facility_uri("SH-HUB-01")}
    receiving["bizLocation"] = {"id": vocabulary.facility_uri("SH-HUB-01")}
    return document


@pytest.fixture
def capture(django_capture_on_commit_callbacks, settings):
    """POST a document; the capture job's outbox row is delivered on commit, in-process as without a broker (the
    worker's path has its own test below)."""
    settings.CELERY_TASK_ALWAYS_EAGER = True

    def post(client, document, **headers):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/epcis/capture/", document, format="json", **headers)

    return post


def job_of(client, response) -> dict:
    assert response.status_code == 202, response.content
    capture_id = response.json()["captureID"]
    assert response["Location"].endswith(f"/api/v1/epcis/capture/{capture_id}/")
    job = client.get(f"/api/v1/epcis/capture/{capture_id}/")
    assert job.status_code == 200
    return job.json()


def test_the_gs1_example_document_is_captured_through_the_native_ingest(world, client_for, capture):
    zto_vehicle(world)
    waybills = parcels(world, client_for, 2)
    device = client_for("device")
    job = job_of(device, capture(device, adapted_9_6_1(waybills)))
    assert job["running"] is False and job["success"] is True and job["errors"] == []
    assert [(r["epc"], r["status"]) for r in job["results"]] == [
        (vocabulary.parcel_uri(waybills[0]), "ACCEPTED"), (vocabulary.parcel_uri(waybills[1]), "ACCEPTED"),
        (vocabulary.parcel_uri(waybills[1]), "ACCEPTED")]
    example = gs1_example("Example_9.6.1-ObjectEvent.jsonld")["epcisBody"]["eventList"]
    assert [r["eventID"] for r in job["results"]] == [example[0]["eventID"]] * 2 + [example[1]["eventID"]]
    departed = CheckpointEvent.objects.filter(type="DEPARTED").order_by("parcel__waybill_no")
    assert [e.parcel.waybill_no for e in departed] == sorted(waybills)
    assert {e.vehicle.plate for e in departed} == {"沪A12345"} and {e.facility.code for e in departed} == {"SH-HUB-01"}
    arrived = CheckpointEvent.objects.get(type="ARRIVED")
    assert arrived.parcel.waybill_no == waybills[1] and arrived.device == world.zto_device
    assert arrived.hash == job["results"][2]["chain_hash"] and arrived.location is None
    assert "before_acceptance" in arrived.flags  # GS1's 2005 event times: stored, and flagged, as scans are facts
    trace = client_for("supervisor").get(f"/api/v1/parcels/{waybills[1]}/trace/").json()
    assert trace["integrity"]["valid"] is True
    assert [e["type"] for e in trace["events"]][:2] == ["DEPARTED", "ARRIVED"]  # in occurred_at order: 2005 first


def test_a_resent_document_is_stored_once_even_without_event_ids(world, client_for, capture):
    zto_vehicle(world)
    waybills = parcels(world, client_for, 2)
    document = adapted_9_6_1(waybills)
    for event in document["epcisBody"]["eventList"]:
        del event["eventID"]
    device = client_for("device")
    first = job_of(device, capture(device, document))
    again = job_of(device, capture(device, copy.deepcopy(document)))
    assert [r["status"] for r in first["results"]] == ["ACCEPTED"] * 3
    assert [r["status"] for r in again["results"]] == ["DUPLICATE"] * 3
    assert [r["chain_hash"] for r in again["results"]] == [r["chain_hash"] for r in first["results"]]
    shipping = document["epcisBody"]["eventList"][0]
    assert first["results"][0]["eventID"] == epcis_hash.event_hash(
        shipping, context=document["@context"], vocabulary=vocabulary.hash_vocabulary())
    assert CheckpointEvent.objects.filter(type__in=["DEPARTED", "ARRIVED"]).count() == 3
    changed = copy.deepcopy(document)
    changed["epcisBody"]["eventList"][1]["eventTime"] = "2005-04-04T20:33:32.116-06:00"
    assert [r["status"] for r in job_of(device, capture(device, changed))["results"]] == [
        "DUPLICATE", "DUPLICATE", "ACCEPTED"]  # another event time is another event (another hash)


def test_the_native_rejection_codes_apply(world, client_for, capture):
    waybills = parcels(world, client_for, 2)
    document = adapted_9_6_1(waybills)
    shipping, receiving = document["epcisBody"]["eventList"]
    del shipping["gs:vehicle"]
    receiving["epcList"] = [vocabulary.parcel_uri("NOSUCHPARCEL01")]
    document["epcisBody"]["eventList"].append({**receiving, "eventID": "urn:uuid:3f0d2e9c-2b7f-4a43-9a51-1c9b7f0a2d11",
                                               "readPoint": {"id": vocabulary.facility_uri("NJ-HUB-01")},
                                               "epcList": [vocabulary.parcel_uri(waybills[0])]})
    document["epcisBody"]["eventList"].append({**receiving, "eventID": "urn:uuid:0b7d44c5-0c1b-4e0e-8f0e-55a4b1c0c001",
                                               "bizStep": "inspecting", "epcList": [vocabulary.parcel_uri(waybills[0])]})
    device = client_for("device")
    job = job_of(device, capture(device, document))
    assert job["success"] is False
    codes = [[e["code"] for e in r["errors"]] for r in job["results"]]
    # Another company's read point: a scanner records scans at its own facility only (the native rule).
    assert codes == [["vehicle_required"], ["vehicle_required"], ["unknown_parcel"], ["facility_not_permitted"],
                     ["invalid_choice"]]
    assert {(e["code"], e["epc"]) for e in job["errors"]} >= {("unknown_parcel", vocabulary.parcel_uri("NOSUCHPARCEL01"))}
    assert not CheckpointEvent.objects.filter(type__in=["DEPARTED", "ARRIVED"]).exists()


def test_a_document_failing_the_gs1_schema_is_refused_whole(world, client_for, capture):
    waybills = parcels(world, client_for, 2)
    zto_vehicle(world)
    document = adapted_9_6_1(waybills)
    document["epcisBody"]["eventList"][1]["action"] = "JUMP"
    del document["epcisBody"]["eventList"][0]["eventTimeZoneOffset"]
    response = capture(client_for("device"), document)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["code"] for e in errors} == {"schema_violation"}
    assert "epcisBody.eventList.1.action" in {e["attr"] for e in errors}
    assert any("eventTimeZoneOffset" in e["detail"] for e in errors)
    assert not CaptureJob.objects.exists() and not CheckpointEvent.objects.filter(type="DEPARTED").exists()
    assert capture(client_for("device"), {"events": []}).status_code == 400


def test_only_proceed_and_at_most_a_batch(world, client_for, capture):
    waybills = parcels(world, client_for, 1)
    document = adapted_9_6_1(waybills * 2)
    response = capture(client_for("device"), document, HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR="rollback")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "GS1-Capture-Error-Behaviour"
    big = copy.deepcopy(document)
    big["epcisBody"]["eventList"][0]["epcList"] = [vocabulary.parcel_uri(f"ZTO{n:010d}") for n in range(1001)]
    response = capture(client_for("device"), big)
    assert response.status_code == 413 and response.json()["errors"][0]["code"] == "batch_too_large"
    assert not CaptureJob.objects.exists()


def test_capture_is_for_devices_and_jobs_only_for_their_company(world, client_for, capture):
    zto_vehicle(world)
    document = adapted_9_6_1(parcels(world, client_for, 2))
    for kind in ("supervisor", "regulator", "superuser", "outlet_staff"):
        assert capture(client_for(kind), document).status_code == 403, kind
    assert capture(client_for("anonymous"), document).status_code == 401
    response = capture(client_for("device"), document)
    url = f"/api/v1/epcis/capture/{response.json()['captureID']}/"
    assert client_for("other_device").get(url).status_code == 404
    assert client_for("other_device").get("/api/v1/epcis/capture/not-a-uuid/").status_code == 404
    assert client_for("supervisor").get(url).status_code == 403
    assert client_for("device").get(url).status_code == 200


def test_another_vendor_capturing_our_parcel_gets_unknown_parcel(world, client_for, capture):
    zto_vehicle(world)
    document = adapted_9_6_1(parcels(world, client_for, 2))
    document["epcisBody"]["eventList"] = document["epcisBody"]["eventList"][1:]
    document["epcisBody"]["eventList"][0]["readPoint"] = {"id": vocabulary.facility_uri("NJ-HUB-01")}
    del document["epcisBody"]["eventList"][0]["bizLocation"]
    job = job_of(client_for("other_device"), capture(client_for("other_device"), document))
    assert [e["code"] for e in job["results"][0]["errors"]] == ["unknown_parcel"]


@pytest.mark.django_db(transaction=True)
def test_a_capture_job_is_done_by_the_celery_worker(world, client_for, celery_worker):
    zto_vehicle(world)
    waybills = parcels(world, client_for, 2)
    device = client_for("device")
    response = device.post("/api/v1/epcis/capture/", adapted_9_6_1(waybills), format="json")
    assert response.status_code == 202, response.content
    url = f"/api/v1/epcis/capture/{response.json()['captureID']}/"
    job = wait_until(lambda: (lambda j: j if not j["running"] else None)(device.get(url).json()), timeout=60,
                     what="the worker to run the capture job")
    assert [r["status"] for r in job["results"]] == ["ACCEPTED"] * 3
    assert CheckpointEvent.objects.filter(type__in=["DEPARTED", "ARRIVED"]).count() == 3
