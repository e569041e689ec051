from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from apps.common.filters import IsoDateTimeFilter
from apps.common.openapi import client_error
from apps.common.permissions import capability_permission
from greenshield.capabilities import Capability
from greenshield.enums import AlertKind, AlertSeverity, AlertStatus, choices

from .. import selectors, services
from ..models import Alert


class AlertSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.code", default=None, allow_null=True)
    facility = serializers.CharField(source="facility.code", default=None, allow_null=True)
    acknowledged_by = serializers.CharField(source="acknowledged_by.username", default=None, allow_null=True)
    resolved_by = serializers.CharField(source="resolved_by.username", default=None, allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "kind", "severity", "status", "organization", "facility", "waybill_no", "summary", "detail",
                  "created_at", "notified_at", "acknowledged_at", "acknowledged_by", "resolved_at", "resolved_by",
                  "note", "count", "last_seen_at"]


class AlertNoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class AlertResolveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="What was found and done.")


class AlertFilter(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=choices(AlertKind))
    severity = django_filters.MultipleChoiceFilter(choices=choices(AlertSeverity))
    status = django_filters.MultipleChoiceFilter(choices=choices(AlertStatus))
    organization = django_filters.CharFilter(field_name="organization__code")
    facility = django_filters.CharFilter(field_name="facility__code")
    since = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    until = IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = Alert
        fields = ["kind", "severity", "status", "organization", "facility", "waybill_no", "since", "until"]


class AlertViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Compliance alerts in your scope. Supervisors and regulators acknowledge and resolve them."""

    serializer_class = AlertSerializer
    filterset_class = AlertFilter
    permission_classes = [capability_permission(Capability.READ_ALERTS)]

    def get_queryset(self):
        return selectors.alert_list(user=self.request.user)

    def get_permissions(self):
        if self.action in ("acknowledge", "resolve"):
            return [capability_permission(Capability.REVIEW_ALERTS)()]
        return super().get_permissions()

    @extend_schema(request=AlertNoteSerializer, summary="Acknowledge an alert",
                   responses={200: AlertSerializer, 409: client_error("The alert is not open.", "alert_not_open")})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        return self._review(request, AlertNoteSerializer, services.alert_acknowledge)

    @extend_schema(request=AlertResolveSerializer, summary="Resolve an alert with a note",
                   responses={200: AlertSerializer, 409: client_error("The alert is already resolved.", "alert_resolved")})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._review(request, AlertResolveSerializer, services.alert_resolve)

    def _review(self, request, serializer_class, service):
        """Acknowledge or resolve the alert in scope with the note given."""
        alert = self.get_object()
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        alert = service(alert=alert, actor=request.user, note=serializer.validated_data["note"])
        return Response(AlertSerializer(alert).data)
