"""Parcels in the admin, read as their trace (快件来源可追溯、车辆运输可追踪、人员责任可倒查): the parcel list, the
parcel page (a timeline of its chain), the reverse traces from a courier or a vehicle, the audited sender search
and the audited reveal. Every page is built from the trace API's own selectors and presenters, so a supervisor
sees in the admin exactly the links, scope and integrity verdict the API gives. Nothing here changes a parcel;
personal data is masked unless revealed with a reason.
"""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables

from apps.common.admin import (
    EvidenceAdmin,
    ScopedRelatedFilter,
    WaybillSearchMixin,
    badge,
    enum_badge,
    labelled_choices_filter,
    when,
)
from apps.common.admin.forms import UnechoedTextInput
from apps.common.permissions import user_may
from apps.compliance.models import Alert
from apps.organizations.selectors import facility_list, organization_list
from apps.parcels import selectors as parcel_selectors
from apps.parcels.api.serializers import SenderFoundSerializer
from apps.parcels.models import Parcel
from apps.parcels.services import parcel_reveal, sender_search
from greenshield import identity, masking
from greenshield.capabilities import Capability
from greenshield.enums import (
    SCREENING_STATUS_HELP,
    AlertKind,
    AlertSeverity,
    AlertStatus,
    EventFlag,
    EventType,
    FacilityKind,
    InspectionResult,
    ParcelStatus,
    ResolutionResult,
    ScreeningResult,
    ScreeningStatus,
    Tone,
)
from greenshield.errors import ApplicationError, NotFound, ValidationFailed
from greenshield.identity import IdType

from . import selectors
from .api.serializers import CourierActivitySerializer, TraceSerializer, VehicleLoadSerializer

OPEN_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)
HASH_SHOWN = 10
PAGE_SIZE = 100


def may_reveal_or_search(user) -> bool:
    return user_may(user, Capability.REVEAL_PERSONAL_DATA) and user_may(user, Capability.SEARCH_SENDERS)


def event_label(event_type: str | None) -> str:
    try:
        return EventType(event_type).label
    except ValueError:
        return event_type or ""


# -- the parcel list -------------------------------------------------------------------------------------------

class CompanyFilter(ScopedRelatedFilter):
    @staticmethod
    def choices_for(user):
        return organization_list(user=user).order_by("code")


class OutletFilter(ScopedRelatedFilter):
    @staticmethod
    def choices_for(user):
        return facility_list(user=user).filter(kind=FacilityKind.OUTLET).order_by("code")


def _open_alerts():
    return Alert.objects.filter(parcel=OuterRef("pk"), status__in=OPEN_ALERT_STATUSES)


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


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


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
        parcel = (parcel_selectors.parcel_list(user=request.user).filter(sender_id=sender_id).first()
                  if sender_id else None)
        if parcel is None:
            return [(value, "no sender in your scope")]
        sender = parcel.sender
        return [(value, f"{sender.masked['name']} · {sender.id_type} {sender.masked['id_number']}")]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        sender_id = _uuid_or_none(self.value())
        return queryset.filter(sender_id=sender_id) if sender_id else queryset.none()


