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

from apps.common.admin import can_view_admin
from apps.parcels.admin import (
    AMBER,
    BLUE,
    DARK_RED,
    GREEN,
    RED,
    EvidenceAdmin,
    WaybillSearchMixin,
    admin_link,
    enum_badge,
    labelled_choices_filter,
)
from greenshield.enums import AlertKind, AlertSeverity, AlertStatus
from greenshield.errors import ApplicationError

from . import selectors, services
from .models import Alert

KIND_LABELS = {
    AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE: "Prohibited item at acceptance",
    AlertKind.BLACKLISTED_SENDER_ATTEMPT: "Blacklisted sender tried to send",
    AlertKind.BLACKLISTED_STAFF_ATTEMPT: "Blacklisted staff tried to accept",
    AlertKind.SUSPECT_SCREENING: "Suspect X-ray screening",
    AlertKind.PROHIBITED_SCREENING: "Prohibited item on X-ray",
    AlertKind.MOVEMENT_WHILE_ON_HOLD: "Parcel moved while on hold",
    AlertKind.DISPATCH_WITHOUT_SCREENING: "Dispatched without a clear screening",
    AlertKind.UNSCREENED_OVERDUE: "Not screened in time",
    AlertKind.EVENT_ID_CONFLICT: "Conflicting scan (event id reused)",
    AlertKind.EVENT_BEFORE_ACCEPTANCE: "Scan before acceptance",
    AlertKind.CHAIN_INTEGRITY_FAILURE: "Trace chain integrity failure",
    AlertKind.SEIZURE_REPORTED: "Seizure reported to the authorities",
}
SEVERITY_COLORS = {AlertSeverity.INFO: BLUE, AlertSeverity.WARNING: AMBER, AlertSeverity.HIGH: RED,
                   AlertSeverity.CRITICAL: DARK_RED}
STATUS_COLORS = {AlertStatus.OPEN: RED, AlertStatus.ACKNOWLEDGED: AMBER, AlertStatus.RESOLVED: GREEN}
CONFIRMATION_TEMPLATE = "admin/compliance/alert_note_confirmation.html"


class AlertNoteForm(forms.Form):
    note = forms.CharField(label="Note", max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "cols": 80}))

    def __init__(self, *args, note_required: bool, help_text: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].required = note_required
        self.fields["note"].help_text = help_text


@dataclass(frozen=True)
class NoteAction:
    """One of the two ways an alert moves on: what it is called, which service does it, and for which
    statuses it makes sense."""

    name: str
    title: str
    button: str
    done: str
    service: Callable
    valid_statuses: tuple[AlertStatus, ...]
    skipped_because: str
    note_required: bool
    note_help: str


ACKNOWLEDGE = NoteAction(
    name="acknowledge_alerts", title="Acknowledge alerts", button="Acknowledge", done="Acknowledged",
    service=services.alert_acknowledge, valid_statuses=(AlertStatus.OPEN,),
    skipped_because="only open alerts can be acknowledged", note_required=False,
    note_help="Optional: who is looking into it, or what happens next. Stored with the alert and in the audit "
              "log; do not write personal data.")
RESOLVE = NoteAction(
    name="resolve_alerts", title="Resolve alerts", button="Resolve", done="Resolved",
    service=services.alert_resolve, valid_statuses=(AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED),
    skipped_because="they are already resolved", note_required=True,
    note_help="Required: what was found and what was done. Stored with the alert and in the audit log; do not "
              "write personal data.")


@admin.register(Alert)
class AlertAdmin(WaybillSearchMixin, EvidenceAdmin):
    """Alerts raised by the compliance rules. Supervisors and regulators (and operators, as in the API)
    acknowledge and resolve them from the list, with a note; nothing else is edited here."""

    selector = staticmethod(selectors.alert_list)
    list_display = ("created_at", "severity_badge", "kind_label", "status_badge", "organization", "facility",
                    "waybill_no", "summary")
    list_display_links = ("created_at", "kind_label")
    list_filter = (
        ("kind", labelled_choices_filter(KIND_LABELS)), "severity", "status",
        ("organization", admin.RelatedOnlyFieldListFilter), ("facility", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("organization", "facility")
    date_hierarchy = "created_at"
    actions = ("acknowledge_alerts", "resolve_alerts")
    fieldsets = (
        ("Alert", {"fields": ("kind_label", "severity_badge", "status_badge", "summary", "created_at",
                              "notified_at")}),
        ("Where", {"fields": ("organization", "facility", "waybill_no", "parcel_link", "acceptance_link",
                              "detail_text")}),
        ("Handling", {"fields": ("acknowledged_at", "acknowledged_by_username", "resolved_at",
                                 "resolved_by_username", "note")}),
    )

    def get_readonly_fields(self, request, obj=None):
        return [field for _, options in self.fieldsets for field in options["fields"]]

    # -- columns ---------------------------------------------------------------------------------------
    @admin.display(description="severity", ordering="severity")
    def severity_badge(self, obj):
        return enum_badge(obj.severity, SEVERITY_COLORS)

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, obj):
        return KIND_LABELS.get(obj.kind, obj.kind)

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return enum_badge(obj.status, STATUS_COLORS)

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
        """Whoever may view alerts in the admin may move those in their scope on (the queryset is scoped)."""
        return can_view_admin(request.user)

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
        applicable = [alert for alert in alerts if alert.status in action.valid_statuses]
        skipped = [alert for alert in alerts if alert.status not in action.valid_statuses]
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
            "applicable": [(alert, KIND_LABELS.get(alert.kind, alert.kind)) for alert in applicable],
            "skipped": [(alert, KIND_LABELS.get(alert.kind, alert.kind)) for alert in skipped],
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
            names = ", ".join(f"{KIND_LABELS.get(alert.kind, alert.kind)} {alert.waybill_no}".strip()
                              for alert in skipped[:10]) + ("…" if len(skipped) > 10 else "")
            self.message_user(request, f"Skipped {len(skipped)} alert(s) because {action.skipped_because}: {names}",
                              messages.WARNING)
