from __future__ import annotations

from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.idempotency import idempotent
from apps.common.openapi import client_error, forbidden
from apps.common.permissions import capability_permission
from greenshield.capabilities import Capability
from greenshield.errors import NotFound

from .. import selectors, services
from .serializers import (
    AcceptanceInputSerializer,
    AcceptanceOutputSerializer,
    ProhibitedCategorySerializer,
    SenderSearchInputSerializer,
    SenderSearchResultSerializer,
    acceptance_representation,
)


def handles_personal_data(view_class):
    """For views that handle personal data in clear: no error report (a debug page, an error mail) shows the posted
    fields or the variables of the handler's frame."""
    view_class = method_decorator(sensitive_post_parameters(), name="dispatch")(view_class)
    return method_decorator(sensitive_variables(), name="post")(view_class)


ACCEPTANCE_EXAMPLE = {
    "waybill_no": "ZTO0000000001",
    "sender": {"kind": "PERSON", "name": "张三", "id_type": "RESIDENT_ID", "id_number": "11010519491231002X",
               "phone": "13800138000", "address": "上海市浦东新区世纪大道1号"},
    "recipient": {"name": "李四", "phone": "13900139000", "address": "南京市玄武区中山路1号", "region_code": "320102"},
    "items": [{"name": "书籍", "quantity": 2, "prohibited_category": None}],
    "weight_g": 1200,
    "verification": {"method": "ID_CARD_READER", "identity_matched": True},
    "inspection": {"sender_present": True, "result": "PASS", "notes": ""},
}


@extend_validation_errors(["waybill_exists", "invalid_waybill"], field_name="waybill_no")
@extend_validation_errors(["invalid_id_number"], field_name="sender.id_number")
@extend_validation_errors(["required", "invalid_uscc"], field_name="sender.uscc")
@extend_validation_errors(["required"], field_name="sender.organization_name")
@extend_validation_errors(["unknown_prohibited_category"], field_name="items.INDEX.prohibited_category")
@extend_validation_errors(["null"], field_name="items.INDEX")
@extend_validation_errors(["required", "null", "not_a_list"], field_name="items")
@extend_validation_errors(["required", "null", "invalid"], field_name="sender")
@extend_validation_errors(["required", "null", "invalid"], field_name="recipient")
@extend_validation_errors(["required", "null", "invalid"], field_name="verification")
@extend_validation_errors(["required", "null", "invalid"], field_name="inspection")
@extend_validation_errors(["invalid"], field_name="Idempotency-Key")
@handles_personal_data
class AcceptanceView(APIView):
    """Log a real-name acceptance attempt with its inspection result (outlet staff)."""

    permission_classes = [capability_permission(Capability.RECORD_ACCEPTANCE)]

    @extend_schema(
        request=AcceptanceInputSerializer,
        responses={201: AcceptanceOutputSerializer,
                   403: forbidden("staff_not_linked", "not_an_outlet", "staff_inactive", "staff_blacklisted"),
                   422: client_error("The Idempotency-Key was used with another body.", "idempotency_key_reused")},
        parameters=[OpenApiParameter("Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER,
                                     description="Retry safely: the same key and body return the first response.")],
        examples=[
            OpenApiExample("Accept a parcel", value=ACCEPTANCE_EXAMPLE, request_only=True),
            OpenApiExample("Prohibited item found", request_only=True, value={
                **ACCEPTANCE_EXAMPLE, "inspection": {"sender_present": True, "result": "PROHIBITED_FOUND",
                                                     "notes": "管制刀具"}}),
            OpenApiExample("Accepted", response_only=True, status_codes=["201"], value={
                "id": "9b2f4c1e-3a53-4d9e-9d5e-2b8b8f9e1c11", "waybill_no": "ZTO0000000001", "outcome": "ACCEPTED",
                "refusal_reason": None, "accepted_at": "2026-11-29T08:15:00+08:00",
                "recorded_at": "2026-11-29T08:15:00+08:00", "outlet": "SH-PD-01", "accepted_by": "E1001",
                "sender": {"kind": "PERSON", "name": "张*", "id_type": "RESIDENT_ID",
                           "id_number": "110***********002X", "phone": "138****8000", "address": "上海市浦东新****"},
                "recipient": {"name": "李*", "phone": "139****9000", "address": "南京市玄武区*****",
                              "region_code": "320102"},
                "controls": {"inspection": "PASSED", "real_name": "VERIFIED", "screening": "PENDING"}}),
            OpenApiExample("Refused", response_only=True, status_codes=["201"], value={
                "id": "5d1c0b7e-0b7a-4b53-a1a4-9e2f6f0a7d22", "waybill_no": "ZTO0000000002", "outcome": "REFUSED",
                "refusal_reason": "prohibited_item", "accepted_at": None,
                "recorded_at": "2026-11-29T08:20:00+08:00", "outlet": "SH-PD-01", "accepted_by": "E1001",
                "sender": {"kind": "PERSON", "name": "张*", "id_type": "RESIDENT_ID",
                           "id_number": "110***********002X", "phone": "138****8000", "address": "上海市浦东新****"},
                "recipient": {"name": "李*", "phone": "139****9000", "address": "南京市玄武区*****",
                              "region_code": "320102"},
                "controls": {"inspection": "FAILED", "real_name": "VERIFIED", "screening": "NOT_APPLICABLE"}}),
        ],
        summary="Record an acceptance attempt (accepted or refused)",
    )
    def post(self, request):
        services.acceptance_precheck(account=request.user)

        def handle():
            serializer = AcceptanceInputSerializer(data=request.data)
            serializer.is_valid(raise_exception=True)
            record = services.acceptance_record(account=request.user, **serializer.validated_data)
            return Response(acceptance_representation(record), status=status.HTTP_201_CREATED)

        return idempotent(request, scope="acceptance", handler=handle)