class FindSenderForm(forms.Form):
    """Find a sender through the blind index: an ID document or a phone, with the reason that goes into the
    audit log. Posted, never put in a URL."""

    id_type = forms.ChoiceField(label="ID document type", required=False,
                                choices=[("", "—")] + [(t.value, t.label) for t in IdType])
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
    reverse traces."""

    selector = staticmethod(parcel_selectors.parcel_list)
    list_display = ("waybill_no", "status_badge", "screening_badge", "alerts_badge", "sender_name", "organization",
                    "outlet", "accepted_at")
    list_filter = (
        ("organization", CompanyFilter),
        ("outlet", OutletFilter),
        ("status", labelled_choices_filter(ParcelStatus)),
        ("screening_status", labelled_choices_filter(ScreeningStatus)),
        OpenAlertsFilter,
        SenderFilter,
    )
    list_select_related = ("organization", "outlet", "sender")
    date_hierarchy = "accepted_at"
    search_help_text = "Waybill no., exactly. To find a sender's parcels by ID number or phone, use the form below."
    change_list_template = "admin/parcels/parcel/change_list.html"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(has_open_alerts=Exists(_open_alerts()))

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj):
        return enum_badge(obj.status, ParcelStatus)

    @admin.display(description="screening", ordering="screening_status")
    def screening_badge(self, obj):
        return enum_badge(obj.screening_status, ScreeningStatus)

    @admin.display(description="alerts")
    def alerts_badge(self, obj):
        return badge("unresolved", Tone.BAD) if getattr(obj, "has_open_alerts", False) else "—"

    @admin.display(description="sender (masked)")
    def sender_name(self, obj):
        return masking.mask_name(obj.sender.name)

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
        if not self.has_view_permission(request):
            raise PermissionDenied
        return courier_page(self, request, employee_no)

    def vehicle_view(self, request, plate):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return vehicle_page(self, request, plate)

    @method_decorator(sensitive_post_parameters())
    @method_decorator(sensitive_variables())
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
                found = sender_search(user=request.user, reason=data["reason"],
                                      id_type=data["id_type"] if by_id else "",
                                      id_number=data["id_number"] if by_id else "",
                                      phone="" if by_id else data["phone"])
            except ApplicationError as exc:
                form.add_error(None, exc.detail)
            else:
                changelist = reverse("admin:parcels_parcel_changelist")
                if len(found) == 1:
                    self.message_user(request, "Sender found; the search was recorded in the audit log.",
                                      messages.SUCCESS)
                    return HttpResponseRedirect(f"{changelist}?{urlencode({'sender': found[0].pk})}")
                presented = SenderFoundSerializer(found, many=True, context={"parcels_by_sender": {}}).data
                senders = [(row, f"{changelist}?{urlencode({'sender': row['id']})}") for row in presented]
        request.current_app = self.admin_site.name
        response = TemplateResponse(request, "admin/parcels/parcel/find_sender.html", {
            **self.admin_site.each_context(request), "opts": self.opts, "title": "Find parcels by ID number or phone",
            "form": form, "senders": senders})
        patch_cache_control(response, no_store=True)
        return response

    @method_decorator(sensitive_post_parameters())
    @method_decorator(sensitive_variables())
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


# -- the parcel page -------------------------------------------------------------------------------------------

@dataclass
class Control:
    """One of the three mandated controls, as a card at the top of the page."""

    title: str
    badge: str
    lines: list


@dataclass
class EventRow:
    event: dict  # the link as the API presents it
    label: str
    details: str
    flags: list  # badges
    altered: bool
    short_hash: str
    facility_name: str


#: Keys of a link's detail that are internal ids or long digests, not something a reader needs on the page.
INTERNAL_DETAIL_KEYS = frozenset({"acceptance", "screening", "sender", "image_ref", "image_sha256"})


def _details(event: dict) -> str:
    """A link's detail in a few words (the system links' in their own terms; a scan's as key: value)."""
    detail = event["detail"] or {}
    if event["type"] == EventType.ACCEPTED:
        real_name = detail.get("real_name") or {}
        matched = "matched" if real_name.get("identity_matched") else "NOT matched"
        return (f"{detail.get('items', '?')} item(s), {detail.get('weight_g', '?')} g; real name {matched} "
                f"({str(real_name.get('method', '')).replace('_', ' ').lower()})")
    if event["type"] == EventType.INSPECTED:
        present = "sender present" if detail.get("sender_present") else "sender NOT present"
        result = detail.get("result")
        return f"{InspectionResult(result).label if InspectionResult.has(result) else result}; {present}"
    if event["type"] in (EventType.SCREENED, EventType.RECHECKED):
        machine = f" on {detail['machine_id']}" if detail.get("machine_id") else ""
        return f"result {detail.get('result', '?')}{machine}"
    return "; ".join(f"{key}: {value}" for key, value in sorted(detail.items()) if key not in INTERNAL_DETAIL_KEYS)


def _flag_badge(flag: str):
    return badge(EventFlag(flag).label if EventFlag.has(flag) else flag, Tone.BAD)


