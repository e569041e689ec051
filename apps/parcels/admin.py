"""Acceptance records (accepted and refused) and parcels in the admin: evidence, so read-only for everyone,
scoped like the API, and personal data masked (encrypted columns are never put on a page). A parcel's sender and
recipient are shown in clear only through the audited "Reveal personal data" page, for a stated reason.

The small display helpers here (colored badges, choice filters with human labels, the waybill search) are
shared by the screening and compliance admins.
"""
from __future__ import annotations

import uuid

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import display_for_value, unquote
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import format_html
from django.utils.http import urlencode

from apps.common.admin import ReadOnlyAdminMixin, ScopedModelAdmin, can_view_admin
from apps.compliance.models import Alert
from apps.organizations.selectors import facility_list, organization_list
from apps.senders.services import sender_search
from greenshield import identity, masking
from greenshield.enums import (
    AlertStatus,
    FacilityKind,
    InspectionResult,
    Outcome,
    ParcelStatus,
    RefusalReason,
    Role,
    ScreeningStatus,
)
from greenshield.errors import ApplicationError, ValidationFailed
from greenshield.identity import IdType

from . import selectors
from .models import AcceptanceItem, AcceptanceRecord, Parcel
from .services import parcel_reveal

# -- shared display helpers --------------------------------------------------------------------------------

GREEN, RED, DARK_RED, AMBER, BLUE, GREY = "#1b7f3b", "#b42318", "#7a0916", "#b54708", "#175cd3", "#667085"


def badge(label: str, color: str):
    """A value as a small colored pill, readable in the light and dark admin themes."""
    return format_html(
        '<span style="display:inline-block;padding:1px 8px;border-radius:9px;background:{};color:#fff;'
        'font-weight:600;white-space:nowrap">{}</span>', color, label)


def enum_badge(value: str, colors: dict, labels: dict | None = None):
    if not value:
        return "—"
    return badge((labels or {}).get(value, value), colors.get(value, GREY))


class LabelledChoicesFilter(admin.ChoicesFieldListFilter):
    """A choices filter that shows human labels (the stored values stay in the URL: ``?kind__exact=…``)."""

    labels: dict = {}

    def choices(self, changelist):
        for choice in super().choices(changelist):
            yield {**choice, "display": self.labels.get(choice["display"], choice["display"])}


def labelled_choices_filter(labels: dict) -> type[LabelledChoicesFilter]:
    return type("LabelledChoicesFilter", (LabelledChoicesFilter,), {"labels": labels})


class WaybillSearchMixin:
    """The search box finds one waybill exactly (spaces and case ignored), through the column's index.
    Nothing else is searchable: personal data is encrypted."""

    search_fields = ("waybill_no",)
    search_help_text = "Waybill no., exactly (e.g. ZTO0000000001)."
    waybill_lookup = "waybill_no"

    def get_search_results(self, request, queryset, search_term):
        term = "".join(search_term.split()).upper()
        if not term:
            return queryset, False
        return queryset.filter(**{self.waybill_lookup: term}), False


class ReadOnlyInline(admin.TabularInline):
    """Rows shown under their parent for whoever may view the parent; nobody adds, changes or deletes them."""

    extra = 0
    can_delete = False
    show_change_link = False

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def has_view_permission(self, request, obj=None):
        return can_view_admin(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EvidenceAdmin(ReadOnlyAdminMixin, ScopedModelAdmin):
    """Records that prove what happened: viewable in scope, never added, changed or deleted in the admin."""

    show_full_result_count = False


def admin_link(obj, label: str | None = None):
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, label if label is not None else str(obj))


def changelist_link(model, label: str, **filters):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


def related_or_none(obj, attribute: str):
    try:
        return getattr(obj, attribute)
    except ObjectDoesNotExist:
        return None


def when(value):
    """A date and time as the admin shows them in lists (local time, localized), for display methods."""
    return display_for_value(value, "—")


def yes_no(value) -> str:
    return "—" if value is None else ("yes" if value else "no")


# -- acceptances and refusals ------------------------------------------------------------------------------

