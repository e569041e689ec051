"""The audit log in the admin: read-only for everyone (superusers included), scoped like the API."""
from __future__ import annotations

from django.contrib import admin

from apps.common.admin import ReadOnlyAdminMixin, ScopedModelAdmin

from .models import AuditEntry
from .selectors import audit_entries_in_scope


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Evidence, not data to edit: no add, change or delete here (the model refuses them as well)."""

    selector = staticmethod(audit_entries_in_scope)
    list_display = ("at", "actor", "action", "target_type", "target_id", "target_description", "request_id")
    list_filter = ("action",)
    date_hierarchy = "at"
    search_fields = ("=actor", "=target_id", "=request_id")
    search_help_text = "Exact username (or device:<serial>), target id (e.g. a waybill no.) or request id."
    show_full_result_count = False
    fields = ("at", "actor", "action", "target_type", "target_id", "target_description", "reason", "organization",
              "province", "request_id", "data")

    @admin.display(description="target (masked)", ordering="target_repr")
    def target_description(self, obj):
        return obj.target_repr
