"""Acceptance records (accepted and refused) in the admin: evidence, so read-only for everyone, scoped like the
API, and personal data masked (encrypted columns are never put on a page). A parcel's sender and recipient are
shown in clear only through the audited "Reveal personal data" page of the parcel (``apps.tracking.admin``)."""
from __future__ import annotations

from django.contrib import admin

from apps.common.admin import (
    EvidenceAdmin,
    ReadOnlyInline,
    WaybillSearchMixin,
    admin_link,
    badge,
    enum_badge,
    labelled_choices_filter,
    related_or_none,
    when,
    yes_no,
)
from greenshield import masking
from greenshield.enums import InspectionResult, Outcome, RefusalReason, Tone

from . import selectors
from .models import AcceptanceItem, AcceptanceRecord


def _masked_sender(record: AcceptanceRecord) -> dict:
    if not hasattr(record, "_masked_sender"):
        record._masked_sender = record.masked_sender
    return record._masked_sender


def _masked_recipient(record: AcceptanceRecord) -> dict:
    if not hasattr(record, "_masked_recipient"):
        record._masked_recipient = record.masked_recipient
    return record._masked_recipient


class AcceptanceItemInline(ReadOnlyInline):
    model = AcceptanceItem
    fields = ("name", "quantity", "prohibited_category")
    verbose_name = "declared item"
    verbose_name_plural = "declared items"


