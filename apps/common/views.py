"""Base API views: every list and detail goes through ``Model.objects.restrict(user)`` (or the view's selector),
and writes go through the app's service, which audits them."""
from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import viewsets

from .openapi import client_error


class ScopedModelViewSet(viewsets.ModelViewSet):
    """Reference-data CRUD (NetBox style): anything out of the caller's scope is simply not found (404). Writes
    are built from the validated data and handed to ``save_service`` / ``delete_service``
    (``(actor, instance, created, via, request)``): the write and its audit entry commit together or not at all."""

    selector = None
    save_service = None
    delete_service = None

    def get_queryset(self):
        selector = type(self).selector
        if selector is not None:
            return selector(user=self.request.user)
        return self.get_serializer_class().Meta.model.objects.restrict(self.request.user)

    def perform_create(self, serializer):
        instance = serializer.Meta.model(**serializer.validated_data)
        serializer.instance = type(self).save_service(actor=self.request.user, instance=instance, created=True,
                                                      via="api", request=self.request)

    def perform_update(self, serializer):
        instance = serializer.instance
        for attribute, value in serializer.validated_data.items():
            setattr(instance, attribute, value)
        serializer.instance = type(self).save_service(actor=self.request.user, instance=instance, created=False,
                                                      via="api", request=self.request) or instance

    @extend_schema(responses={204: None, 409: client_error("Other records still refer to it.", "protected")})
    def destroy(self, request, *args, **kwargs):
        return super().destroy(request, *args, **kwargs)

    def perform_destroy(self, instance):
        type(self).delete_service(actor=self.request.user, instance=instance, via="api", request=self.request)
