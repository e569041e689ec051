"""The EPCIS 2.0 endpoints (REST binding): a parcel's trace as an EPCISDocument, the event query, capture and its
jobs, and agencies' subscriptions."""
from __future__ import annotations

from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.fastjson import ORJSONParser, ORJSONRenderer
from apps.common.openapi import client_error
from apps.common.permissions import capability_permission
from apps.common.replica import ReadsFromReplica
from greenshield.capabilities import Capability
from greenshield.errors import ValidationFailed

from .. import capture, presenters, selectors, subscriptions
from ..models import Subscription

TracePermission = capability_permission(Capability.TRACE)
CapturePermission = capability_permission(Capability.CAPTURE_SCANS)
SubscriptionPermission = capability_permission(Capability.MANAGE_SUBSCRIPTIONS)
EPCIS_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}


class LDJSONParser(ORJSONParser):
    media_type = "application/ld+json"


def epcis_response(document: dict, **kwargs) -> Response:
    response = Response(document, **kwargs)
    for name, value in EPCIS_HEADERS.items():
        response[name] = value
    return response


EPCIS_DOCUMENT = OpenApiResponse(OpenApiTypes.OBJECT, description="A GS1 EPCIS 2.0 JSON-LD document; validates "
                                                                  "against the GS1 EPCIS 2.0 JSON schema.")


class ParcelEPCISView(ReadsFromReplica, APIView):
    """A parcel's whole trace as an EPCIS 2.0 ``EPCISDocument``: every link an ObjectEvent with its CBV 2.0 event
    hash as ``eventID``. No personal data."""

    permission_classes = [TracePermission]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(responses={200: EPCIS_DOCUMENT}, summary="A parcel's trace as an EPCIS document")
    def get(self, request, waybill_no):
        links = selectors.parcel_links(user=request.user, waybill_no=waybill_no)
        return epcis_response(presenters.epcis_document(presenters.events_of(links)))


QUERY_PARAMETERS = [
    OpenApiParameter("GE_eventTime", OpenApiTypes.DATETIME, description="Events that happened at or after"),
    OpenApiParameter("LT_eventTime", OpenApiTypes.DATETIME, description="… before"),
    OpenApiParameter("GE_recordTime", OpenApiTypes.DATETIME, description="Events recorded at or after (poll for "
                                                                          "what is new)"),
    OpenApiParameter("LT_recordTime", OpenApiTypes.DATETIME, description="… recorded before"),
    OpenApiParameter("EQ_bizStep", str, description="CBV business steps (bare word, CBV URI or gs: term), "
                                                    "separated by |"),
    OpenApiParameter("EQ_disposition", str, description="CBV dispositions, separated by |"),
    OpenApiParameter("EQ_bizLocation", str, description="Facility URIs where the parcel stays, separated by |"),
    OpenApiParameter("EQ_readPoint", str, description="Facility URIs where the event was seen, separated by |"),
    OpenApiParameter("MATCH_epc", str, description="Parcel EPCs (…/parcel/{waybill_no}), separated by |"),
    OpenApiParameter("eventType", str, description="Only ObjectEvent is ever answered"),
    OpenApiParameter("perPage", int, description=f"Events per page (1–{selectors.MAX_PER_PAGE}, default "
                                                 f"{selectors.DEFAULT_PER_PAGE})"),
    OpenApiParameter("nextPageToken", str, description="From the previous page's Link header"),
]


def _per_page(request) -> int:
    raw = request.query_params.get("perPage")
    if raw is None:
        return selectors.DEFAULT_PER_PAGE
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= selectors.MAX_PER_PAGE:
        raise ValidationFailed(f"perPage must be 1 to {selectors.MAX_PER_PAGE}.", code="invalid", attr="perPage")
    return value


def _documented_parameter_errors(view):
    for name in (*selectors.PARAMETERS, "perPage", "nextPageToken"):
        view = extend_validation_errors(["invalid"], field_name=name)(view)
    return view


