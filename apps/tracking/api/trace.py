"""The trace and reverse-trace endpoints (supervisors, regulators; outlet staff for their outlet's parcels)."""
from __future__ import annotations

import datetime

from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.permissions import roles_permission
from greenshield import trace as trace_rules
from greenshield.enums import Role
from greenshield.errors import ValidationFailed

from .. import selectors

TracePermission = roles_permission(Role.SUPERVISOR, Role.REGULATOR, Role.OUTLET_STAFF)
_TIME = serializers.DateTimeField()


def _t(value):
    return None if value is None else _TIME.to_representation(value)


def _code(obj, attribute):
    return getattr(obj, attribute) if obj is not None else None


def event_representation(event) -> dict:
    return {"event_id": str(event.event_id), "seq": event.seq, "type": event.type,
            "occurred_at": _t(event.occurred_at), "recorded_at": _t(event.recorded_at),
            "facility": _code(event.facility, "code"), "vehicle": _code(event.vehicle, "plate"),
            "courier": _code(event.courier, "employee_no"), "device": _code(event.device, "serial"),
            "actor": event.actor, "location": event.location, "detail": event.detail, "flags": event.flags,
            "chain_hash": event.hash}


def screening_representation(screening) -> dict:
    resolution = getattr(screening, "resolution", None)
    return {"id": str(screening.pk), "facility": screening.facility.code, "machine_id": screening.machine_id,
            "operator": screening.operator.employee_no, "result": screening.result,
            "image_ref": screening.image_ref, "image_sha256": screening.image_sha256,
            "screened_at": _t(screening.screened_at), "recorded_by": screening.recorded_by,
            "resolution": None if resolution is None else {
                "result": resolution.result, "notes": resolution.notes,
                "resolved_by": resolution.resolved_by.username, "resolved_at": _t(resolution.resolved_at),
                "authority_report_ref": resolution.authority_report_ref or None}}


def alert_representation(alert) -> dict:
    return {"id": str(alert.pk), "kind": alert.kind, "severity": alert.severity, "status": alert.status,
            "facility": _code(alert.facility, "code"), "summary": alert.summary, "created_at": _t(alert.created_at)}


def trace_representation(t: selectors.Trace) -> dict:
    parcel = t.parcel
    acceptance = parcel.acceptance
    inspection, verification = acceptance.inspection, acceptance.verification
    return {
        "parcel": {"waybill_no": parcel.waybill_no, "status": parcel.status,
                   "screening_status": parcel.screening_status, "organization": parcel.organization.code,
                   "outlet": parcel.outlet.code, "accepted_at": _t(parcel.accepted_at),
                   "accepted_by": acceptance.staff.employee_no, "weight_g": acceptance.weight_g,
                   "contract_customer": parcel.contract_customer},
        "sender": {k: v for k, v in acceptance.masked_sender.items() if v != ""},
        "recipient": acceptance.masked_recipient,
        "controls": {
            "inspection": {"result": inspection.result, "passed": inspection.passed,
                           "sender_present": inspection.sender_present,
                           "inspector": inspection.inspector.employee_no, "inspected_at": _t(inspection.inspected_at),
                           "notes": inspection.notes,
                           "safety_certificate_ref": inspection.safety_certificate_ref or None},
            "real_name": {"method": verification.method, "identity_matched": verification.identity_matched,
                          "verified_by": verification.verified_by.employee_no,
                          "verified_at": _t(verification.verified_at),
                          "contract_customer": verification.contract_customer},
            "screening": [screening_representation(s) for s in t.screenings],
        },
        "events": [event_representation(e) for e in t.events],
        "custody": [{"courier": c.courier, "since": _t(c.since), "until": _t(c.until), "ended_by": c.ended_by}
                    for c in t.custody],
        "vehicles": [{"vehicle": leg.vehicle, "loaded_at": _t(leg.loaded_at), "loaded_facility": leg.loaded_facility,
                      "departed_at": _t(leg.departed_at), "unloaded_at": _t(leg.unloaded_at),
                      "unloaded_facility": leg.unloaded_facility} for leg in t.legs],
        "alerts": [alert_representation(a) for a in t.alerts],
        "integrity": {"valid": t.integrity.valid, "length": t.integrity.length, "head": t.integrity.head,
                      "problem": t.integrity.problem or None},
    }


class ParcelTraceView(APIView):
    """A parcel's whole trace: the three controls, every link of its chain, custody, vehicles, alerts, and the
    chain's integrity re-verified on the spot."""

    permission_classes = [TracePermission]

    @extend_schema(responses={200: OpenApiTypes.OBJECT}, summary="Trace a parcel")
    def get(self, request, waybill_no):
        return Response(trace_representation(selectors.parcel_trace(user=request.user, waybill_no=waybill_no)))


