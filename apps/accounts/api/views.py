from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from apps.audit.services import audit_record
from apps.common.openapi import client_error
from greenshield.errors import ApplicationError

from .. import lockout


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
        audit_record(actor=user, action="auth.token", target=user, request=request, data={"created": created})
        return Response({"token": token.key})
