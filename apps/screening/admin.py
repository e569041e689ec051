"""X-ray screenings [R12] and their open-box re-checks [R13] in the admin: evidence, read-only, scoped to the
screening facility's company (regulators: its province)."""
from __future__ import annotations

from django.contrib import admin

from apps.common.scoping import scope
from apps.parcels.admin import (
    AMBER,
    DARK_RED,
    GREEN,
    GREY,
    RED,
    EvidenceAdmin,
    ReadOnlyInline,
    WaybillSearchMixin,
    admin_link,
    badge,
    enum_badge,
    related_or_none,
)

from .models import Resolution, ResolutionResult, Screening, ScreeningResult

RESULT_COLORS = {ScreeningResult.CLEAR: GREEN, ScreeningResult.SUSPECT: AMBER, ScreeningResult.PROHIBITED: RED}
RESOLUTION_COLORS = {ResolutionResult.CLEARED: GREEN, ResolutionResult.SEIZED: DARK_RED}


def screenings_in_scope(*, user):
    """Screenings at facilities in the user's scope: a supervisor's company, a regulator's province, a
    screener's own hub."""
    queryset = Screening.objects.select_related("parcel", "facility", "operator", "resolution")
    return scope(queryset, user, organization="facility__organization", facility="facility")


class ResolutionInline(ReadOnlyInline):
    model = Resolution
    fields = ("result_badge", "notes", "resolved_by_username", "resolved_at", "authority_report_ref", "reported_at")
    verbose_name = "open-box re-check"
    verbose_name_plural = "open-box re-check"

    @admin.display(description="result")
    def result_badge(self, obj):
        return enum_badge(obj.result, RESOLUTION_COLORS)

    @admin.display(description="re-checked by")
    def resolved_by_username(self, obj):
        return obj.resolved_by.username


class RecheckFilter(admin.SimpleListFilter):
    title = "re-check"
    parameter_name = "recheck"

    def lookups(self, request, model_admin):
        return [("awaiting", "Awaiting re-check"), (ResolutionResult.CLEARED.value, "Cleared"),
                (ResolutionResult.SEIZED.value, "Seized"), ("none_needed", "Not needed (clear)")]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "awaiting":
            return queryset.exclude(result=ScreeningResult.CLEAR).filter(resolution__isnull=True)
        if value in (ResolutionResult.CLEARED, ResolutionResult.SEIZED):
            return queryset.filter(resolution__result=value)
        if value == "none_needed":
            return queryset.filter(result=ScreeningResult.CLEAR)
        return queryset


@admin.register(Screening)
class ScreeningAdmin(WaybillSearchMixin, EvidenceAdmin):
    """Each X-ray pass of a parcel, with the re-check that ended a hold. Recorded by screeners and scanners
    through the API; nothing is changed here."""

    selector = staticmethod(screenings_in_scope)
    list_display = ("screened_at", "waybill", "facility", "machine_id", "operator_no", "result_badge",
                    "resolution_result")
    list_display_links = ("screened_at", "waybill")
    list_filter = ("result", ("facility", admin.RelatedOnlyFieldListFilter), RecheckFilter)
    list_select_related = ("parcel", "facility", "operator", "resolution")
    date_hierarchy = "screened_at"
    waybill_lookup = "parcel__waybill_no"
    inlines = (ResolutionInline,)
    fieldsets = (
        ("Screening", {"fields": ("parcel_link", "facility", "machine_id", "operator_no", "result_badge",
                                  "screened_at")}),
        ("X-ray image", {"fields": ("image_ref", "image_sha256")}),
        ("Record", {"fields": ("recorded_at", "recorded_by", "device")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [field for _, options in self.fieldsets for field in options["fields"]]

    @admin.display(description="waybill no.", ordering="parcel__waybill_no")
    def waybill(self, obj):
        return obj.parcel.waybill_no

    @admin.display(description="parcel")
    def parcel_link(self, obj):
        return admin_link(obj.parcel, obj.parcel.waybill_no)

    @admin.display(description="operator (employee no.)", ordering="operator__employee_no")
    def operator_no(self, obj):
        return obj.operator.employee_no

    @admin.display(description="result", ordering="result")
    def result_badge(self, obj):
        return enum_badge(obj.result, RESULT_COLORS)

    @admin.display(description="re-check", ordering="resolution__result")
    def resolution_result(self, obj):
        resolution = related_or_none(obj, "resolution")
        if resolution is not None:
            return enum_badge(resolution.result, RESOLUTION_COLORS)
        if obj.result == ScreeningResult.CLEAR:
            return "—"
        return badge("awaiting", GREY)
