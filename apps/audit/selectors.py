"""Reads of the audit log, scoped to the user."""
from __future__ import annotations

from .models import AuditEntry


def audit_entries_in_scope(*, user):
    """Entries a user may read (see ``AuditScope``); superusers all."""
    return AuditEntry.objects.restrict(user).select_related("organization")
