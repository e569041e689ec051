"""EPCIS in the admin: capture jobs (what other vendors' scanners sent and what became of it) and agencies'
subscriptions, with their dead letters and a Resume action."""
from __future__ import annotations

from django.contrib import admin, messages
from django.utils.html import format_html, format_html_join

from apps.common.admin.base import EvidenceAdmin
from apps.common.admin.display import labelled_choices_filter
from apps.common.admin.palette import enum_badge
from apps.common.permissions import user_may
from greenshield.capabilities import Capability
from greenshield.enums import CaptureStatus

from . import capture, subscriptions
from .models import CaptureJob, Subscription, SubscriptionStatus


@admin.register(CaptureJob)
class CaptureJobAdmin(EvidenceAdmin):
    """EPCIS documents posted by scanners of other vendors, and the outcome of each parcel event in them."""

    list_display = ("created_at", "device", "organization", "state", "events", "problems")
    list_select_related = ("device", "organization")
    list_filter = ("running", "success", ("organization", admin.RelatedOnlyFieldListFilter))
    date_hierarchy = "created_at"
    fieldsets = (("Capture", {"fields": ("id", "device", "organization", "created_at", "finished_at", "state")}),
                 ("Outcome per parcel event", {"fields": ("outcome",)}))

    @admin.display(description="state")
    def state(self, obj):
        if obj.running:
            return "waiting for a worker"
        return "all stored" if obj.success else "finished with problems"

    @admin.display(description="parcel events")
    def events(self, obj):
        return len(obj.scans)

    @admin.display(description="problems")
    def problems(self, obj):
        return len(capture.job_errors(obj))

    @admin.display(description="outcome")
    def outcome(self, obj):
        if not obj.results:
            return "—"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (r["epc"] or "—", enum_badge(r["status"], CaptureStatus),
             "; ".join(f"{e['code']}: {e['detail']}" for e in r["errors"]) or "—") for r in obj.results))
        return format_html("<table><tr><th>parcel</th><th>result</th><th>why</th></tr>{}</table>", rows)


@admin.register(Subscription)
class SubscriptionAdmin(EvidenceAdmin):
    """Standing EPCIS queries delivered to agencies' webhooks. A subscription that failed too often in a row
    stops (status: stopped); fix the receiver, then Resume it: it goes on from where it stopped, losing nothing."""

    list_display = ("created_at", "owner", "dest", "status_badge", "delivered_events", "failures", "last_delivered_at",
                    "last_error")
    list_select_related = ("owner",)
    list_filter = (("status", labelled_choices_filter(SubscriptionStatus)),)
    actions = ("resume_subscriptions",)
    fieldsets = (("Subscription", {"fields": ("id", "owner", "dest", "query", "created_at")}),
                 ("Delivery", {"fields": ("status_badge", "delivered_events", "last_delivered_at", "failures",
                                          "next_attempt_at", "last_error", "cursor_recorded_at", "cursor_link_id")}))

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return enum_badge(obj.status, SubscriptionStatus)

    def has_resume_permission(self, request):
        return user_may(request.user, Capability.MANAGE_SUBSCRIPTIONS)

    @admin.action(description="Resume the selected subscriptions", permissions=["resume"])
    def resume_subscriptions(self, request, queryset):
        for subscription in queryset:
            subscriptions.subscription_resume(actor=request.user, subscription=subscription, request=request)
        self.message_user(request, f"Resumed {queryset.count()} subscription(s).", messages.SUCCESS)
