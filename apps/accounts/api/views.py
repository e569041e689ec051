from __future__ import annotations

from django.contrib.auth.signals import user_logged_in
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_post_parameters
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from drf_standardized_errors.openapi_validation_errors import extend_validation_errors
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.common.openapi import client_error
from apps.common.permissions import ReadForRolesWriteForSuperuser
from apps.common.throttling import LoginRateThrottle
from apps.common.views import ScopedModelViewSet
from apps.organizations.services import reference_delete, reference_save
from greenshield.errors import ApplicationError

from .. import lockout, selectors, services
from .filters import DeviceFilter
from .serializers import DeviceSerializer

WRITES = ["post", "put", "patch"]


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class TokenView(APIView):
    """Exchange a username and password for an API token (`Authorization: Token <key>`), valid for
    GREENSHIELD_TOKEN_TTL seconds. Each sign-in gets a new token; only its digest is stored."""

    authentication_classes = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: inline_serializer("TokenResponse", {"token": serializers.CharField(),
                                                            "expires_at": serializers.DateTimeField()}),
                   429: client_error("Too many attempts from your address, or this username is locked for your "
                                     "address after failed sign-ins.", "throttled", "account_locked")},
        auth=[],
        summary="Obtain an API token",
    )
    def post(self, request):
        username = request.data.get("username") if isinstance(request.data, dict) else None
        if isinstance(username, str) and lockout.is_locked(request, username):
            raise ApplicationError("Too many failed sign-ins for this username from your address: try again later.",
                                   code="account_locked", status_code=429)
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        key, expires_at = services.token_issue(user=user, request=request)
        return Response({"token": key, "expires_at": serializers.DateTimeField().to_representation(expires_at)})


class SignedInWithToken(BasePermission):
    """A person who presented a token (not a device's key, not an admin browser session)."""

    def has_permission(self, request, view):
        return isinstance(request.auth, AuthToken)


class LogoutView(APIView):
    """Sign out: the token presented stops working at once (audited)."""

    permission_classes = [SignedInWithToken]

    @extend_schema(request=None, responses={204: None}, summary="Revoke the token presented")
    def post(self, request):
        services.token_revoke(token=request.auth, request=request)
        return Response(status=204)


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
