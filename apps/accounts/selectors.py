"""Reads of scanner devices, scoped to the user."""
from __future__ import annotations

from .models import Device


def device_list(*, user):
    return Device.objects.restrict(user).select_related("organization", "facility")
