"""Reads of the audit log, scoped to the user."""
from __future__ import annotations

from django.db.models import Q

from apps.common.scoping import scope
from greenshield.enums import Role

from .models import AuditEntry


def audit_entries_in_scope(*, user):
    """Entries a user may read: a supervisor those of their company; a regulator those of their province,
    recorded directly or through the company's province; superusers all."""
    queryset = AuditEntry.objects.select_related("organization")
    if not user.is_superuser and user.is_authenticated and getattr(user, "role", None) == Role.REGULATOR:
        if not user.province:
            return queryset.none()
        return queryset.filter(Q(province=user.province) | Q(organization__province=user.province))
    return scope(queryset, user)
