"""Reads of alerts, scoped to the user."""
from __future__ import annotations

from .models import Alert


def alert_list(*, user):
    return Alert.objects.restrict(user).select_related("organization", "facility", "parcel", "acknowledged_by",
                                                       "resolved_by")
