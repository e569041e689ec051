"""Rate limits: per user, per scanner device, per client address for anonymous calls (settings)."""
from __future__ import annotations

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from apps.common.principals import is_device


class AccountRateThrottle(UserRateThrottle):
    """Signed-in people, per account."""

    def get_cache_key(self, request, view):
        if is_device(request.user) or not request.user.is_authenticated:
            return None
        return super().get_cache_key(request, view)


class DeviceRateThrottle(SimpleRateThrottle):
    """Scanner devices, per device (a batch counts once)."""

    scope = "device"

    def get_cache_key(self, request, view):
        if not is_device(request.user):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.device.pk}


__all__ = ["AccountRateThrottle", "DeviceRateThrottle", "AnonRateThrottle"]
