"""People authenticate with `Authorization: Token <key>` (django-rest-knox: expiring, stored as a digest);
scanner devices with `Authorization: Api-Key <key>` (djangorestframework-api-key)."""
from __future__ import annotations

from django.utils import timezone
from knox.auth import TokenAuthentication
from knox.signals import token_expired
from rest_framework import authentication, exceptions

from apps.common.principals import DevicePrincipal

from .models import DeviceAPIKey


class AccountTokenAuthentication(TokenAuthentication):
    """knox's token check. A key that is not text is refused like any unknown key (knox would fail on decoding)."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token) -> bool:
        """Only the presented token: expired, it is deleted and refused. knox also walks every other token of the
        account on every request (one more query per API call, a write on a read); the account's other expired
        tokens are deleted at its next sign-in instead (``apps.accounts.services``)."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=auth_token.user.get_username(), source="auth_token")
            return True
        return False


class DeviceApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Api-Key"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid Api-Key header: expected `Api-Key <key>`.")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid Api-Key header.") from exc
        try:
            api_key = DeviceAPIKey.objects.get_from_key(key)
        except DeviceAPIKey.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.") from exc
        if api_key.has_expired or not api_key.device.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        return DevicePrincipal(api_key.device), api_key

    def authenticate_header(self, request):
        return self.keyword
