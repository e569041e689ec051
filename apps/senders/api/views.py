from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.openapi import client_error
from apps.common.permissions import capability_permission, read_write_permission
from apps.organizations.models import Staff
from greenshield.capabilities import Capability
from greenshield.errors import NotFound, ValidationFailed

from .. import selectors, services
from ..models import BlacklistEntry
from .serializers import (
    BlacklistEntrySerializer,
    BlacklistInputSerializer,
    BlacklistRevokeSerializer,
)

BlacklistPermission = read_write_permission(read=Capability.READ_BLACKLIST, write=Capability.KEEP_BLACKLIST)


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
            staff = Staff.objects.restrict(request.user).filter(employee_no=data["employee_no"]).first()
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
    permission_classes = [capability_permission(Capability.KEEP_BLACKLIST)]

    @extend_schema(request=BlacklistRevokeSerializer,
                   responses={200: BlacklistEntrySerializer,
                              409: client_error("The entry is already revoked.", "already_revoked")},
                   summary="Revoke a blacklist entry you (or your authority) issued")
    def post(self, request, pk):
        entry = selectors.blacklist_list(user=request.user).filter(pk=pk).first()
        if entry is None or not services.blacklist_may_revoke(actor=request.user, entry=entry):
            raise NotFound()
        serializer = BlacklistRevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        entry = services.blacklist_revoke(actor=request.user, entry=entry, reason=serializer.validated_data["reason"])
        return Response(BlacklistEntrySerializer(entry).data)