def _controls(trace: dict) -> list[Control]:
    inspection, real_name = trace["controls"]["inspection"], trace["controls"]["real_name"]
    screenings = trace["controls"]["screening"]
    inspection_lines = [InspectionResult(inspection["result"]).label,
                        f"by {inspection['inspector']}" + ("" if inspection["sender_present"]
                                                           else " (sender not present)")]
    if inspection["safety_certificate_ref"]:
        inspection_lines.append(f"safety certificate {inspection['safety_certificate_ref']}")
    verification_lines = [real_name["method"].replace("_", " ").lower(), f"by {real_name['verified_by']}"]
    if real_name["contract_customer"]:
        verification_lines.append("contract customer [R6]")
    status = trace["parcel"]["screening_status"]
    screening_lines = [SCREENING_STATUS_HELP.get(status, "")]
    if screenings:
        last = screenings[-1]
        screening_lines.append(f"{len(screenings)} screening(s); last at {last['facility']} by {last['operator']}")
    return [
        Control("Inspection at acceptance (收寄验视)",
                badge("PASSED", Tone.GOOD) if inspection["passed"] else badge("FAILED", Tone.BAD), inspection_lines),
        Control("Real-name verification (实名收寄)",
                badge("VERIFIED", Tone.GOOD) if real_name["identity_matched"] else badge("FAILED", Tone.BAD),
                verification_lines),
        Control("X-ray screening (过机安检)", enum_badge(status, ScreeningStatus), screening_lines),
    ]


def _log_line(log: dict | None) -> str:
    if log is None:
        return "Not yet in the transparency log (it is added within seconds)."
    return (f"Included in the log at index {log['leaf_index']} of {log['tree_size']}, checkpoint signed "
            f"{when(parse_datetime(log['signed_at']))}.")


def _integrity(integrity: dict) -> dict:
    log = _log_line(integrity["log"])
    if integrity["valid"]:
        return {"valid": True, "text": f"Chain intact — {integrity['length']} links", "log": log,
                "help": "Every link was re-hashed just now and matches the parcel's recorded head, and the "
                        "inspection, verification, screenings and statuses say what the links say."}
    if integrity["mismatches"] and integrity["first_bad_seq"] is None:
        fields = ", ".join(m["field"] for m in integrity["mismatches"])
        return {"valid": False, "text": f"Records disagree with the chain: {fields}", "log": log,
                "help": "A control record or the parcel's status was changed after the chain recorded it. The "
                        "chain's links are the evidence; report it."}
    return {"valid": False, "text": f"Chain altered at link {integrity['first_bad_seq']}: {integrity['problem']}",
            "log": log,
            "help": "A stored link no longer matches its hash: the record was changed or removed after it was "
                    "written. Report it; do not rely on the links from this one on."}


def parcel_page_context(*, user, parcel) -> dict:
    """Everything the parcel page shows, from the same ``parcel_trace`` and ``TraceSerializer`` the API serves."""
    try:
        found = selectors.parcel_trace(user=user, waybill_no=parcel.waybill_no)
    except NotFound:
        raise Http404("Not found.") from None
    trace = TraceSerializer(found).data
    integrity = trace["integrity"]
    facility_names = {e.facility.code: e.facility.name for e in found.events if e.facility is not None}
    rows = [EventRow(event=e, label=event_label(e["type"]), details=_details(e),
                     flags=[_flag_badge(f) for f in e["flags"]],
                     altered=(not integrity["valid"] and e["seq"] == integrity["first_bad_seq"]),
                     short_hash=e["chain_hash"][:HASH_SHOWN], facility_name=facility_names.get(e["facility"], ""))
            for e in trace["events"]]
    parcel = found.parcel
    changelist = reverse("admin:parcels_parcel_changelist")
    return {
        "parcel": parcel,
        "trace": trace,
        "acceptance_id": parcel.acceptance_id,
        "status_badge": enum_badge(parcel.status, ParcelStatus),
        "controls": _controls(trace),
        "sender_parcels_url": f"{changelist}?{urlencode({'sender': parcel.sender_id})}",
        "sender_parcels_count": parcel_selectors.parcel_list(user=user).filter(sender_id=parcel.sender_id).count(),
        "integrity": _integrity(integrity),
        "rows": rows,
        "screenings": [(s, enum_badge(s["result"], ScreeningResult),
                        enum_badge(s["resolution"]["result"], ResolutionResult) if s["resolution"] else None)
                       for s in trace["controls"]["screening"]],
        "custody": [(c, event_label(c["ended_by"]) if c["ended_by"] else "") for c in trace["custody"]],
        "legs": trace["vehicles"],
        "alerts": [(a, enum_badge(a["severity"], AlertSeverity), AlertKind(a["kind"]).label,
                    enum_badge(a["status"], AlertStatus)) for a in trace["alerts"]],
        "api_url": reverse("parcel-trace", args=[parcel.waybill_no]),
    }


