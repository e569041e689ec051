from __future__ import annotations

import django_filters
from django.db.models import Q
from rest_framework import mixins, serializers, viewsets
from rest_framework.pagination import CursorPagination

from apps.common.filters import IsoDateTimeFilter
from apps.common.permissions import capability_permission
from greenshield.capabilities import Capability

from ..models import AuditEntry
from ..selectors import audit_entries_in_scope


class AuditEntrySerializer(serializers.ModelSerializer):
    target = serializers.SerializerMethodField()
    organization = serializers.CharField(source="organization.code", default=None, allow_null=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "at", "actor", "action", "target", "target_type", "target_id", "target_repr", "reason",
                  "request_id", "organization", "province", "data"]

    def get_target(self, obj) -> str:
        return f"{obj.target_type}:{obj.target_id}" if obj.target_type else obj.target_id


class AuditEntryFilter(django_filters.FilterSet):
    action = django_filters.CharFilter()
    action_prefix = django_filters.CharFilter(field_name="action", lookup_expr="startswith",
                                              label="actions starting with, e.g. pii.")
    actor = django_filters.CharFilter()
    target = django_filters.CharFilter(method="filter_target", label="target id, type:id, or masked description")
    target_type = django_filters.CharFilter()
    since = IsoDateTimeFilter(field_name="at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="at", lookup_expr="lt")
    request_id = django_filters.CharFilter()

    class Meta:
        model = AuditEntry
        fields = ["action", "actor", "target_type", "request_id"]

    def filter_target(self, queryset, name, value):
        kind, sep, ident = value.partition(":")
        if sep and kind and ident:
            return queryset.filter(target_type=kind, target_id=ident)
        return queryset.filter(Q(target_id=value) | Q(target_repr__startswith=value))


class NewestFirst(CursorPagination):
    ordering = ("-at", "-id")
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class AuditEntryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The audit log in your scope (read-only): who did what to which record, why, in which request."""

    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilter
    pagination_class = NewestFirst
    permission_classes = [capability_permission(Capability.READ_AUDIT)]

    def get_queryset(self):
        # An entry's detail is a lookup by id alone: the table is partitioned by ``at`` (PostgreSQL), which the
        # URL does not carry, so it is one primary-key probe per monthly partition — acceptable for a detail page.
        return audit_entries_in_scope(user=self.request.user)