OUTCOME_COLORS = {Outcome.ACCEPTED: GREEN, Outcome.REFUSED: RED}
OUTCOME_LABELS = {Outcome.ACCEPTED: "Accepted", Outcome.REFUSED: "Refused"}
REFUSAL_REASON_LABELS = {
    RefusalReason.PROHIBITED_ITEM: "Prohibited item",
    RefusalReason.SENDER_BLACKLISTED: "Sender blacklisted",
    RefusalReason.INSPECTION_REFUSED: "Sender refused inspection",
    RefusalReason.IDENTITY_MISMATCH: "Identity did not match",
    RefusalReason.UNCONFIRMABLE_ITEM: "Item could not be confirmed safe",
}
INSPECTION_LABELS = {
    InspectionResult.PASS: "Passed",
    InspectionResult.PROHIBITED_FOUND: "Prohibited item found",
    InspectionResult.UNCONFIRMABLE: "Could not be confirmed",
    InspectionResult.REFUSED_BY_SENDER: "Sender refused inspection",
}
INSPECTION_COLORS = {InspectionResult.PASS: GREEN, InspectionResult.PROHIBITED_FOUND: RED,
                     InspectionResult.UNCONFIRMABLE: AMBER, InspectionResult.REFUSED_BY_SENDER: RED}


class AcceptanceItemInline(ReadOnlyInline):
    model = AcceptanceItem
    fields = ("name", "quantity", "prohibited_category")
    verbose_name = "declared item"
    verbose_name_plural = "declared items"


def _masked_sender(record: AcceptanceRecord) -> dict:
    if not hasattr(record, "_masked_sender"):
        record._masked_sender = record.masked_sender
    return record._masked_sender


def _masked_recipient(record: AcceptanceRecord) -> dict:
    if not hasattr(record, "_masked_recipient"):
        record._masked_recipient = record.masked_recipient
    return record._masked_recipient


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
        ("outcome", labelled_choices_filter(OUTCOME_LABELS)),
        ("refusal_reason", labelled_choices_filter(REFUSAL_REASON_LABELS)),
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

    def get_readonly_fields(self, request, obj=None):
        return [field for _, options in self.fieldsets for field in options["fields"]]

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": "Acceptances and refusals", **(extra_context or {})})

    # -- the attempt ---------------------------------------------------------------------------------------
    @admin.display(description="outcome", ordering="outcome")
    def outcome_badge(self, obj):
        return enum_badge(obj.outcome, OUTCOME_COLORS, OUTCOME_LABELS)

    @admin.display(description="refusal reason", ordering="refusal_reason")
    def refusal_reason_label(self, obj):
        return REFUSAL_REASON_LABELS.get(obj.refusal_reason, obj.refusal_reason) or "—"

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
        return badge("matched", GREEN) if verification.identity_matched else badge("did not match", RED)

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
        return enum_badge(inspection.result, INSPECTION_COLORS, INSPECTION_LABELS) if inspection else "—"

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


# -- parcels ---------------------------------------------------------------------------------------------------

