"""EPCIS capture from other vendors' scanners, through the same ingest as native scans.

``capture_submit`` (in the request): the document must pass the GS1 schema whole (else 400, nothing stored); its
ObjectEvents are mapped to scans — business step back to an event type (from ``EventType.meta``), the parcel from
the EPC, the facility from the read point, vehicle, courier and reason codes from the greenshield extensions — and
stored as a capture job with an outbox row, in one transaction: nothing accepted is lost. A worker then feeds the
scans to ``events_capture``, so exactly-once, the rejection codes, flags, alerts and the chain are the native
ones. An event's key there is a UUIDv5 of its EPCIS ``eventID``; an event sent without one gets its CBV 2.0 hash
as ``eventID`` first, so a re-sent document is stored once.
"""
from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from apps.common.outbox import outbox_handler, outbox_put
from apps.tracking.ingest import MAX_BATCH, events_capture
from greenshield import epcis_hash
from greenshield.enums import CaptureStatus, EventType
from greenshield.errors import ApplicationError, NotFound

from . import vocabulary as v
from .models import CaptureJob

CAPTURE_TOPIC = "epcis.capture"
EVENT_ID_NAMESPACE = uuid.UUID("6f1c1d3e-5b0e-5d6a-9a57-9d6c0e2b9a15")  # greenshield's UUIDv5 namespace for eventIDs
DOCUMENT_TYPES = ("EPCISDocument", "EPCISQueryDocument")
SCANS = {t.value: t for t in EventType.scans()}


class DocumentRejected(ApplicationError):
    """The document is refused whole (400): it fails the GS1 schema, or is no EPCIS document."""

    status_code = 400
    code = "schema_violation"

    def __init__(self, errors: list[dict]):
        super().__init__(errors[0]["detail"], code=errors[0]["code"], attr=errors[0]["attr"])
        self.errors = errors


class CaptureTooLarge(ApplicationError):
    status_code = 413
    code = "batch_too_large"


def _event_list(document) -> list:
    body = document.get("epcisBody") or {}
    if document.get("type") == "EPCISQueryDocument":
        return body.get("queryResults", {}).get("resultsBody", {}).get("eventList", [])
    return body.get("eventList", [])


def _our_extensions(event: dict, namespaces: dict) -> dict:
    """The event's fields in the greenshield namespace, by local name, whatever prefix the sender bound to it."""
    ours = v.namespace()
    found = {}
    for key, value in event.items():
        prefix, sep, local = key.partition(":")
        if sep and namespaces.get(prefix) == ours:
            found[local] = value
        elif key.startswith(ours):
            found[key[len(ours):]] = value
    return found


def _reject(code: str, detail: str, attr: str) -> dict:
    return {"code": code, "detail": detail, "attr": attr}


def _event_type(event: dict, extensions: dict) -> tuple[EventType | None, dict | None]:
    """The scan type an ObjectEvent stands for: its business step (and disposition, and whether it names a
    vehicle or a courier, where one step fits several types), or an explicit ``gs:eventType``."""
    step = v.biz_step_word(event.get("bizStep"))
    candidates = v.scan_types_by_biz_step().get(step, ())
    named = extensions.get("eventType")
    if named is not None:
        if isinstance(named, str) and named in SCANS and (not candidates or SCANS[named] in candidates):
            return SCANS[named], None
        return None, _reject("invalid_choice", "gs:eventType must be a scan type matching the business step.",
                             "gs:eventType")
    if not candidates:
        steps = ", ".join(sorted(v.scan_types_by_biz_step()))
        return None, _reject("invalid_choice", f"bizStep must be one of {steps} (or name gs:eventType).", "bizStep")
    if len(candidates) > 1 and event.get("disposition"):
        disposition = v.disposition_word(event.get("disposition"))
        candidates = tuple(c for c in candidates if c.meta.disposition == disposition) or candidates
    if len(candidates) > 1:
        fitting = tuple(c for c in candidates if c.meta.needs_vehicle == ("vehicle" in extensions)
                        and c.meta.needs_courier == ("courier" in extensions))
        candidates = fitting or candidates
    if len(candidates) > 1:
        return None, _reject("invalid_choice", f"bizStep {step} stands for {', '.join(candidates)}: name gs:eventType.",
                             "bizStep")
    return candidates[0], None


def _facility(event: dict) -> tuple[str | None, dict | None]:
    for field in ("readPoint", "bizLocation"):
        place = event.get(field)
        if isinstance(place, dict) and "id" in place:
            code = v.facility_code_of(place["id"])
            if code is None:
                return None, _reject("unknown_facility", f"{field}.id is not a facility of this installation.",
                                     f"{field}.id")
            return code, None
    return None, None


