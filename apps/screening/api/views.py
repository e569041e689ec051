from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.openapi import client_error, forbidden
from apps.common.permissions import capability_permission
from greenshield.capabilities import Capability

from .. import services
from .serializers import (
    ResolutionInputSerializer,
    ResolutionOutputSerializer,
    ScreeningInputSerializer,
    ScreeningOutputSerializer,
)


@extend_validation_errors(["unknown_parcel", "parcel_refused"], field_name="waybill_no")
@extend_validation_errors(["unknown_facility"], field_name="facility")
@extend_validation_errors(["unknown_operator", "required"], field_name="operator")
class ScreeningView(APIView):
    """Record an X-ray screening (a screener at their hub, or a scanner device of that hub)."""

    permission_classes = [capability_permission(Capability.RECORD_SCREENING)]

    @extend_schema(
        request=ScreeningInputSerializer,
        responses={201: ScreeningOutputSerializer,
                   403: forbidden("operator_mismatch", "staff_inactive", "staff_blacklisted", "staff_not_linked")},
        summary="Record an X-ray screening",
        examples=[OpenApiExample("Suspect", request_only=True, value={
            "waybill_no": "ZTO0000000001", "facility": "SH-HUB-01", "machine_id": "XR-03", "operator": "E1002",
            "result": "SUSPECT", "image_ref": "xray://SH-HUB-01/XR-03/2026/11/29/000123.png",
            "image_sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "screened_at": "2026-11-29T09:00:00+08:00"})],
    )
    def post(self, request):
        serializer = ScreeningInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = {**serializer.validated_data, "operator": serializer.validated_data.get("operator") or None}
        screening = services.screening_record(actor=request.user, **data)
        return Response(ScreeningOutputSerializer(screening).data, status=status.HTTP_201_CREATED)


class ResolutionView(APIView):
    """Record the open-box re-check of a suspect screening: CLEARED lifts the hold, SEIZED reports it."""

    permission_classes = [capability_permission(Capability.RESOLVE_HOLD)]

    @extend_schema(request=ResolutionInputSerializer,
                   responses={201: ResolutionOutputSerializer,
                              403: forbidden("staff_inactive", "staff_blacklisted", "staff_not_linked"),
                              409: client_error("Not suspect, or already re-checked.", "not_suspect", "already_resolved")},
                   summary="Resolve a suspect screening by open-box re-check")
    def post(self, request, pk):
        screening = services.screening_for_resolution(user=request.user, screening_id=pk)
        serializer = ResolutionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resolution = services.screening_resolve(user=request.user, screening=screening,
                                                **serializer.validated_data)
        return Response(ResolutionOutputSerializer(resolution).data, status=status.HTTP_201_CREATED)
