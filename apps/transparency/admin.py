"""The log's checkpoints in the admin: what the log signed and when, read-only for everyone."""
from __future__ import annotations

from django.contrib import admin

from apps.common.admin import EvidenceAdmin

from .models import LogCheckpoint


@admin.register(LogCheckpoint)
class LogCheckpointAdmin(EvidenceAdmin):
    """Every signed tree head. A regulator saves one and later asks the log to prove it only grew since."""

    list_display = ("signed_at", "size", "root_hash")
    date_hierarchy = "signed_at"
    fieldsets = ((None, {"fields": ("signed_at", "size", "root_hash", "note")}),)