PARCEL_STATUS_COLORS = {
    ParcelStatus.ACCEPTED: BLUE, ParcelStatus.IN_TRANSIT: BLUE, ParcelStatus.OUT_FOR_DELIVERY: BLUE,
    ParcelStatus.DELIVERED: GREEN, ParcelStatus.ON_HOLD: AMBER, ParcelStatus.SEIZED: DARK_RED,
    ParcelStatus.EXCEPTION: RED, ParcelStatus.RETURNED: GREY,
}
PARCEL_STATUS_LABELS = {
    ParcelStatus.ACCEPTED: "Accepted", ParcelStatus.IN_TRANSIT: "In transit", ParcelStatus.ON_HOLD: "On hold",
    ParcelStatus.OUT_FOR_DELIVERY: "Out for delivery", ParcelStatus.DELIVERED: "Delivered",
    ParcelStatus.RETURNED: "Returned", ParcelStatus.SEIZED: "Seized", ParcelStatus.EXCEPTION: "Exception",
}
SCREENING_STATUS_COLORS = {
    ScreeningStatus.PENDING: GREY, ScreeningStatus.CLEAR: GREEN, ScreeningStatus.CLEARED: GREEN,
    ScreeningStatus.SUSPECT: AMBER, ScreeningStatus.SEIZED: DARK_RED,
}
SCREENING_STATUS_LABELS = {
    ScreeningStatus.PENDING: "Not screened yet", ScreeningStatus.CLEAR: "Clear",
    ScreeningStatus.CLEARED: "Cleared by re-check", ScreeningStatus.SUSPECT: "Suspect (on hold)",
    ScreeningStatus.SEIZED: "Seized",
}
ID_TYPE_LABELS = {
    IdType.RESIDENT_ID: "Resident identity card (居民身份证)",
    IdType.PASSPORT: "Passport",
    IdType.HK_MACAO_PERMIT: "Mainland travel permit, Hong Kong / Macao residents",
    IdType.TAIWAN_PERMIT: "Mainland travel permit, Taiwan residents",
    IdType.RESIDENCE_PERMIT: "Residence permit, Hong Kong / Macao / Taiwan residents",
    IdType.FOREIGNER_PR: "Foreign permanent resident ID card",
    IdType.MILITARY_ID: "Military ID",
    IdType.OTHER: "Other document",
}
OPEN_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


def may_reveal_or_search(user) -> bool:
    """Who may see personal data in clear (with a reason) or search by it: supervisors and regulators, and
    operators — the roles the services allow."""
    return bool(user.is_active and (user.is_superuser or user.has_role(Role.SUPERVISOR, Role.REGULATOR)))


class ScopedRelatedFilter(admin.RelatedFieldListFilter):
    """Offers only the objects the user's selector returns (companies, outlets in scope), instead of scanning the
    parcels for the values in use."""

    selector = None

    def field_choices(self, field, request, model_admin):
        return [(obj.pk, str(obj)) for obj in type(self).selector(request.user)]


class CompanyFilter(ScopedRelatedFilter):
    selector = staticmethod(lambda user: organization_list(user=user).order_by("code"))


class OutletFilter(ScopedRelatedFilter):
    selector = staticmethod(lambda user: facility_list(user=user).filter(kind=FacilityKind.OUTLET).order_by("code"))