class ProhibitedCategoryListView(generics.ListAPIView):
    """The 19 categories of the prohibited-items catalogue [R10], for outlet apps to display."""

    serializer_class = ProhibitedCategorySerializer
    pagination_class = None
    permission_classes = [capability_permission(Capability.READ_REFERENCE)]

    def get_queryset(self):
        return selectors.prohibited_category_list(user=self.request.user)


class RevealInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, help_text="Why you need the personal data (audited).")
    legal_basis = serializers.CharField(max_length=200, required=False, allow_blank=True, default="",
                                        help_text="[R18] e.g. the article or request that authorises disclosure.")
    case_reference = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")


@handles_personal_data
@extend_validation_errors(["reason_required"], field_name="reason")
class RevealView(APIView):
    """Unmasked sender and recipient of one parcel, for a stated reason; audited in the same transaction."""

    permission_classes = [capability_permission(Capability.REVEAL_PERSONAL_DATA)]

    @extend_schema(request=RevealInputSerializer, responses={200: OpenApiTypes.OBJECT},
                   summary="Reveal a parcel's personal data (audited)")
    def post(self, request, waybill_no):
        parcel = selectors.parcel_list(user=request.user).select_related("acceptance").filter(
            waybill_no=waybill_no).first()
        if parcel is None:
            raise NotFound()
        serializer = RevealInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        revealed = services.parcel_reveal(user=request.user, parcel=parcel, **serializer.validated_data)
        response = Response(revealed)
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


@handles_personal_data
@extend_validation_errors(["required"], field_name="id_type")
@extend_validation_errors(["invalid_id_number"], field_name="id_number")
@extend_validation_errors(["required"], field_name="non_field_errors")
class SenderSearchView(APIView):
    """Find a sender by identity document or phone (blind index) and list their parcels in your scope. POST
    keeps personal data out of URLs and access logs; every search is audited."""

    permission_classes = [capability_permission(Capability.SEARCH_SENDERS)]

    @extend_schema(request=SenderSearchInputSerializer, responses={200: SenderSearchResultSerializer},
                   summary="Search senders by ID document or phone")
    def post(self, request):
        serializer = SenderSearchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        senders = services.sender_search(user=request.user, reason=data["reason"], id_type=data.get("id_type", ""),
                                         id_number=data.get("id_number", ""), phone=data.get("phone", ""))
        presented = SenderSearchResultSerializer({"results": senders}, context={
            "parcels_by_sender": selectors.sender_parcels(user=request.user, senders=senders)})
        response = Response(presented.data)
        response["Cache-Control"] = "no-store"
        return response