@_documented_parameter_errors
class EventQueryView(ReadsFromReplica, APIView):
    """The EPCIS event query over the links in your scope, in record-time order: filter by event time, record time
    (poll for what is new), business step, disposition, location and parcel; the next page is in the
    ``Link: <…>; rel="next"`` header."""

    permission_classes = [TracePermission]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(parameters=QUERY_PARAMETERS, responses={200: EPCIS_DOCUMENT}, summary="Query EPCIS events")
    def get(self, request):
        query = selectors.EventQuery.parse(request.query_params)
        per_page = _per_page(request)
        token = request.query_params.get("nextPageToken")
        cursor = selectors.Cursor.from_token(token) if token else None
        page, following = selectors.event_page(user=request.user, query=query, per_page=per_page, cursor=cursor)
        response = epcis_response(presenters.query_document(presenters.events_of(page)))
        if following is not None:
            params = {**query.as_params(), "perPage": per_page, "nextPageToken": following.token()}
            response["Link"] = f'<{request.build_absolute_uri(request.path)}?{urlencode(params)}>; rel="next"'
        return response


def _document_rejected(exc: capture.DocumentRejected):
    errors: dict = {}
    for error in exc.errors:
        errors.setdefault(error["attr"] or "non_field_errors", []).append(ErrorDetail(error["detail"], error["code"]))
    return exceptions.ValidationError(errors)


CaptureJobSerializer = inline_serializer("EPCISCaptureJob", {
    "captureID": serializers.UUIDField(),
    "createdAt": serializers.DateTimeField(),
    "finishedAt": serializers.DateTimeField(allow_null=True),
    "running": serializers.BooleanField(),
    "success": serializers.BooleanField(),
    "captureErrorBehaviour": serializers.ChoiceField(choices=["proceed"]),
    "errors": inline_serializer("EPCISCaptureError", {
        "eventID": serializers.CharField(allow_null=True), "epc": serializers.CharField(allow_null=True),
        "code": serializers.CharField(), "detail": serializers.CharField(),
        "attr": serializers.CharField(allow_null=True)}, many=True),
    "results": inline_serializer("EPCISCaptureResult", {
        "eventID": serializers.CharField(allow_null=True), "epc": serializers.CharField(allow_null=True),
        "event_id": serializers.CharField(allow_null=True, help_text="The scan's key in the native capture."),
        "status": serializers.ChoiceField(choices=["ACCEPTED", "DUPLICATE", "CONFLICT", "REJECTED"]),
        "flags": serializers.ListField(child=serializers.CharField()),
        "errors": serializers.ListField(child=serializers.DictField()),
        "chain_hash": serializers.CharField(allow_null=True)}, many=True),
})


SCHEMA_ERRORS = OpenApiResponse(description="Refused whole, nothing stored: the GS1 schema's errors (attr: the path "
                                            "in the document), or not an EPCIS document.", response={
    "type": "object", "required": ["type", "errors"],
    "properties": {
        "type": {"type": "string", "enum": ["validation_error", "client_error"]},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["code", "detail", "attr"],
            "properties": {"code": {"type": "string", "enum": ["schema_violation", "invalid", "invalid_choice", "parse_error"]},
                           "detail": {"type": "string"}, "attr": {"type": "string", "nullable": True}}}},
    }})


