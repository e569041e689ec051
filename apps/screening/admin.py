"""X-ray screenings [R12] and their open-box re-checks [R13] in the admin: evidence, read-only, scoped to the
screening facility's company (regulators: its province)."""
from __future__ import annotations

from django.contrib import admin

from apps.common.admin import (
    EvidenceAdmin,
    ReadOnlyInline,
    WaybillSearchMixin,
    admin_link,
    badge,
    enum_badge,
    related_or_none,
)
from greenshield.enums import ResolutionResult, ScreeningResult

from .models import Resolution, Screening


class ResolutionInline(ReadOnlyInline):
    model = Resolution
    fields = ("result_badge", "notes", "resolved_by_username", "resolved_at", "authority_report_ref", "reported_at")
    verbose_name = "open-box re-check"
    verbose_name_plural = "open-box re-check"

    @admin.display(description="result")
    def result_badge(self, obj):
        return enum_badge(obj.result, ResolutionResult)

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
        return enum_badge(obj.result, ScreeningResult)

    @admin.display(description="re-check", ordering="resolution__result")
    def resolution_result(self, obj):
        resolution = related_or_none(obj, "resolution")
        if resolution is not None:
            return enum_badge(resolution.result, ResolutionResult)
        if obj.result == ScreeningResult.CLEAR:
            return "—"
        return badge("awaiting")
