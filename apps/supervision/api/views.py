"""Supervision API (``design.md``, "Supervision"): compliance statistics, indicators, risk sources — JSON, or CSV
with ``?format=csv``. Scoped to the caller; bad input is 400 ``invalid_range``, ``range_too_long``,
``invalid_choice``; an empty range answers zeros."""
from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.permissions import capability_permission
from apps.common.renderers import CSVRenderer
from apps.common.replica import ReadsFromReplica
from greenshield.capabilities import Capability
from greenshield.enums import AlertKind, EventType, RefusalReason, ScreeningResult
from greenshield.errors import ValidationFailed

from .. import selectors
from ..services import INT_FIELDS

SECONDS = {"allow_null": True}


class ComplianceCountsSerializer(serializers.Serializer):
    acceptances = serializers.IntegerField(help_text="Accepted parcels.")
    refused = serializers.IntegerField(help_text="Refused attempts.")
    refusals = serializers.DictField(child=serializers.IntegerField(), help_text="Refused attempts by reason.")
    real_name_verified = serializers.IntegerField()
    inspection_passed = serializers.IntegerField()
    inspection_failed = serializers.IntegerField()
    screenings = serializers.DictField(child=serializers.IntegerField(), help_text="X-ray passes by result.")
    screened_before_dispatch = serializers.IntegerField(help_text="Parcels dispatched after a clear screening.")
    dispatched_unscreened = serializers.IntegerField(help_text="Parcels dispatched without a clear screening.")
    holds = serializers.IntegerField()
    seizures = serializers.IntegerField()
    alerts = serializers.DictField(child=serializers.IntegerField(), help_text="Alerts raised, by kind.")
    ack_p50_s = serializers.FloatField(**SECONDS, help_text="Median time to acknowledge (alerts acknowledged).")
    ack_p90_s = serializers.FloatField(**SECONDS)
    resolve_p50_s = serializers.FloatField(**SECONDS)
    resolve_p90_s = serializers.FloatField(**SECONDS)
    scans = serializers.DictField(child=serializers.IntegerField(), help_text="Chain links by type.")
    real_name_rate = serializers.FloatField(allow_null=True, help_text="% of attempts with a verified identity.")
    screened_rate = serializers.FloatField(allow_null=True, help_text="% of dispatched parcels screened first.")


class ComplianceRowSerializer(ComplianceCountsSerializer):
    key = serializers.CharField()
    label = serializers.CharField()


class ComplianceStatisticsSerializer(serializers.Serializer):
    # "from" is a keyword: declared through the fields mapping below
    to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=selectors.GROUP_BY)
    rows = ComplianceRowSerializer(many=True)
    totals = ComplianceCountsSerializer()

    def get_fields(self):
        return {"from": serializers.DateField(), **super().get_fields()}


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField()
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField()
    unit = serializers.CharField()
    target = serializers.FloatField()
    met = serializers.BooleanField(allow_null=True, help_text="null: nothing to measure in the period.")


class IndicatorsSerializer(serializers.Serializer):
    period = serializers.CharField()
    to = serializers.DateField()
    organization = serializers.CharField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    indicators = IndicatorSerializer(many=True)

    def get_fields(self):
        return {"from": serializers.DateField(), **super().get_fields()}


class FactorSerializer(serializers.Serializer):
    factor = serializers.CharField()
    count = serializers.IntegerField()
    weight = serializers.FloatField()
    contribution = serializers.FloatField()


class RiskSourceSerializer(serializers.Serializer):
    subject = serializers.CharField(help_text="Senders and staff masked.")
    subject_id = serializers.CharField()
    score = serializers.FloatField()
    factors = FactorSerializer(many=True)


class RiskSourcesSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=selectors.RISK_KINDS)
    window_days = serializers.IntegerField()
    to = serializers.DateField()
    threshold = serializers.FloatField()
    results = RiskSourceSerializer(many=True)

    def get_fields(self):
        return {"from": serializers.DateField(), **super().get_fields()}


RANGE = [OpenApiParameter("from", OpenApiTypes.DATE, required=False, description="First day, YYYY-MM-DD (China)."),
         OpenApiParameter("to", OpenApiTypes.DATE, required=False, description="Last day, inclusive; default today.")]
FORMAT = OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"], required=False,
                          description="csv: a spreadsheet (UTF-8 with BOM).")


class SupervisionView(ReadsFromReplica, APIView):
    permission_classes = [capability_permission(Capability.READ_STATISTICS)]
    renderer_classes = [JSONRenderer, CSVRenderer]
    filename = "supervision"

    def finalize_response(self, request, response, *args, **kwargs):
        # Only a successful GET is a table: errors and OPTIONS answer JSON whatever the format asked for.
        if request.method != "GET" or response.status_code >= 300:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), "application/json"
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(request, "accepted_renderer", None) and request.accepted_renderer.format == "csv":
            response["Content-Disposition"] = f'attachment; filename="{self.filename}.csv"'
        return response


