"""Shared by the EPCIS tests: a parcel with a link of every event type, and the GS1 schema check."""
from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

import jsonschema
from django.utils import timezone

from apps.epcis import vocabulary
from tests.helpers import accept, screening_body
from tests.journeys import iso, post_events, run_journey

SCHEMA = json.loads((Path(vocabulary.__file__).parent / "schema" / "EPCIS-JSON-Schema.json").read_text())
# A second, independent implementation of the schema (pure-Python jsonschema) next to the one the app uses.
SECOND_OPINION = jsonschema.Draft7Validator(SCHEMA, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def assert_valid(document: dict) -> None:
    assert vocabulary.schema_errors(document) == []
    assert [e.message for e in SECOND_OPINION.iter_errors(document)] == []


def every_type_parcels(world, client_for) -> tuple[str, str]:
    """Two ZTO parcels that together have a link of every event type: a full journey with a suspect screening and
    its re-check, and one that fails delivery, has an exception and is returned."""
    journey = run_journey(world, client_for, screening="SUSPECT", resolution="CLEARED", late=None)
    other = accept(client_for("outlet_staff"))["waybill_no"]
    response = client_for("screener").post("/api/v1/screenings/", screening_body(other), format="json")
    assert response.status_code == 201, response.content
    at = timezone.now() + datetime.timedelta(seconds=30)
    device = client_for("device")
    post_events(device, [
        {"event_id": str(uuid.uuid4()), "waybill_no": other, "type": "DELIVERY_FAILED",
         "occurred_at": iso(at), "courier": "E1001", "location": {"lat": 31.23456, "lon": 121.47891},
         "detail": {"reason": "NO_ONE_HOME"}},
        {"event_id": str(uuid.uuid4()), "waybill_no": other, "type": "EXCEPTION",
         "occurred_at": iso(at + datetime.timedelta(seconds=1)), "detail": {"reason": "DAMAGED"}},
        {"event_id": str(uuid.uuid4()), "waybill_no": other, "type": "RETURNED",
         "occurred_at": iso(at + datetime.timedelta(seconds=2)), "detail": {"reason": "SENDER_REQUEST"}},
    ])
    return journey.waybill_no, other
