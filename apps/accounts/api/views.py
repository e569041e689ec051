from __future__ import annotations

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.common.openapi import client_error
from apps.common.permissions import ReadForRolesWriteForSuperuser
from apps.common.views import ScopedModelViewSet
from apps.organizations.services import reference_delete, reference_save
from greenshield.errors import ApplicationError

from .. import lockout, selectors, services
from .filters import DeviceFilter
from .serializers import DeviceSerializer

WRITES = ["post", "put", "patch"]


class TokenView(APIView):
    """Exchange a username and password for an API token (`Authorization: Token <key>`)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_scope = "login"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField()}),
                   429: client_error("Too many attempts, or the account is locked after failed logins.",
                                     "throttled", "account_locked")},
        auth=[],
        summary="Obtain an API token",
    )
    def post(self, request):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str) and lockout.is_locked(username):
            raise ApplicationError("Too many failed logins: this account is locked for a while.",
                                   code="account_locked", status_code=429)
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        token, created = Token.objects.get_or_create(user=user)
        services.token_issued(user=user, created=created, request=request)
        return Response({"token": token.key})


@extend_schema_view(
    list=extend_schema(summary="Scanner devices in your scope"),
    create=extend_schema(summary="Register a scanner; its API key is in the response, once"),
)
@extend_validation_errors(["facility_mismatch"], field_name="facility", methods=WRITES)
class DeviceViewSet(ScopedModelViewSet):
    serializer_class = DeviceSerializer
    permission_classes = [ReadForRolesWriteForSuperuser]
    selector = staticmethod(selectors.device_list)
    save_service = staticmethod(reference_save)
    delete_service = staticmethod(reference_delete)
    lookup_field = "serial"
    lookup_value_regex = r"[^/]+"  # serials may contain dots
    filterset_class = DeviceFilter

    def perform_create(self, serializer):
        device, key = services.device_create(**serializer.validated_data, actor=self.request.user, via="api",
                                             request=self.request)
        device._plain_api_key = key
        serializer.instance = device

    @extend_schema(request=None, responses=DeviceSerializer, summary="Revoke the device's keys and issue a new one")
    @action(detail=True, methods=["post"], url_path="rotate-key")
    def rotate_key(self, request, serial=None):
        device = self.get_object()
        device._plain_api_key = services.device_key_rotate(device=device, actor=request.user, via="api",
                                                           request=request)
        return Response(self.get_serializer(device).data)