def _parse_time(request, name):
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        value = parse_datetime(raw)
        # Well-formed but impossible (month 13) or at the edge of what datetime holds (year 1 at +14:00): a
        # client error, not an overflow in the query.
        if value is not None and value.tzinfo is not None and not 1 < value.astimezone(datetime.UTC).year < 9999:
            value = None
    except (ValueError, OverflowError):
        value = None
    if value is None or value.tzinfo is None:
        raise ValidationFailed(f"{name} must be an ISO 8601 time with its UTC offset.", code="invalid", attr=name)
    return value.astimezone(datetime.UTC)  # PostgreSQL refuses offsets beyond ±16:00, which Python allows


WINDOW = [OpenApiParameter("since", OpenApiTypes.DATETIME, description="From (inclusive), ISO 8601 with offset"),
          OpenApiParameter("until", OpenApiTypes.DATETIME, description="Until (exclusive)")]


class NewestFirst(CursorPagination):
    """Cursor pagination (stable and cheap on millions of events)."""

    ordering = ("-occurred_at", "-id")
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


CourierRow = inline_serializer("CourierActivity", {
    "waybill_no": serializers.CharField(), "role": serializers.CharField(), "type": serializers.CharField(),
    "at": serializers.DateTimeField(), "facility": serializers.CharField(allow_null=True),
    "vehicle": serializers.CharField(allow_null=True), "parcel_status": serializers.CharField()})


def page_of(name: str, row) -> object:
    """The cursor page the reverse traces answer with (``next``/``previous`` links and ``results``)."""
    return inline_serializer(name, {"next": serializers.URLField(allow_null=True),
                                    "previous": serializers.URLField(allow_null=True),
                                    "results": row.__class__(many=True)})


@extend_validation_errors(["invalid"], field_name="since")
@extend_validation_errors(["invalid"], field_name="until")
class CourierParcelsView(APIView):
    """Every parcel a staff member accepted, inspected, screened, carried or delivered, with role and time."""

    permission_classes = [TracePermission]

    @extend_schema(parameters=WINDOW, responses={200: page_of("CourierActivityPage", CourierRow)},
                   summary="Reverse trace from a courier")
    def get(self, request, employee_no):
        _, events = selectors.courier_activity(user=request.user, employee_no=employee_no,
                                               since=_parse_time(request, "since"), until=_parse_time(request, "until"))
        paginator = NewestFirst()
        page = paginator.paginate_queryset(events, request, view=self)
        return paginator.get_paginated_response([{
            "waybill_no": e.parcel.waybill_no, "role": trace_rules.ROLE_OF_TYPE.get(e.type, "scanned"),
            "type": e.type, "at": _t(e.occurred_at), "facility": _code(e.facility, "code"),
            "vehicle": _code(e.vehicle, "plate"), "parcel_status": e.parcel.status} for e in page])


VehicleRow = inline_serializer("VehicleLoad", {
    "waybill_no": serializers.CharField(), "loaded_at": serializers.DateTimeField(),
    "loaded_facility": serializers.CharField(allow_null=True),
    "unloaded_at": serializers.DateTimeField(allow_null=True),
    "unloaded_facility": serializers.CharField(allow_null=True), "parcel_status": serializers.CharField()})


@extend_validation_errors(["invalid"], field_name="since")
@extend_validation_errors(["invalid"], field_name="until")
@extend_validation_errors(["invalid"], field_name="at")
class VehicleParcelsView(APIView):
    """Parcels loaded on a vehicle in a window, with loaded and unloaded times; ``?at=T``: what was aboard."""

    permission_classes = [TracePermission]

    @extend_schema(parameters=[*WINDOW, OpenApiParameter("at", OpenApiTypes.DATETIME,
                                                         description="What was aboard at this instant")],
                   responses={200: page_of("VehicleLoadPage", VehicleRow)}, summary="Reverse trace from a vehicle")
    def get(self, request, plate):
        at = _parse_time(request, "at")
        if at is not None:
            vehicle, loadings = selectors.vehicle_aboard(user=request.user, plate=plate, at=at)
        else:
            vehicle, loadings = selectors.vehicle_loadings(user=request.user, plate=plate,
                                                           since=_parse_time(request, "since"),
                                                           until=_parse_time(request, "until"))
        paginator = NewestFirst()
        page = list(paginator.paginate_queryset(loadings, request, view=self))
        unloadings = selectors.vehicle_unloadings(vehicle=vehicle, loadings=page)  # with ?at=, the later unloading
        rows = []
        for loading in page:
            unloaded = unloadings.get(loading.pk)
            rows.append({"waybill_no": loading.parcel.waybill_no, "loaded_at": _t(loading.occurred_at),
                         "loaded_facility": _code(loading.facility, "code"),
                         "unloaded_at": _t(unloaded.occurred_at) if unloaded else None,
                         "unloaded_facility": _code(unloaded.facility, "code") if unloaded else None,
                         "parcel_status": loading.parcel.status})
        return paginator.get_paginated_response(rows)