@admin.register(AcceptanceRecord)
class AcceptanceRecordAdmin(WaybillSearchMixin, EvidenceAdmin):
    """Every acceptance attempt, accepted or refused, as recorded at the outlet [R5][R8]. Senders and recipients
    are shown masked; personal data is revealed, with a reason and audited, from the parcel's page (or the API)."""

    selector = staticmethod(selectors.acceptance_list)
    list_display = ("recorded_at", "waybill_no", "outcome_badge", "refusal_reason_label", "outlet", "staff_no",
                    "sender_name")
    list_display_links = ("recorded_at", "waybill_no")
    list_filter = (
        ("outlet", admin.RelatedOnlyFieldListFilter),
        ("outcome", labelled_choices_filter(Outcome)),
        ("refusal_reason", labelled_choices_filter(RefusalReason)),
        ("organization", admin.RelatedOnlyFieldListFilter),
    )
    list_select_related = ("outlet", "staff", "sender", "organization")
    date_hierarchy = "recorded_at"
    search_help_text = "Waybill no., exactly (names, ID numbers and phones are encrypted and not searchable)."
    inlines = (AcceptanceItemInline,)
    fieldsets = (
        ("Acceptance attempt", {"fields": (
            "waybill_no", "outcome_badge", "refusal_reason_label", "recorded_at", "organization", "outlet",
            "staff_no", "recorded_by", "parcel_link", "weight", "request_id")}),
        ("Sender (masked)", {"fields": (
            "sender_kind", "sender_masked_name", "sender_id_type", "sender_id_number", "sender_phone", "sender_address",
            "sender_organization", "sender_link")}),
        ("Recipient (masked)", {"fields": (
            "recipient_name_masked", "recipient_phone_masked", "recipient_address_masked", "recipient_region_code")}),
        ("Real-name verification", {"fields": (
            "verification_method", "verification_matched", "verification_by", "verification_at",
            "verification_contract_customer")}),
        ("Inspection (收寄验视)", {"fields": (
            "inspection_result", "inspection_sender_present", "inspection_by", "inspection_at",
            "inspection_certificate", "inspection_notes")}),
    )

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Acceptances and refusals", **(extra_context or {})})

    # -- the attempt ---------------------------------------------------------------------------------------
    @admin.display(description="outcome", ordering="outcome")
    def outcome_badge(self, obj):
        return enum_badge(obj.outcome, Outcome, show="label")

    @admin.display(description="refusal reason", ordering="refusal_reason")
    def refusal_reason_label(self, obj):
        return RefusalReason(obj.refusal_reason).label if obj.refusal_reason else "—"

    @admin.display(description="staff (employee no.)", ordering="staff__employee_no")
    def staff_no(self, obj):
        return obj.staff.employee_no

    @admin.display(description="recorded by (account)")
    def recorded_by(self, obj):
        return obj.account.username

    @admin.display(description="weight (g)")
    def weight(self, obj):
        return obj.weight_g

    @admin.display(description="parcel")
    def parcel_link(self, obj):
        parcel = related_or_none(obj, "parcel")
        return admin_link(parcel) if parcel else "— (refused: no parcel, the waybill cannot be used)"

    # -- sender --------------------------------------------------------------------------------------------
    @admin.display(description="sender (masked)")
    def sender_name(self, obj):
        return masking.mask_name(obj.sender.name)

    @admin.display(description="name (masked)")
    def sender_masked_name(self, obj):
        return _masked_sender(obj)["name"]

    @admin.display(description="sender type")
    def sender_kind(self, obj):
        return _masked_sender(obj)["kind"]

    @admin.display(description="ID document type")
    def sender_id_type(self, obj):
        return _masked_sender(obj)["id_type"]

    @admin.display(description="ID number (masked)")
    def sender_id_number(self, obj):
        return _masked_sender(obj)["id_number"]

    @admin.display(description="phone (masked)")
    def sender_phone(self, obj):
        return _masked_sender(obj)["phone"]

    @admin.display(description="address (masked)")
    def sender_address(self, obj):
        return _masked_sender(obj)["address"]

    @admin.display(description="organisation (USCC)")
    def sender_organization(self, obj):
        sender = _masked_sender(obj)
        if not sender["organization_name"] and not sender["uscc"]:
            return "—"
        return f"{sender['organization_name']} ({sender['uscc']})"

    @admin.display(description="sender record")
    def sender_link(self, obj):
        return admin_link(obj.sender, "open the sender")

    # -- recipient -----------------------------------------------------------------------------------------
    @admin.display(description="name (masked)")
    def recipient_name_masked(self, obj):
        return _masked_recipient(obj)["name"]

    @admin.display(description="phone (masked)")
    def recipient_phone_masked(self, obj):
        return _masked_recipient(obj)["phone"]

    @admin.display(description="address (masked)")
    def recipient_address_masked(self, obj):
        return _masked_recipient(obj)["address"]

    # -- verification --------------------------------------------------------------------------------------
    @admin.display(description="method")
    def verification_method(self, obj):
        verification = related_or_none(obj, "verification")
        return verification.method if verification else "—"

    @admin.display(description="identity matched")
    def verification_matched(self, obj):
        verification = related_or_none(obj, "verification")
        if verification is None:
            return "—"
        return badge("matched", Tone.GOOD) if verification.identity_matched else badge("did not match", Tone.BAD)

    @admin.display(description="verified by")
    def verification_by(self, obj):
        verification = related_or_none(obj, "verification")
        return verification.verified_by.employee_no if verification else "—"

    @admin.display(description="verified at")
    def verification_at(self, obj):
        verification = related_or_none(obj, "verification")
        return when(verification.verified_at) if verification else "—"

    @admin.display(description="contract customer [R6]")
    def verification_contract_customer(self, obj):
        verification = related_or_none(obj, "verification")
        return yes_no(verification.contract_customer if verification else None)

    # -- inspection ----------------------------------------------------------------------------------------
    @admin.display(description="result")
    def inspection_result(self, obj):
        inspection = related_or_none(obj, "inspection")
        return enum_badge(inspection.result, InspectionResult, show="label") if inspection else "—"

    @admin.display(description="sender present")
    def inspection_sender_present(self, obj):
        inspection = related_or_none(obj, "inspection")
        return yes_no(inspection.sender_present if inspection else None)

    @admin.display(description="inspected by")
    def inspection_by(self, obj):
        inspection = related_or_none(obj, "inspection")
        return inspection.inspector.employee_no if inspection else "—"

    @admin.display(description="inspected at")
    def inspection_at(self, obj):
        inspection = related_or_none(obj, "inspection")
        return when(inspection.inspected_at) if inspection else "—"

    @admin.display(description="safety certificate [R9]")
    def inspection_certificate(self, obj):
        inspection = related_or_none(obj, "inspection")
        return (inspection.safety_certificate_ref if inspection else "") or "—"

    @admin.display(description="notes")
    def inspection_notes(self, obj):
        inspection = related_or_none(obj, "inspection")
        return (inspection.notes if inspection else "") or "—"
