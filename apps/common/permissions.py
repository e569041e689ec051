"""Role-based permissions. Object scoping is done by selectors (out of scope → 404), not here."""
from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from apps.accounts.authentication import is_device
from greenshield.enums import Role


def roles_permission(*roles: Role, devices: bool = False, superusers: bool = True):
    """Permission class allowing superusers (unless ``superusers=False``), the given roles and (optionally)
    devices."""

    class HasRole(BasePermission):
        message = "Your role does not allow this action."

        def has_permission(self, request, view):
            user = request.user
            if not user or not user.is_authenticated:
                return False
            if is_device(user):
                return devices
            return bool((superusers and user.is_superuser) or user.has_role(*roles))

    HasRole.__name__ = "HasRole_" + "_".join(r.value for r in roles) + ("_devices" if devices else "")
    return HasRole


class ReadForRolesWriteForSuperuser(BasePermission):
    """Reference data: superusers write; any user with a role reads (scoped by the selector); devices read nothing."""

    message = "Only the installation's operators (superusers) change reference data."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or is_device(user):
            return False
        if user.is_superuser:
            return True
        return request.method in SAFE_METHODS and user.role is not None
