"""Senders and the blacklist in the admin: read-only, scoped, and personal data only ever masked. Senders are
not searchable here (their data is encrypted); the blacklist is managed through the API."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.common.admin import EvidenceAdmin, badge, when
from apps.common.scoping import related_in_scope
from greenshield import masking
from greenshield.enums import PROVINCE_NAMES, Tone

from . import selectors
from .models import BlacklistEntry, Sender


def senders_in_scope(*, user):
    """Senders the user has a reason to see (an acceptance attempt in the user's scope), annotated with the latest
    such attempt (a sender's global ``last_seen_at`` could betray activity at another company)."""
    latest = related_in_scope(Sender, "acceptances", user).order_by("-recorded_at").values("recorded_at")[:1]
    return Sender.objects.restrict(user).annotate(last_seen_in_scope=Subquery(latest))


@admin.register(Sender)
class SenderAdmin(EvidenceAdmin):
    """A person or organisation that has sent (or tried to send) parcels in your scope. Masked; revealing is an
    audited API action."""

    selector = staticmethod(senders_in_scope)
    list_display = ("masked_name", "kind", "id_type", "masked_id_number", "masked_phone", "last_seen")
    list_filter = ("kind", "id_type")
    fieldsets = (
        ("Sender (masked)", {"fields": ("kind", "masked_name", "id_document_type", "masked_id_number", "masked_phone",
                                        "masked_address")}),
        ("Organisation sender [R2]", {"fields": ("organization_name", "uscc")}),
        ("Activity in your scope", {"fields": ("last_seen", "acceptances_link")}),
    )

    def get_ordering(self, request):
        return ("-last_seen_in_scope",)

    @admin.display(description="name (masked)")
    def masked_name(self, obj):
        return masking.mask_name(obj.name)

    @admin.display(description="ID document type")
    def id_document_type(self, obj):
        return obj.id_type

    @admin.display(description="ID number (masked)")
    def masked_id_number(self, obj):
        return masking.mask_id_number(obj.id_number)

    @admin.display(description="phone (masked)")
    def masked_phone(self, obj):
        return masking.mask_phone(obj.phone)

    @admin.display(description="address (masked)")
    def masked_address(self, obj):
        return masking.mask_address(obj.address)

    @admin.display(description="last seen", ordering="last_seen_in_scope")
    def last_seen(self, obj):
        return when(obj.last_seen_in_scope)

    @admin.display(description="acceptance attempts")
    def acceptances_link(self, obj):
        url = reverse("admin:parcels_acceptancerecord_changelist")
        return format_html('<a href="{}?{}">{}</a>', url, urlencode({"sender__id__exact": obj.pk}),
                           "acceptances and refusals of this sender")


# -- blacklist ---------------------------------------------------------------------------------------------------

class IssuerScopeFilter(admin.SimpleListFilter):
    title = "scope"
    parameter_name = "scope"

    def lookups(self, request, model_admin):
        return [("REGION", "Region-wide (regulator)"), ("COMPANY", "One company (supervisor)")]

    def queryset(self, request, queryset):
        if self.value() == "REGION":
            return queryset.exclude(province="")
        if self.value() == "COMPANY":
            return queryset.filter(province="")
        return queryset


class StateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("in_force", "In force"), ("expired", "Expired"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "in_force":
            return queryset.in_force(now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, valid_until__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(EvidenceAdmin):
    """Who is barred [R15]: a regulator's entries bind the whole region, a supervisor's their company. Entries
    are added and revoked through the API (audited there); this page only shows them."""

    selector = staticmethod(selectors.blacklist_list)
    list_display = ("subject", "who", "reason", "scope_label", "issuer", "state", "valid_until", "revoked_at",
                    "created_by")
    list_filter = ("subject", IssuerScopeFilter, StateFilter)
    list_select_related = ("staff", "organization", "created_by")
    date_hierarchy = "created_at"
    fieldsets = (
        ("Who", {"fields": ("subject", "id_type", "masked_id_number", "employee_no")}),
        ("Entry", {"fields": ("reason", "scope_label", "issuer", "state", "valid_until", "revoked_at",
                              "created_by", "created_at")}),
    )

    @admin.display(description="ID number (masked)")
    def masked_id_number(self, obj):
        return obj.masked_id_number or "—"

    @admin.display(description="employee no.")
    def employee_no(self, obj):
        return obj.staff.employee_no if obj.staff_id else "—"

    @admin.display(description="who (masked)")
    def who(self, obj):
        if obj.staff_id:
            return f"staff {obj.staff.employee_no}"
        return f"{obj.id_type} {obj.masked_id_number}".strip()

    @admin.display(description="scope", ordering="province")
    def scope_label(self, obj):
        return badge("REGION", Tone.INFO) if obj.province else badge("COMPANY")

    @admin.display(description="issued for")
    def issuer(self, obj):
        if obj.province:
            return f"{PROVINCE_NAMES.get(obj.province, obj.province)} regulator"
        return obj.organization.code if obj.organization_id else "—"

    @admin.display(description="state")
    def state(self, obj):
        if obj.revoked_at:
            return badge("revoked")
        if obj.valid_until and obj.valid_until <= timezone.now():
            return badge("expired", Tone.WARN)
        return badge("in force", Tone.BAD)
