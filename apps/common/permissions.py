"""Who may attempt what, from the one table in ``greenshield.capabilities``: DRF permission classes for the API,
``user_may`` for the admin and ``ensure_may`` for services. Object scoping is separate (``Model.objects.restrict``):
out of scope is 404, a role without the capability is 403."""
from __future__ import annotations

from rest_framework.permissions import SAFE_METHODS, BasePermission

from greenshield.capabilities import Capability, may
from greenshield.errors import PermissionDenied

from .principals import is_device


def user_may(user, capability: Capability) -> bool:
    """Whether ``user`` (an account or a device) may attempt ``capability``; inactive accounts may nothing."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_device(user):
        return may(capability, role=None, device=True)
    return may(capability, role=user.role, operator=user.is_superuser)


def ensure_may(user, capability: Capability, detail: str = "") -> None:
    """For services: ``PermissionDenied`` (403) unless ``user`` may attempt ``capability``."""
    if not user_may(user, capability):
        raise PermissionDenied(detail or "Your role does not allow this action.")


def capability_permission(*capabilities: Capability):
    """A permission class allowing whoever may attempt any of ``capabilities``."""

    class MayAttempt(BasePermission):
        message = "Your role does not allow this action."

        def has_permission(self, request, view):
            return any(user_may(request.user, capability) for capability in capabilities)

    MayAttempt.__name__ = "May_" + "_".join(c.value for c in capabilities)
    return MayAttempt


def read_write_permission(*, read: Capability, write: Capability):
    """Reads (GET, HEAD, OPTIONS) need ``read``, everything else ``write``."""

    class MayReadOrWrite(BasePermission):
        message = "Your role does not allow this action."

        def has_permission(self, request, view):
            return user_may(request.user, read if request.method in SAFE_METHODS else write)

    MayReadOrWrite.__name__ = f"May_{read.value}_or_{write.value}"
    return MayReadOrWrite


class ReadForRolesWriteForSuperuser(BasePermission):
    """Reference data: superusers write; any user with a role reads (scoped by the model's declared scope);
    devices read nothing."""

    message = "Only the installation's operators (superusers) change reference data."

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated or is_device(user):
            return False
        if user.is_superuser:
            return True
        return request.method in SAFE_METHODS and user_may(user, Capability.READ_REFERENCE)
