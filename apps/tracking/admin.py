"""The trace pages of the admin: a parcel's chain read as a timeline, and the reverse traces from a courier or a
vehicle (快件来源可追溯、车辆运输可追踪、人员责任可倒查). They are built on the trace API's own selectors, so a
supervisor sees in the admin exactly the links, scope and integrity verdict the API gives. ``ParcelAdmin``
serves them; nothing here changes anything.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django import forms
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from apps.compliance.admin import KIND_LABELS, SEVERITY_COLORS, STATUS_COLORS
from apps.parcels.admin import (
    AMBER,
    GREEN,
    INSPECTION_LABELS,
    PARCEL_STATUS_COLORS,
    RED,
    badge,
    enum_badge,
)
from apps.parcels.selectors import parcel_list
from apps.screening.admin import RESOLUTION_COLORS, RESULT_COLORS
from greenshield import masking
from greenshield import trace as trace_rules
from greenshield.enums import ScreeningStatus
from greenshield.errors import NotFound

from . import selectors

EVENT_LABELS = {
    "ACCEPTED": "Accepted at the outlet",
    "INSPECTED": "Inspected at acceptance",
    "SCREENED": "X-ray screened",
    "RECHECKED": "Open-box re-check",
    "ARRIVED": "Arrived",
    "SORTED": "Sorted",
    "LOADED": "Loaded onto vehicle",
    "DEPARTED": "Departed",
    "UNLOADED": "Unloaded from vehicle",
    "HANDOVER": "Handed to courier",
    "OUT_FOR_DELIVERY": "Out for delivery",
    "DELIVERED": "Delivered",
    "DELIVERY_FAILED": "Delivery attempt failed",
    "EXCEPTION": "Exception",
    "RETURNED": "Returned to sender",
}
FLAG_LABELS = {
    "before_acceptance": "scanned before acceptance",
    "moved_while_on_hold": "moved while on hold",
    "dispatch_without_clear_screening": "dispatched without a clear X-ray",
}
SCREENING_CONTROL_COLORS = {
    ScreeningStatus.CLEAR: GREEN, ScreeningStatus.CLEARED: GREEN, ScreeningStatus.PENDING: AMBER,
    ScreeningStatus.SUSPECT: AMBER, ScreeningStatus.SEIZED: RED,
}
SCREENING_CONTROL_HELP = {
    ScreeningStatus.CLEAR: "X-ray found nothing.",
    ScreeningStatus.CLEARED: "X-ray was suspect; the open-box re-check cleared it.",
    ScreeningStatus.PENDING: "Not screened yet: it may not be dispatched.",
    ScreeningStatus.SUSPECT: "X-ray was suspect or found a prohibited item: on hold until the open-box re-check.",
    ScreeningStatus.SEIZED: "The open-box re-check found a prohibited item: seized.",
}
HASH_SHOWN = 10
PAGE_SIZE = 100


def event_label(event_type: str) -> str:
    return EVENT_LABELS.get(event_type, event_type)


# -- the parcel page -----------------------------------------------------------------------------------------

@dataclass
class Control:
    """One of the three mandated controls, as a card at the top of the page."""

    title: str
    badge: str
    lines: list


@dataclass
class EventRow:
    event: object
    label: str
    details: str
    flags: list  # badges
    altered: bool
    short_hash: str


#: Keys of a link's detail that are internal ids or long digests, not something a reader needs on the page.
INTERNAL_DETAIL_KEYS = frozenset({"acceptance", "screening", "sender", "image_ref", "image_sha256"})


def _details(event) -> str:
    """A link's detail in a few words (the system links' in their own terms; a scan's as key: value)."""
    detail = event.detail or {}
    if event.type == "ACCEPTED":
        real_name = detail.get("real_name") or {}
        matched = "matched" if real_name.get("identity_matched") else "NOT matched"
        return (f"{detail.get('items', '?')} item(s), {detail.get('weight_g', '?')} g; real name {matched} "
                f"({str(real_name.get('method', '')).replace('_', ' ').lower()})")
    if event.type == "INSPECTED":
        present = "sender present" if detail.get("sender_present") else "sender NOT present"
        return f"{INSPECTION_LABELS.get(detail.get('result'), detail.get('result'))}; {present}"
    if event.type in ("SCREENED", "RECHECKED"):
        machine = f" on {detail['machine_id']}" if detail.get("machine_id") else ""
        return f"result {detail.get('result', '?')}{machine}"
    return "; ".join(f"{key}: {value}" for key, value in sorted(detail.items()) if key not in INTERNAL_DETAIL_KEYS)


