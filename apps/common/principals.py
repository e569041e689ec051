"""Who is asking: a signed-in account (Django's user) or a scanner device. A device is authenticated, has no role,
no admin, and reads nothing; it is bound to its company and facility."""
from __future__ import annotations

from django.utils.functional import cached_property


class DevicePrincipal:
    """What ``request.user`` is for a device authenticated with its API key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    is_device = True
    role = None
    pk = None
    id = None
    staff = None
    province = ""

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
