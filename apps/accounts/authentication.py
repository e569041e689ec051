"""Scanner devices authenticate with `Authorization: Api-Key <key>` (djangorestframework-api-key)."""
from __future__ import annotations

from django.utils.functional import cached_property
from rest_framework import authentication, exceptions

from .models import DeviceAPIKey


class DevicePrincipal:
    """What ``request.user`` is for a device: authenticated, no role, no admin, scoped to its company."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    role = None
    pk = None
    id = None

    def __init__(self, device):
        self.device = device

    @cached_property
    def username(self) -> str:
        return f"device:{self.device.serial}"

    @property
    def organization_id(self):
        return self.device.organization_id

    @property
    def facility_id(self):
        return self.device.facility_id

    def has_role(self, *roles) -> bool:
        return False

    def __str__(self):
        return self.username


def is_device(user) -> bool:
    return isinstance(user, DevicePrincipal)


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
