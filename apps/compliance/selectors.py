from __future__ import annotations

from apps.common.scoping import scope

from .models import Alert


def alert_list(*, user):
    return scope(Alert.objects.select_related("organization", "facility", "parcel", "acknowledged_by",
                                              "resolved_by"), user, facility="facility")