# -- reverse traces --------------------------------------------------------------------------------------------

class WindowForm(forms.Form):
    """The time window of a reverse trace: whole days in local time (``until`` included)."""

    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To (included)", widget=forms.DateInput(attrs={"type": "date"}))

    def window(self) -> tuple[datetime.datetime | None, datetime.datetime | None]:
        if not self.is_valid():
            return None, None
        since, until = self.cleaned_data.get("since"), self.cleaned_data.get("until")
        return (_start_of(since) if since else None,
                _start_of(until + datetime.timedelta(days=1)) if until else None)


class AboardForm(WindowForm):
    at = forms.DateTimeField(required=False, label="Aboard at",
                             input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _page_number(request) -> int:
    try:
        return max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        return 1


def _page(queryset, request):
    """One page, newest first, without counting millions of rows: fetch one more to know if there is a next."""
    number = _page_number(request)
    rows = list(queryset[(number - 1) * PAGE_SIZE: number * PAGE_SIZE + 1])
    params = request.GET.copy()
    links = {}
    if number > 1:
        params["page"] = number - 1
        links["previous"] = f"?{params.urlencode()}"
    if len(rows) > PAGE_SIZE:
        params["page"] = number + 1
        links["next"] = f"?{params.urlencode()}"
    return rows[:PAGE_SIZE], number, links


def _render(model_admin, request, template: str, title: str, context: dict) -> TemplateResponse:
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, template, {
        **model_admin.admin_site.each_context(request), "opts": model_admin.model._meta, "title": title, **context})


def _parcel_ids(events) -> dict[str, object]:
    """Waybill → parcel id for a page of rows, so each row links to the parcel page."""
    return {event.parcel.waybill_no: event.parcel_id for event in events}


def courier_page(model_admin, request, employee_no: str) -> TemplateResponse:
    """Every link a staff member is responsible for — accepted, inspected, screened, carried, delivered — on
    parcels in the user's scope, newest first (the API's ``couriers/{employee_no}/parcels/``)."""
    form = WindowForm(request.GET or None)
    since, until = form.window()
    try:
        staff, events = selectors.courier_activity(user=request.user, employee_no=employee_no, since=since,
                                                   until=until)
    except NotFound:
        raise Http404("Not found.") from None
    events, number, links = _page(events, request)
    parcel_ids = _parcel_ids(events)
    rows = [(row, parcel_ids[row["waybill_no"]], event_label(row["type"]),
             enum_badge(row["parcel_status"], ParcelStatus))
            for row in CourierActivitySerializer(events, many=True).data]
    return _render(model_admin, request, "admin/parcels/parcel/courier.html",
                   f"Courier {staff.employee_no} — parcels handled", {
                       "staff": staff, "masked_name": masking.mask_name(staff.name), "form": form, "rows": rows,
                       "page_number": number, "links": links,
                       "api_url": reverse("courier-parcels", args=[staff.employee_no])})


def vehicle_page(model_admin, request, plate: str) -> TemplateResponse:
    """Parcels loaded onto a vehicle, with their unloading, newest first; or what was aboard at an instant, with
    when each came off later (the API's ``vehicles/{plate}/parcels/``, the same presenter)."""
    form = AboardForm(request.GET or None)
    since, until = form.window()
    at = form.cleaned_data.get("at") if form.is_bound and form.is_valid() else None
    try:
        if at is not None:
            vehicle, loadings = selectors.vehicle_aboard(user=request.user, plate=plate, at=at)
        else:
            vehicle, loadings = selectors.vehicle_loadings(user=request.user, plate=plate, since=since, until=until)
    except NotFound:
        raise Http404("Not found.") from None
    loadings, number, links = _page(loadings, request)
    parcel_ids = _parcel_ids(loadings)
    rows = [(row, parcel_ids[row["waybill_no"]], enum_badge(row["parcel_status"], ParcelStatus))
            for row in VehicleLoadSerializer(selectors.vehicle_loads(vehicle=vehicle, loadings=loadings),
                                             many=True).data]
    return _render(model_admin, request, "admin/parcels/parcel/vehicle.html",
                   f"Vehicle {vehicle.plate} — parcels carried", {
                       "vehicle": vehicle, "form": form, "at": at, "rows": rows, "page_number": number,
                       "links": links, "api_url": reverse("vehicle-parcels", args=[vehicle.plate])})
