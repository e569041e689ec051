"""Compliance alerts in the admin: scoped like the API, read-only except for acknowledging and resolving them
with a note, which goes through the same services (and audit entries) as the API."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from apps.common.admin import (
    EvidenceAdmin,
    WaybillSearchMixin,
    admin_link,
    enum_badge,
    labelled_choices_filter,
)
from apps.common.permissions import user_may
from greenshield import rules
from greenshield.capabilities import Capability
from greenshield.enums import AlertKind, AlertSeverity, AlertStatus
from greenshield.errors import ApplicationError

from . import selectors, services
from .models import Alert

CONFIRMATION_TEMPLATE = "admin/compliance/alert_note_confirmation.html"


class AlertNoteForm(forms.Form):
    note = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))

    def __init__(self, *args, note_required: bool, help_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = note_required
        self.fields["note"].help_text = help_text


@dataclass(frozen=True)
class NoteAction:
    """One of the two ways an alert moves on: what it is called, which service does it, and which transition of
    ``rules.ALERT_TRANSITIONS`` it is (for which statuses it makes sense, and why others are skipped)."""

    name: str
    title: str
    button: str
    done: str
    service: Callable
    transition: str
    note_required: bool
    note_help: str

    def applies_to(self, alert) -> bool:
        return rules.alert_may(self.transition, alert.status)

    @property
    def skipped_because(self) -> str:
        return rules.ALERT_TRANSITIONS[self.transition].refusal_detail


ACKNOWLEDGE = NoteAction(
    name="acknowledge_alerts", title="Acknowledge alerts", button="Acknowledge", done="Acknowledged",
    service=services.alert_acknowledge, transition="acknowledge", note_required=False,
    note_help="Optional: who is looking into it, or what happens next. Stored with the alert and in the audit "
              "log; do not write personal data.")
RESOLVE = NoteAction(
    name="resolve_alerts", title="Resolve alerts", button="Resolve", done="Resolved",
    service=services.alert_resolve, transition="resolve", note_required=True,
    note_help="Required: what was found and what was done. Stored with the alert and in the audit log; do not "
              "write personal data.")


@admin.register(Alert)
class AlertAdmin(WaybillSearchMixin, EvidenceAdmin):
    """Alerts raised by the compliance rules. Supervisors and regulators (and operators, as in the API)
    acknowledge and resolve them from the list, with a note; nothing else is edited here."""

    selector = staticmethod(selectors.alert_list)
    list_display = ("created_at", "severity_badge", "kind_label", "status_badge", "organization", "facility",
                    "waybill_no", "summary", "count")
    list_display_links = ("created_at", "kind_label")
    list_filter = (
        ("kind", labelled_choices_filter(AlertKind)), "severity", "status",
        ("organization", admin.RelatedOnlyFieldListFilter), ("facility", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("organization", "facility")
    date_hierarchy = "created_at"
    actions = ("acknowledge_alerts", "resolve_alerts")
    fieldsets = (
        ("Alert", {"fields": ("kind_label", "severity_badge", "status_badge", "summary", "created_at",
                              "notified_at", "count", "last_seen_at")}),
        ("Where", {"fields": ("organization", "facility", "waybill_no", "parcel_link", "acceptance_link",
                              "detail_text")}),
        ("Handling", {"fields": ("acknowledged_at", "acknowledged_by_username", "resolved_at",
                                 "resolved_by_username", "note")}),
    )

    # -- columns ---------------------------------------------------------------------------------------
    @admin.display(description="severity", ordering="severity")
    def severity_badge(self, obj):
        return enum_badge(obj.severity, AlertSeverity)

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, obj):
        return AlertKind(obj.kind).label

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return enum_badge(obj.status, AlertStatus)

    @admin.display(description="parcel")
    def parcel_link(self, obj):
        return admin_link(obj.parcel, obj.parcel.waybill_no) if obj.parcel_id else "—"

    @admin.display(description="acceptance attempt")
    def acceptance_link(self, obj):
        return admin_link(obj.acceptance, "open the acceptance record") if obj.acceptance_id else "—"

    @admin.display(description="details")
    def detail_text(self, obj):
        if not obj.detail:
            return "—"
        rows = format_html_join("", "<li><strong>{}</strong>: {}</li>", sorted(obj.detail.items()))
        return format_html("<ul style='margin:0;padding-left:1em'>{}</ul>", rows)

    @admin.display(description="acknowledged by")
    def acknowledged_by_username(self, obj):
        return obj.acknowledged_by.username if obj.acknowledged_by_id else "—"

    @admin.display(description="resolved by")
    def resolved_by_username(self, obj):
        return obj.resolved_by.username if obj.resolved_by_id else "—"

    # -- acknowledge and resolve -----------------------------------------------------------------------
    def has_review_permission(self, request):
        """Whoever may review alerts moves those in their scope on (the queryset is scoped)."""
        return user_may(request.user, Capability.REVIEW_ALERTS)

    @admin.action(description="Acknowledge selected alerts", permissions=["review"])
    def acknowledge_alerts(self, request, queryset):
        return self.note_action(request, queryset, ACKNOWLEDGE)

    @admin.action(description="Resolve selected alerts", permissions=["review"])
    def resolve_alerts(self, request, queryset):
        return self.note_action(request, queryset, RESOLVE)

    def note_action(self, request, queryset, action: NoteAction):
        """First show the selected alerts and ask for a note; on confirmation call the service for each one
        still in a valid state, and say which were skipped and why."""
        alerts = list(queryset.order_by("-created_at"))
        applicable = [alert for alert in alerts if action.applies_to(alert)]
        skipped = [alert for alert in alerts if not action.applies_to(alert)]
        confirming = request.POST.get("confirm") == "yes"
        form = AlertNoteForm(request.POST if confirming else None, note_required=action.note_required,
                             help_text=action.note_help)
        if confirming and form.is_valid():
            self.apply(request, applicable, skipped, action, form.cleaned_data["note"])
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": action.title,
            "opts": self.opts,
            "action": action,
            "form": form,
            "applicable": [(alert, AlertKind(alert.kind).label) for alert in applicable],
            "skipped": [(alert, AlertKind(alert.kind).label) for alert in skipped],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media + form.media,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, CONFIRMATION_TEMPLATE, context)

    def apply(self, request, applicable, skipped, action: NoteAction, note: str):
        done = []
        for alert in applicable:
            try:
                alert = action.service(alert=alert, actor=request.user, note=note)
            except ApplicationError:  # moved on by someone else since the page was shown
                skipped.append(alert)
                continue
            done.append(alert)
            self.log_change(request, alert, f"{action.done} in the admin.")
        if done:
            self.message_user(request, f"{action.done} {len(done)} alert(s).", messages.SUCCESS)
        if skipped:
            names = ", ".join(f"{AlertKind(alert.kind).label} {alert.waybill_no}".strip()
                              for alert in skipped[:10]) + ("…" if len(skipped) > 10 else "")
            self.message_user(request, f"Skipped {len(skipped)} alert(s) because {action.skipped_because}: {names}",
                              messages.WARNING)