def _controls(parcel, screenings) -> list[Control]:
    acceptance = parcel.acceptance
    inspection, verification = acceptance.inspection, acceptance.verification
    inspection_lines = [INSPECTION_LABELS.get(inspection.result, inspection.result),
                        f"by {inspection.inspector.employee_no}" + ("" if inspection.sender_present
                                                                    else " (sender not present)")]
    if inspection.safety_certificate_ref:
        inspection_lines.append(f"safety certificate {inspection.safety_certificate_ref}")
    verification_lines = [verification.method.replace("_", " ").lower(),
                          f"by {verification.verified_by.employee_no}"]
    if verification.contract_customer:
        verification_lines.append("contract customer [R6]")
    status = parcel.screening_status
    screening_lines = [SCREENING_CONTROL_HELP.get(status, "")]
    if screenings:
        last = screenings[-1]
        screening_lines.append(f"{len(screenings)} screening(s); last at {last.facility.code} "
                               f"by {last.operator.employee_no}")
    return [
        Control("Inspection at acceptance (收寄验视)",
                badge("PASSED", GREEN) if inspection.passed else badge("FAILED", RED), inspection_lines),
        Control("Real-name verification (实名收寄)",
                badge("VERIFIED", GREEN) if verification.identity_matched else badge("FAILED", RED),
                verification_lines),
        Control("X-ray screening (过机安检)", badge(status, SCREENING_CONTROL_COLORS.get(status, AMBER)),
                screening_lines),
    ]


def _event_rows(events, integrity) -> list[EventRow]:
    rows = []
    for event in events:
        flags = [badge(FLAG_LABELS.get(flag, flag), RED) for flag in event.flags or []]
        rows.append(EventRow(event=event, label=event_label(event.type), details=_details(event), flags=flags,
                             altered=(not integrity.valid and event.seq == integrity.first_bad_seq),
                             short_hash=event.hash[:HASH_SHOWN]))
    return rows


def _integrity(integrity) -> dict:
    if integrity.valid:
        return {"valid": True, "text": f"Chain intact — {integrity.length} links",
                "help": "Every link was re-hashed just now and matches the parcel's recorded head."}
    return {"valid": False, "text": f"Chain altered at link {integrity.first_bad_seq}: {integrity.problem}",
            "help": "A stored link no longer matches its hash: the record was changed or removed after it was "
                    "written. Report it; do not rely on the links from this one on."}


def parcel_page_context(*, user, parcel) -> dict:
    """Everything the parcel page shows, from the same ``parcel_trace`` the API serves."""
    try:
        trace = selectors.parcel_trace(user=user, waybill_no=parcel.waybill_no)
    except NotFound:
        raise Http404("Not found.") from None
    parcel = trace.parcel
    acceptance = parcel.acceptance
    sender = parcel.acceptance.masked_sender
    other_parcels = parcel_list(user=user).filter(sender_id=parcel.sender_id).count()
    changelist = reverse("admin:parcels_parcel_changelist")
    return {
        "parcel": parcel,
        "acceptance": acceptance,
        "status_badge": enum_badge(parcel.status, PARCEL_STATUS_COLORS),
        "controls": _controls(parcel, trace.screenings),
        "sender": sender,
        "recipient": acceptance.masked_recipient,
        "sender_parcels_url": f"{changelist}?{urlencode({'sender': parcel.sender_id})}",
        "sender_parcels_count": other_parcels,
        "integrity": _integrity(trace.integrity),
        "rows": _event_rows(trace.events, trace.integrity),
        "screenings": [(s, enum_badge(s.result, RESULT_COLORS), _resolution_badge(s)) for s in trace.screenings],
        "custody": [(c, event_label(c.ended_by) if c.ended_by else "") for c in trace.custody],
        "legs": trace.legs,
        "alerts": [(a, enum_badge(a.severity, SEVERITY_COLORS), KIND_LABELS.get(a.kind, a.kind),
                    enum_badge(a.status, STATUS_COLORS)) for a in trace.alerts],
        "api_url": reverse("parcel-trace", args=[parcel.waybill_no]),
    }


def _resolution_badge(screening):
    resolution = getattr(screening, "resolution", None)
    if resolution is None:
        return None
    return enum_badge(resolution.result, RESOLUTION_COLORS)


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
    rows = [(event, trace_rules.ROLE_OF_TYPE.get(event.type, "scanned"), event_label(event.type),
             enum_badge(event.parcel.status, PARCEL_STATUS_COLORS)) for event in events]
    return _render(model_admin, request, "admin/parcels/parcel/courier.html",
                   f"Courier {staff.employee_no} — parcels handled", {
                       "staff": staff, "masked_name": masking.mask_name(staff.name), "form": form, "rows": rows,
                       "page_number": number, "links": links,
                       "api_url": reverse("courier-parcels", args=[staff.employee_no])})


def vehicle_page(model_admin, request, plate: str) -> TemplateResponse:
    """Parcels loaded onto a vehicle, with their unloading, newest first; or what was aboard at an instant (the
    API's ``vehicles/{plate}/parcels/``)."""
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
    unloadings = {} if at is not None else selectors.vehicle_unloadings(vehicle=vehicle, loadings=loadings)
    rows = [(loading, unloadings.get(loading.pk),
             enum_badge(loading.parcel.status, PARCEL_STATUS_COLORS)) for loading in loadings]
    return _render(model_admin, request, "admin/parcels/parcel/vehicle.html",
                   f"Vehicle {vehicle.plate} — parcels carried", {
                       "vehicle": vehicle, "form": form, "at": at, "rows": rows, "page_number": number,
                       "links": links, "api_url": reverse("vehicle-parcels", args=[vehicle.plate])})