COUNTER_COLUMNS = {"refusals": [r.value for r in RefusalReason], "screenings": [r.value for r in ScreeningResult],
                   "alerts": [k.value for k in AlertKind], "scans": [t.value for t in EventType]}
PERCENTILES = ("ack_p50_s", "ack_p90_s", "resolve_p50_s", "resolve_p90_s", "real_name_rate", "screened_rate")


@extend_validation_errors(["invalid_range"], field_name="from")
@extend_validation_errors(["invalid_range", "range_too_long"], field_name="to")
@extend_validation_errors(["invalid_choice"], field_name="group_by")
class ComplianceStatisticsView(SupervisionView):
    filename = "compliance"

    @extend_schema(operation_id="stats_compliance", summary="Compliance statistics grouped by day, facility, company "
                   "or province", parameters=[*RANGE, OpenApiParameter("group_by", OpenApiTypes.STR, enum=selectors.GROUP_BY,
                                                                      required=False, description="default: day"), FORMAT],
                   responses={200: ComplianceStatisticsSerializer, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        params = request.query_params
        group_by = selectors.choice(params.get("group_by"), selectors.GROUP_BY, "group_by", default="day")
        period = selectors.period_parse(start=params.get("from"), end=params.get("to"))
        return Response(selectors.compliance_statistics(user=request.user, period=period, group_by=group_by))

    def csv_table(self, data):
        header = ["key", "label", *INT_FIELDS, *PERCENTILES]
        for field, names in COUNTER_COLUMNS.items():
            header += [f"{field}.{name}" for name in names]

        def line(key, label, row):
            values = [key, label, *(row[f] for f in INT_FIELDS), *(row[f] for f in PERCENTILES)]
            for field, names in COUNTER_COLUMNS.items():
                values += [row[field].get(name, 0) for name in names]
            return values

        rows = [line(r["key"], r["label"], r) for r in data["rows"]]
        rows.append(line("TOTAL", f"{data['from']} – {data['to']}", data["totals"]))
        return header, rows


@extend_validation_errors(["invalid_range"], field_name="month")
@extend_validation_errors(["invalid_range"], field_name="from")
@extend_validation_errors(["invalid_range", "range_too_long"], field_name="to")
@extend_validation_errors(["invalid_choice"], field_name="province")
class IndicatorsView(SupervisionView):
    filename = "indicators"

    @extend_schema(operation_id="stats_indicators", summary="Service-quality indicators against the plan's targets",
                   parameters=[OpenApiParameter("month", OpenApiTypes.STR, required=False, pattern=r"^\d{4}-\d{2}$",
                                                description="YYYY-MM (instead of from/to)"), *RANGE,
                               OpenApiParameter("organization", OpenApiTypes.STR, required=False,
                                                description="A company code"),
                               OpenApiParameter("province", OpenApiTypes.STR, required=False,
                                                description="Origin province (GB/T 2260)"), FORMAT],
                   responses={200: IndicatorsSerializer, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        params = request.query_params
        period = selectors.period_parse(start=params.get("from"), end=params.get("to"), month=params.get("month"))
        province = selectors.province_choice(params.get("province"))
        return Response(selectors.indicators(user=request.user, period=period, province=province,
                                             organization=params.get("organization") or None))

    def csv_table(self, data):
        header = ["period", "code", "numerator", "denominator", "value", "unit", "target", "met"]
        return header, [[data["period"], *(i[f] for f in header[1:])] for i in data["indicators"]]


@extend_validation_errors(["invalid_choice"], field_name="kind")
@extend_validation_errors(["invalid"], field_name="limit")
class RiskSourcesView(SupervisionView):
    filename = "risk"

    @extend_schema(operation_id="risk_sources", summary="Risk sources by kind, with the factors of each score",
                   parameters=[OpenApiParameter("kind", OpenApiTypes.STR, enum=selectors.RISK_KINDS, required=False,
                                                description="default: outlet (any facility)"),
                               OpenApiParameter("limit", OpenApiTypes.INT, required=False, description="1–100, default 20"),
                               FORMAT],
                   responses={200: RiskSourcesSerializer, (200, "text/csv"): OpenApiTypes.STR})
    def get(self, request):
        params = request.query_params
        kind = selectors.choice(params.get("kind"), selectors.RISK_KINDS, "kind", default="outlet")
        raw = params.get("limit") or "20"
        if not raw.isdigit() or not 1 <= int(raw) <= 100:
            raise ValidationFailed("limit is an integer from 1 to 100.", code="invalid", attr="limit")
        return Response(selectors.risk_sources(user=request.user, kind=kind, limit=int(raw)))

    def csv_table(self, data):
        header = ["kind", "subject", "subject_id", "score", "factors"]
        return header, [[data["kind"], r["subject"], r["subject_id"], r["score"],
                         "; ".join(f"{f['factor']}={f['count']}×{f['weight']:g}" for f in r["factors"])]
                        for r in data["results"]]
