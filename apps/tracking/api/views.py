from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.fastjson import ORJSONParser, ORJSONRenderer
from apps.common.openapi import client_error
from apps.common.permissions import capability_permission
from greenshield.capabilities import Capability
from greenshield.enums import EventType
from greenshield.errors import ApplicationError, ValidationFailed

from ..ingest import MAX_BATCH, BatchTooLarge, events_capture


class BatchTooLargeError(ApplicationError):
    status_code = 413
    code = "batch_too_large"


EventInput = inline_serializer("CheckpointEventInput", {
    "event_id": serializers.UUIDField(help_text="The device's own id for this scan; the key for exactly-once."),
    "waybill_no": serializers.CharField(),
    "type": serializers.ChoiceField(choices=[t.value for t in EventType.scans()]),
    "occurred_at": serializers.DateTimeField(help_text="Device clock, with its UTC offset."),
    "facility": serializers.CharField(required=False, allow_null=True,
                                      help_text="Facility code; defaults to the device's facility."),
    "vehicle": serializers.CharField(required=False, allow_null=True, help_text="Plate; LOADED/DEPARTED/UNLOADED."),
    "courier": serializers.CharField(required=False, allow_null=True,
                                     help_text="employee_no; HANDOVER/OUT_FOR_DELIVERY/DELIVERED/DELIVERY_FAILED."),
    "location": inline_serializer("Location", {"lat": serializers.FloatField(), "lon": serializers.FloatField()},
                                  required=False, allow_null=True),
    "detail": serializers.DictField(required=False),
})
ErrorItem = inline_serializer("EventError", {"code": serializers.CharField(), "detail": serializers.CharField(),
                                             "attr": serializers.CharField(allow_null=True)})
EventResult = inline_serializer("EventResult", {
    "event_id": serializers.CharField(allow_null=True),
    "status": serializers.ChoiceField(choices=["ACCEPTED", "DUPLICATE", "CONFLICT", "REJECTED"]),
    "flags": serializers.ListField(child=serializers.CharField()),
    "errors": ErrorItem.__class__(many=True),
    "chain_hash": serializers.CharField(allow_null=True),
})


@extend_validation_errors(["invalid"], field_name="events")
class EventBatchView(APIView):
    """Checkpoint events from scanner devices, up to 1,000 a request. One result per event, in input order."""

    permission_classes = [capability_permission(Capability.CAPTURE_SCANS)]
    parser_classes = [ORJSONParser]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(
        request=inline_serializer("CheckpointEventBatch", {"events": EventInput.__class__(many=True)}),
        responses={200: inline_serializer("CheckpointEventReceipt", {
            "results": EventResult.__class__(many=True),
            "summary": inline_serializer("CheckpointEventSummary", {
                "accepted": serializers.IntegerField(), "duplicates": serializers.IntegerField(),
                "conflicts": serializers.IntegerField(), "rejected": serializers.IntegerField()}),
        }), 413: client_error("More than 1,000 events; nothing was stored.", "batch_too_large")},
        examples=[OpenApiExample("Loaded onto a truck", request_only=True, value={"events": [{
            "event_id": "0192f3c4-7d1e-7b2a-9c3d-4e5f60718293", "waybill_no": "ZTO0000000001", "type": "LOADED",
            "occurred_at": "2026-11-29T08:15:00+08:00", "facility": "SH-HUB-01", "vehicle": "沪A12345",
            "courier": None, "location": {"lat": 31.2, "lon": 121.5}, "detail": {}}]})],
        summary="Post a batch of checkpoint scans (device API key)",
    )
    def post(self, request):
        events = request.data.get("events") if isinstance(request.data, dict) else None
        if not isinstance(events, list):
            raise ValidationFailed("The body must be {\"events\": [...]}.", code="invalid", attr="events")
        if len(events) > MAX_BATCH:
            raise BatchTooLargeError(f"At most {MAX_BATCH} events a request; nothing was stored.")
        try:
            receipt = events_capture(device=request.user.device, events=events)
        except BatchTooLarge as exc:  # pragma: no cover - checked above, kept for direct service callers
            raise BatchTooLargeError(f"At most {MAX_BATCH} events a request; nothing was stored.") from exc
        return Response(receipt)
