from __future__ import annotations

import django_filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.openapi import client_error
from apps.common.permissions import roles_permission
from apps.common.scoping import scope
from apps.organizations.models import Staff
from greenshield.enums import Role
from greenshield.errors import NotFound, ValidationFailed

from .. import selectors, services
from ..models import BlacklistEntry
from .serializers import (
    BlacklistEntrySerializer,
    BlacklistInputSerializer,
    BlacklistRevokeSerializer,
    SenderSearchInputSerializer,
)

BlacklistPermission = roles_permission(Role.REGULATOR, Role.SUPERVISOR)


class BlacklistFilter(django_filters.FilterSet):
    active = django_filters.BooleanFilter(method="filter_active", label="in force now")
    employee_no = django_filters.CharFilter(field_name="staff__employee_no")

    class Meta:
        model = BlacklistEntry
        fields = ["subject", "employee_no", "active"]

    def filter_active(self, queryset, name, value):
        in_force = BlacklistEntry.objects.in_force().values("pk")
        return queryset.filter(pk__in=in_force) if value else queryset.exclude(pk__in=in_force)


@extend_validation_errors(["required"], field_name="id_type", methods=["post"])
@extend_validation_errors(["required", "invalid_id_number"], field_name="id_number", methods=["post"])
@extend_validation_errors(["invalid", "unknown_staff"], field_name="employee_no", methods=["post"])
@extend_validation_errors(["invalid"], field_name="valid_until", methods=["post"])
@extend_validation_errors(["issuer_required"], field_name="non_field_errors", methods=["post"])
class BlacklistView(generics.ListAPIView):
    """The blacklist of senders and staff [R15]: regulators keep the region-wide list, supervisors their
    company's. Identity numbers are stored without plaintext and shown masked."""

    permission_classes = [BlacklistPermission]
    serializer_class = BlacklistEntrySerializer
    filterset_class = BlacklistFilter

    def get_queryset(self):
        return selectors.blacklist_list(user=self.request.user)

    @extend_schema(request=BlacklistInputSerializer, responses={201: BlacklistEntrySerializer},
                   summary="Add a sender or staff member to the blacklist")
    def post(self, request):
        serializer = BlacklistInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        staff = None
        if data.get("employee_no"):
            staff = scope(Staff.objects.all(), request.user, facility="facility").filter(
                employee_no=data["employee_no"]).first()
            if staff is None:
                raise ValidationFailed("Unknown staff member.", code="unknown_staff", attr="employee_no")
        if request.user.is_superuser and request.user.role is None:
            raise ValidationFailed("Blacklist entries are issued by a regulator or a supervisor.",
                                   code="issuer_required")
        entry = services.blacklist_create(actor=request.user, subject=data["subject"], reason=data["reason"],
                                          id_type=data.get("id_type", ""), id_number=data.get("id_number", ""),
                                          staff=staff, valid_until=data.get("valid_until"))
        return Response(BlacklistEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class BlacklistRevokeView(APIView):
    permission_classes = [BlacklistPermission]

    @extend_schema(request=BlacklistRevokeSerializer,
                   responses={200: BlacklistEntrySerializer,
                              409: client_error("The entry is already revoked.", "already_revoked")},
                   summary="Revoke a blacklist entry you (or your authority) issued")
    def post(self, request, pk):
        entry = selectors.blacklist_list(user=request.user).filter(pk=pk).first()
        if entry is None:
            raise NotFound()
        own = (entry.province and request.user.role == Role.REGULATOR and entry.province == request.user.province) or (
            entry.organization_id and entry.organization_id == request.user.organization_id)
        if not (own or request.user.is_superuser):
            raise NotFound()
        serializer = BlacklistRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.blacklist_revoke(actor=request.user, entry=entry, reason=serializer.validated_data["reason"])
        return Response(BlacklistEntrySerializer(entry).data)


@extend_validation_errors(["required"], field_name="id_type")
@extend_validation_errors(["invalid_id_number"], field_name="id_number")
@extend_validation_errors(["required"], field_name="non_field_errors")
class SenderSearchView(APIView):
    """Find a sender by identity document or phone (blind index) and list their parcels in your scope. POST
    keeps personal data out of URLs and access logs; every search is audited."""

    permission_classes = [roles_permission(Role.SUPERVISOR, Role.REGULATOR)]

    @extend_schema(request=SenderSearchInputSerializer, responses={200: OpenApiTypes.OBJECT},
                   summary="Search senders by ID document or phone")
    def post(self, request):
        from apps.parcels.selectors import parcel_list

        serializer = SenderSearchInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        senders = services.sender_search(user=request.user, reason=data["reason"], id_type=data.get("id_type", ""),
                                         id_number=data.get("id_number", ""), phone=data.get("phone", ""))
        parcels = (parcel_list(user=request.user).filter(sender__in=senders).select_related("outlet")
                   .order_by("-accepted_at")[:500])
        by_sender: dict = {}
        for parcel in parcels:
            by_sender.setdefault(parcel.sender_id, []).append({
                "waybill_no": parcel.waybill_no, "status": parcel.status, "outlet": parcel.outlet.code,
                "accepted_at": serializers.DateTimeField().to_representation(parcel.accepted_at)})
        response = Response({"results": [{"id": str(s.pk), **s.masked, "parcels": by_sender.get(s.pk, [])}
                                         for s in senders]})
        response["Cache-Control"] = "no-store"
        return response
