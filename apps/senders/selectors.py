"""Reads of the blacklist, scoped to the user."""
from __future__ import annotations

from .models import BlacklistEntry


def blacklist_list(*, user):
    return BlacklistEntry.objects.restrict(user).select_related("staff", "organization", "created_by")