class CaptureView(APIView):
    """EPCIS capture for other vendors' scanners (device API key): an EPCISDocument of ObjectEvents. It must
    validate against the GS1 schema, or it is refused whole (400, the schema errors). Answers 202 with the capture
    job; a worker feeds the events to the same ingest as ``POST /events/`` (``GS1-Capture-Error-Behaviour:
    proceed``: scans are facts, each valid one is stored)."""

    permission_classes = [CapturePermission]
    parser_classes = [ORJSONParser, LDJSONParser]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        parameters=[OpenApiParameter("GS1-Capture-Error-Behaviour", str, OpenApiParameter.HEADER,
                                     enum=["proceed"], description="Only proceed: each valid event is stored.")],
        responses={202: inline_serializer("EPCISCaptureAccepted", {"captureID": serializers.UUIDField()}),
                   400: SCHEMA_ERRORS,
                   413: client_error("More than 1,000 parcel events; nothing was stored.", "batch_too_large")},
        summary="Capture an EPCIS document (device API key)")
    def post(self, request):
        behaviour = request.headers.get("GS1-Capture-Error-Behaviour", "proceed").strip().lower()
        if behaviour != "proceed":
            raise ValidationFailed("Only GS1-Capture-Error-Behaviour: proceed — scans are facts, and each valid scan "
                                   "is stored even when others in the document are not.",
                                   code="invalid_choice", attr="GS1-Capture-Error-Behaviour")
        try:
            job = capture.capture_submit(device=request.user.device, document=request.data)
        except capture.DocumentRejected as exc:
            raise _document_rejected(exc) from None
        response = epcis_response({"captureID": str(job.pk)}, status=status.HTTP_202_ACCEPTED)
        response["Location"] = request.build_absolute_uri(f"{request.path}{job.pk}/")
        response["GS1-Capture-Error-Behaviour"] = "proceed"
        response["GS1-EPCIS-Capture-Limit"] = str(capture.MAX_BATCH)
        return response


class CaptureJobView(APIView):
    """A capture job of your company: running, success, and one result per parcel event, as the native capture
    answers them."""

    permission_classes = [CapturePermission]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(responses={200: CaptureJobSerializer}, summary="A capture job (device API key)")
    def get(self, request, capture_id):
        job = capture.capture_job_of_device(device=request.user.device, capture_id=capture_id)
        return epcis_response({
            "captureID": str(job.pk), "createdAt": job.created_at.isoformat(),
            "finishedAt": job.finished_at.isoformat() if job.finished_at else None, "running": job.running,
            "success": job.success, "captureErrorBehaviour": "proceed", "errors": capture.job_errors(job),
            "results": job.results})


class SubscriptionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "query", "dest", "status", "delivered_events", "failures", "last_error", "last_delivered_at",
                  "next_attempt_at", "created_at"]
        read_only_fields = fields


class SubscriptionCreateSerializer(serializers.Serializer):
    query = serializers.JSONField(required=False, default=dict,
                                  help_text="EPCIS query parameters, as the event query takes them.")
    dest = serializers.CharField(max_length=500, help_text="The https:// webhook deliveries are POSTed to.")
    initialRecordTime = serializers.DateTimeField(required=False, allow_null=True,
                                                  help_text="Deliver links recorded from then on (default: now).")


class SubscriptionCreatedSerializer(SubscriptionSerializer):
    secret = serializers.CharField(help_text="The HMAC-SHA256 key of GS-Signature. Shown only here, once.")

    class Meta(SubscriptionSerializer.Meta):
        fields = [*SubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


@extend_validation_errors(["invalid_dest"], field_name="dest", methods=["post"])
class SubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                          viewsets.GenericViewSet):
    """Standing EPCIS queries of agencies (regulators, operators): deliveries POST an EPCISQueryDocument signed
    with ``GS-Signature: sha256=<hex HMAC of the body>``; each event once per subscription. You see your own."""

    permission_classes = [SubscriptionPermission]
    serializer_class = SubscriptionSerializer
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_queryset(self):
        return Subscription.objects.restrict(self.request.user)

    @extend_schema(request=SubscriptionCreateSerializer, responses={201: SubscriptionCreatedSerializer},
                   summary="Subscribe a webhook to an EPCIS query")
    def create(self, request):
        body = SubscriptionCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        subscription, secret = subscriptions.subscription_create(
            actor=request.user, query=body.validated_data["query"], dest=body.validated_data["dest"],
            initial_record_time=body.validated_data.get("initialRecordTime"), request=request)
        data = SubscriptionCreatedSerializer(subscription).data
        data["secret"] = secret
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        subscriptions.subscription_delete(actor=self.request.user, subscription=instance, request=self.request)

    @extend_schema(request=None, responses={200: SubscriptionSerializer}, summary="Resume a stopped subscription")
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        subscription = subscriptions.subscription_resume(actor=request.user, subscription=self.get_object(),
                                                         request=request)
        return Response(SubscriptionSerializer(subscription).data)
