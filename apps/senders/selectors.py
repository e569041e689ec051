"""Reads of senders and the blacklist, scoped to the user."""
from __future__ import annotations

from django.db.models import Q

from apps.accounts.authentication import is_device
from greenshield.enums import Role

from .models import BlacklistEntry


def blacklist_list(*, user):
    """Regulators see every region-wide entry and their province's companies' own entries; supervisors the
    region-wide entries (they bind their company too) and their company's."""
    qs = BlacklistEntry.objects.select_related("staff", "organization", "created_by")
    if is_device(user) or not user.is_authenticated:
        return qs.none()
    if user.is_superuser:
        return qs
    if user.role == Role.REGULATOR:
        return qs.filter(Q(organization__isnull=True) | Q(organization__province=user.province))
    if user.role == Role.SUPERVISOR:
        return qs.filter(Q(organization__isnull=True) | Q(organization=user.organization_id))
    return qs.none()
