"""Rate limits: per user, per scanner device, per client address for anonymous calls and sign-ins (settings).
Every address-keyed limit takes the address from ``client_address``, never from a header the client controls."""
from __future__ import annotations

from rest_framework import throttling

from apps.common.client_address import client_address
from apps.common.principals import is_device


class ClientAddressMixin:
    def get_ident(self, request):
        return client_address(request)


class AccountRateThrottle(ClientAddressMixin, throttling.UserRateThrottle):
    """Signed-in people, per account."""

    def get_cache_key(self, request, view):
        if is_device(request.user) or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class DeviceRateThrottle(throttling.SimpleRateThrottle):
    """Scanner devices, per device (a batch counts once)."""

    scope = "device"

    def get_cache_key(self, request, view):
        if not is_device(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.device.pk}


class AnonRateThrottle(ClientAddressMixin, throttling.AnonRateThrottle):
    """Anonymous calls, per client address."""


class LoginRateThrottle(ClientAddressMixin, throttling.SimpleRateThrottle):
    """Sign-in attempts, per client address, whatever the username: the API token endpoint and the admin login
    share one counter."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


__all__ = ["AccountRateThrottle", "DeviceRateThrottle", "AnonRateThrottle", "LoginRateThrottle"]
