"""Base API views: every list and detail goes through the selector for the requesting user."""
from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from apps.audit.services import audit_record

from .openapi import client_error


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Reference-data CRUD (NetBox style): ``selector(user=...)`` gives the queryset, so anything out of the
    caller's scope is simply not found (404). Each write and its audit entry commit together or not at all."""

    selector = None
    audit_name = ""

    def get_queryset(self):
        return type(self).selector(user=self.request.user)

    def _audit(self, action: str, instance):
        audit_record(actor=self.request.user, action=f"{self.audit_name}.{action}", target=instance,
                     request=self.request, organization=getattr(instance, "organization", None))

    @transaction.atomic
    def perform_create(self, serializer):
        super().perform_create(serializer)
        self._audit("create", serializer.instance)

    @transaction.atomic
    def perform_update(self, serializer):
        super().perform_update(serializer)
        self._audit("update", serializer.instance)

    @extend_schema(responses={204: None, 409: client_error("Other records still refer to it.", "protected")})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    @transaction.atomic
    def perform_destroy(self, instance):
        self._audit("delete", instance)
        super().perform_destroy(instance)