def map_event(event, namespaces: dict, document_context) -> list[dict]:
    """One EPCIS event as entries ``{"eventID", "epc", "scan" (native event or None), "errors"}``: one per EPC."""
    if not isinstance(event, dict):
        return [{"eventID": None, "epc": None, "scan": None,
                 "errors": [_reject("invalid", "Each event must be an object.", None)]}]
    event_id = event.get("eventID") or v.event_id(event, document_context)
    epcs = event.get("epcList") or []

    def rejected(error):
        return [{"eventID": event_id, "epc": epc, "scan": None, "errors": [error]} for epc in (epcs or [None])]

    if event.get("type") != "ObjectEvent":
        return rejected(_reject("invalid_choice", "Only ObjectEvents are captured.", "type"))
    if event.get("action") != "OBSERVE":
        return rejected(_reject("invalid_choice", "Scanners capture OBSERVE events (acceptance is recorded at the "
                                                  "outlet).", "action"))
    if not epcs:
        return rejected(_reject("required", "epcList must name the parcel (quantities name no parcel).", "epcList"))
    extensions = _our_extensions(event, namespaces)
    event_type, error = _event_type(event, extensions)
    if error:
        return rejected(error)
    facility, error = _facility(event)
    if error:
        return rejected(error)
    detail = {}
    for spec in event_type.meta.detail:
        value = extensions.get(v.camel(spec.key))
        if value is None:
            continue
        if not spec.accepts(value):  # the allow-list of greenshield.enums, as for native scans
            return rejected(_reject("invalid", f"gs:{v.camel(spec.key)} must be one of "
                                               f"{', '.join(spec.values or ('a code',))}.", f"gs:{v.camel(spec.key)}"))
        detail[spec.key] = value
    entries = []
    for epc in epcs:
        waybill = v.waybill_of(epc)
        if waybill is None:
            entries.append({"eventID": event_id, "epc": epc, "scan": None,
                            "errors": [_reject("unknown_parcel", "The EPC is not a parcel of this installation.",
                                               "epcList")]})
            continue
        key = event_id if len(epcs) == 1 else f"{event_id} {epc}"
        scan = {"event_id": str(uuid.uuid5(EVENT_ID_NAMESPACE, key)), "waybill_no": waybill, "type": event_type.value,
                "occurred_at": event.get("eventTime"), "facility": facility, "vehicle": extensions.get("vehicle"),
                "courier": extensions.get("courier"), "location": None, "detail": detail}
        entries.append({"eventID": event_id, "epc": epc, "scan": scan, "errors": []})
    return entries


def capture_submit(*, device, document) -> CaptureJob:
    """Validate and map a document, and store it as a capture job for a worker. ``DocumentRejected`` (400) when
    it fails the GS1 schema; ``CaptureTooLarge`` (413) beyond ``MAX_BATCH`` scans."""
    if not isinstance(document, dict) or document.get("type") not in DOCUMENT_TYPES:
        raise DocumentRejected([_reject("invalid", "The body must be an EPCISDocument or an EPCISQueryDocument.",
                                        "type")])
    errors = v.schema_errors(document)
    if errors:
        raise DocumentRejected(errors)
    document_context = document.get("@context")
    namespaces = epcis_hash.namespaces_of(document_context, v.hash_vocabulary())
    entries = [entry for event in _event_list(document) for entry in map_event(event, namespaces, document_context)]
    if len(entries) > MAX_BATCH:
        raise CaptureTooLarge(f"At most {MAX_BATCH} parcel events a capture; nothing was stored.")
    with transaction.atomic():
        job = CaptureJob.objects.create(device=device, organization_id=device.organization_id, scans=entries)
        outbox_put(CAPTURE_TOPIC, {"job": str(job.pk)})
    return job


@outbox_handler(CAPTURE_TOPIC)
def _capture_handler(payload: dict) -> None:
    capture_run(job_id=payload["job"])


@transaction.atomic
def capture_run(*, job_id) -> CaptureJob:
    """Feed a job's scans to the native ingest and record one result per scan (a worker, once per job)."""
    job = CaptureJob.objects.select_for_update().select_related("device__organization").filter(pk=job_id).first()
    if job is None or not job.running:
        return job
    entries = job.scans
    scans = [entry["scan"] for entry in entries if entry["scan"] is not None]
    receipt = events_capture(device=job.device, events=scans) if scans else {"results": []}
    native = iter(receipt["results"])
    results = []
    for entry in entries:
        head = {"eventID": entry["eventID"], "epc": entry["epc"]}
        if entry["scan"] is None:
            results.append({**head, "event_id": None, "status": CaptureStatus.REJECTED.value, "flags": [],
                            "errors": entry["errors"], "chain_hash": None})
        else:
            results.append({**head, **next(native)})
    job.results = results
    job.running = False
    job.success = all(r["status"] in (CaptureStatus.ACCEPTED, CaptureStatus.DUPLICATE) for r in results)
    job.finished_at = timezone.now()
    job.save(update_fields=["results", "running", "success", "finished_at"])
    return job


def capture_job_of_device(*, device, capture_id) -> CaptureJob:
    """A device reads the capture jobs of its own company only (404 otherwise, whether or not the id exists)."""
    try:
        capture_id = uuid.UUID(str(capture_id))
    except ValueError:
        raise NotFound() from None
    job = CaptureJob.objects.filter(pk=capture_id, organization_id=device.organization_id).first()
    if job is None:
        raise NotFound()
    return job


def job_errors(job: CaptureJob) -> list[dict]:
    return [{"eventID": r["eventID"], "epc": r["epc"], **error} for r in job.results for error in r["errors"]
            if r["status"] not in (CaptureStatus.ACCEPTED, CaptureStatus.DUPLICATE)]