class OpenAlertsFilter(admin.SimpleListFilter):
    title = "unresolved alerts"
    parameter_name = "open_alerts"

    def lookups(self, request, model_admin):
        return [("yes", "Has unresolved alerts"), ("no", "No unresolved alerts")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(Exists(_open_alerts()))
        if self.value() == "no":
            return queryset.exclude(Exists(_open_alerts()))
        return queryset


def _open_alerts():
    return Alert.objects.filter(parcel=OuterRef("pk"), status__in=OPEN_ALERT_STATUSES)


class SenderFilter(admin.SimpleListFilter):
    """``?sender=<id>``: one sender's parcels (where the ID-number and phone search leads). Shown only while in
    use, labelled with the sender masked."""

    title = "sender"
    parameter_name = "sender"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value:
            return []
        sender_id = _uuid_or_none(value)
        parcel = (selectors.parcel_list(user=request.user).filter(sender_id=sender_id).first() if sender_id else None)
        if parcel is None:
            return [(value, "no sender in your scope")]
        sender = parcel.sender
        return [(value, f"{masking.mask_name(sender.name)} · {sender.id_type} "
                        f"{masking.mask_id_number(sender.id_number)}")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        sender_id = _uuid_or_none(self.value())
        return queryset.filter(sender_id=sender_id) if sender_id else queryset.none()


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


class UnechoedTextInput(forms.TextInput):
    """A text box that never writes a submitted value back into the page (ID numbers, phones)."""

    def format_value(self, value):
        return None


class FindSenderForm(forms.Form):
    """Find a sender through the blind index: an ID document or a phone, with the reason that goes into the
    audit log. Posted, never put in a URL."""

    id_type = forms.ChoiceField(label="ID document type", required=False,
                                choices=[("", "—")] + [(t.value, label) for t, label in ID_TYPE_LABELS.items()])
    id_number = forms.CharField(label="ID number", required=False, max_length=64,
                                widget=UnechoedTextInput(attrs={"autocomplete": "off", "size": 22}))
    phone = forms.CharField(label="or phone", required=False, max_length=32,
                            widget=UnechoedTextInput(attrs={"autocomplete": "off", "size": 16}))
    reason = forms.CharField(label="Reason", min_length=5, max_length=1000,
                             help_text="Why you search. Recorded in the audit log with your name.",
                             widget=forms.TextInput(attrs={"size": 40}))

    def clean(self):
        data = super().clean()
        id_number, phone = data.get("id_number", ""), data.get("phone", "")
        if id_number and phone:
            raise forms.ValidationError("Search by ID number or by phone, not both.")
        if id_number:
            if not data.get("id_type"):
                self.add_error("id_type", "Choose the type of the ID document.")
                return data
            try:
                data["id_number"] = identity.normalize_id_number(data["id_type"], id_number)
            except identity.IdentityError as exc:
                self.add_error("id_number", exc.detail)
        elif phone:
            try:
                data["phone"] = identity.normalize_phone(phone)
            except identity.IdentityError as exc:
                self.add_error("phone", exc.detail)
        else:
            raise forms.ValidationError("Enter an ID number (with its type) or a phone number.")
        return data


class RevealForm(forms.Form):
    reason = forms.CharField(label="Reason", min_length=5, max_length=1000,
                             help_text="Why you need the personal data in clear. Recorded in the audit log with "
                                       "your name.", widget=forms.Textarea(attrs={"rows": 3, "cols": 70}))
    legal_basis = forms.CharField(label="Legal basis", required=False, max_length=200,
                                  help_text="[R18] Optional: the article or request that authorises disclosure.")
    case_reference = forms.CharField(label="Case reference", required=False, max_length=100)


@admin.register(Parcel)
class ParcelAdmin(WaybillSearchMixin, EvidenceAdmin):
    """Accepted parcels. The parcel page is the trace a supervisor audits: the three controls, every link of the
    chain with who and what handled it, the integrity verdict, custody, vehicles and alerts, with links to the
    reverse traces. Nothing here changes a parcel; personal data is masked unless revealed with a reason."""

    selector = staticmethod(selectors.parcel_list)
    list_display = ("waybill_no", "status_badge", "screening_badge", "alerts_badge", "sender_name", "organization",
                    "outlet", "accepted_at")
    list_filter = (
        ("organization", CompanyFilter),
        ("outlet", OutletFilter),
        ("status", labelled_choices_filter(PARCEL_STATUS_LABELS)),
        ("screening_status", labelled_choices_filter(SCREENING_STATUS_LABELS)),
        OpenAlertsFilter,
        SenderFilter,
    )
    list_select_related = ("organization", "outlet", "sender")
    date_hierarchy = "accepted_at"
    search_help_text = "Waybill no., exactly. To find a sender's parcels by ID number or phone, use the form below."
    change_list_template = "admin/parcels/parcel/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(has_open_alerts=Exists(_open_alerts()))

    # -- list columns ----------------------------------------------------------------------------------------
    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return enum_badge(obj.status, PARCEL_STATUS_COLORS)

    @admin.display(description="screening", ordering="screening_status")
    def screening_badge(self, obj):
        return enum_badge(obj.screening_status, SCREENING_STATUS_COLORS)

    @admin.display(description="alerts")
    def alerts_badge(self, obj):
        return badge("unresolved", RED) if getattr(obj, "has_open_alerts", False) else "—"

    @admin.display(description="sender (masked)")
    def sender_name(self, obj):
        return masking.mask_name(obj.sender.name)

    # -- pages (built by apps.tracking.admin, which imports this module's helpers: imported when served) -------
    def get_urls(self):
        view = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        return [
            path("find-sender/", view(self.find_sender_view), name=f"{prefix}_find_sender"),
            path("courier/<str:employee_no>/", view(self.courier_view), name=f"{prefix}_courier"),
            path("vehicle/<str:plate>/", view(self.vehicle_view), name=f"{prefix}_vehicle"),
            path("<path:object_id>/reveal/", view(self.reveal_view), name=f"{prefix}_reveal"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {"title": "Parcels", "find_sender_form": FindSenderForm() if may_reveal_or_search(request.user)
                   else None, **(extra_context or {})}
        return super().changelist_view(request, context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The parcel's trace, read-only: there is no form to post."""
        from apps.tracking.admin import parcel_page_context

        if request.method not in ("GET", "HEAD"):
            raise PermissionDenied
        parcel = self.get_object(request, unquote(object_id))
        if not self.has_view_permission(request, parcel):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **parcel_page_context(user=request.user, parcel=parcel),
            "opts": self.opts,
            "title": f"Parcel {parcel.waybill_no}",
            "may_reveal": may_reveal_or_search(request.user),
            "is_nav_sidebar_enabled": False,  # the chain table needs the page's whole width
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/parcels/parcel/trace.html", context)

    def courier_view(self, request, employee_no):
        from apps.tracking.admin import courier_page

        if not self.has_view_permission(request):
            raise PermissionDenied
        return courier_page(self, request, employee_no)

    def vehicle_view(self, request, plate):
        from apps.tracking.admin import vehicle_page

        if not self.has_view_permission(request):
            raise PermissionDenied
        return vehicle_page(self, request, plate)

    def find_sender_view(self, request):
        """Search by ID number or phone through the blind index (``sender_search``, audited). The form is posted;
        one match redirects to the changelist filtered by the sender's id, so no plaintext reaches a URL."""
        if not (self.has_view_permission(request) and may_reveal_or_search(request.user)):
            raise PermissionDenied
        form = FindSenderForm(request.POST if request.method == "POST" else None)
        senders = None
        if form.is_valid():
            data = form.cleaned_data
            by_id = bool(data["id_number"])
            try:
                senders = sender_search(user=request.user, reason=data["reason"],
                                        id_type=data["id_type"] if by_id else "",
                                        id_number=data["id_number"] if by_id else "",
                                        phone="" if by_id else data["phone"])
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                changelist = reverse("admin:parcels_parcel_changelist")
                if len(senders) == 1:
                    self.message_user(request, "Sender found; the search was recorded in the audit log.",
                                      messages.SUCCESS)
                    return HttpResponseRedirect(f"{changelist}?{urlencode({'sender': senders[0].pk})}")
                senders = [(sender.masked, f"{changelist}?{urlencode({'sender': sender.pk})}") for sender in senders]
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "admin/parcels/parcel/find_sender.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Find parcels by ID number or phone",
            "form": form, "senders": senders})
        patch_cache_control(response, no_store=True)
        return response

    def reveal_view(self, request, object_id):
        """Shows the parcel's sender and recipient in clear for a stated reason (``parcel_reveal``, audited in the
        same transaction). Rendered once, in the response to the post: never stored, never cached."""
        if not (self.has_view_permission(request) and may_reveal_or_search(request.user)):
            raise PermissionDenied
        parcel = self.get_object(request, unquote(object_id))
        form = RevealForm(request.POST if request.method == "POST" else None)
        revealed = None
        if form.is_valid():
            try:
                revealed = parcel_reveal(user=request.user, parcel=parcel, **form.cleaned_data)
            except ValidationFailed as exc:
                form.add_error("reason" if exc.attr == "reason" else None, exc.detail)
            except ApplicationError as exc:
                raise PermissionDenied(exc.detail) from None
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "admin/parcels/parcel/reveal.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "parcel": parcel,
            "title": f"Reveal personal data — {parcel.waybill_no}", "form": form, "revealed": revealed,
            "reason": form.cleaned_data.get("reason") if revealed else "",
            "parcel_url": reverse("admin:parcels_parcel_change", args=[parcel.pk])})
        patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True, private=True)
        response["Pragma"] = "no-cache"
        return response
