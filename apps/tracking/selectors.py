"""Trace reads: a parcel's full chain, and reverse traces from a courier or a vehicle. Every read is scoped to
the user, and the trace costs the same few queries however long the chain is."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from apps.compliance.models import Alert
from apps.organizations.models import Vehicle
from apps.organizations.selectors import staff_list, vehicle_list
from apps.parcels.chain import personal_parts_attach, stored_link
from apps.parcels.models import CheckpointEvent
from apps.parcels.selectors import parcel_list
from apps.screening.models import Screening
from apps.transparency.services import LINK, Inclusion, inclusion_for, leaf_data
from greenshield import chain, controls, trace
from greenshield.enums import EventType
from greenshield.errors import NotFound
from greenshield.plates import InvalidPlate, normalize_plate


@dataclass(frozen=True)
class Integrity:
    """The chain re-verified on the spot, the control rows compared with it, and the head link's place in the
    transparency log (None while it is not yet in a signed checkpoint)."""

    valid: bool
    length: int
    head: str
    first_bad_seq: int | None
    problem: str
    mismatches: list[controls.Mismatch]
    log: Inclusion | None


@dataclass
class Trace:
    parcel: object
    events: list  # in occurred_at order
    screenings: list
    alerts: list
    custody: list
    legs: list
    integrity: Integrity


def _recorded(parcel, screenings) -> controls.Recorded:
    """What the control rows say, as plain values for ``greenshield.controls``."""
    acceptance = parcel.acceptance
    inspection = getattr(acceptance, "inspection", None)
    verification = getattr(acceptance, "verification", None)
    resolutions = {}
    for s in screenings:
        resolution = getattr(s, "resolution", None)
        if resolution is not None:
            resolutions[str(s.pk)] = {"result": resolution.result, "authority_report_ref": resolution.authority_report_ref}
    return controls.Recorded(
        acceptance_id=str(acceptance.pk), status=parcel.status, screening_status=parcel.screening_status,
        contract_customer=parcel.contract_customer, weight_g=acceptance.weight_g,
        recipient_region_code=acceptance.recipient_region_code,
        inspection=None if inspection is None else {
            "result": inspection.result, "sender_present": inspection.sender_present,
            "safety_certificate_ref": inspection.safety_certificate_ref},
        real_name=None if verification is None else {
            "method": verification.method, "identity_matched": verification.identity_matched,
            "contract_customer": verification.contract_customer, "sender": str(verification.sender_id)},
        screenings={str(s.pk): {"result": s.result, "machine_id": s.machine_id, "image_ref": s.image_ref,
                                "image_sha256": s.image_sha256} for s in screenings},
        resolutions=resolutions)


def parcel_integrity(parcel, events: list, screenings: list) -> Integrity:
    """The chain re-hashed, the controls compared with its links, and the head's inclusion in the log."""
    verdict = chain.verify((stored_link(e) for e in events), expected_length=parcel.chain_length,
                           expected_head=parcel.chain_head)
    mismatches = controls.controls_compare(
        [controls.Link(e.seq, e.type, e.occurred_at, e.detail) for e in events], _recorded(parcel, screenings))
    problem = verdict.problem
    if verdict.valid and mismatches:
        problem = "the records disagree with the chain: " + ", ".join(m.field for m in mismatches)
    # A link's leaf shares its partition key (the parcel's acceptance time): one partition of leaves is read.
    inclusion = inclusion_for(leaf_data(LINK, parcel.chain_head), record_at=parcel.accepted_at) \
        if parcel.chain_head else None
    return Integrity(verdict.valid and not mismatches, verdict.length, verdict.head, verdict.first_bad_seq, problem,
                     mismatches, inclusion)


def parcel_trace(*, user, waybill_no: str) -> Trace:
    """The same queries whatever the chain's length: the parcel with its acceptance, inspection, verification and
    sender; the events with their facility, vehicle, courier and device; screenings with re-checks; alerts; and
    the head link's leaf, the latest checkpoint and the few tiles of its inclusion proof."""
    parcel = (parcel_list(user=user)
              .select_related("acceptance__inspection__inspector", "acceptance__verification__verified_by",
                              "acceptance__staff", "acceptance__outlet")
              .filter(waybill_no=waybill_no).first())
    if parcel is None:
        raise NotFound()
    events = list(CheckpointEvent.objects.of_parcel(parcel)
                  .select_related("facility", "vehicle", "courier", "device").order_by("seq"))
    personal_parts_attach(parcel, events)
    screenings = list(Screening.objects.filter(parcel=parcel)
                      .select_related("facility", "operator", "device", "resolution__resolved_by")
                      .order_by("screened_at"))
    integrity = parcel_integrity(parcel, events, screenings)
    alerts = list(Alert.objects.filter(parcel=parcel).select_related("facility").order_by("created_at"))
    by_time = sorted(events, key=lambda e: (e.occurred_at, e.seq))
    facts = [trace.Fact(e.type, e.occurred_at, courier=e.courier.employee_no if e.courier else None,
                        vehicle=e.vehicle.plate if e.vehicle else None,
                        facility=e.facility.code if e.facility else None) for e in by_time]
    return Trace(parcel=parcel, events=by_time, screenings=screenings, alerts=alerts,
                 custody=trace.custody_intervals(facts), legs=trace.vehicle_legs(facts), integrity=integrity)


def _window(queryset, since, until):
    if since:
        queryset = queryset.filter(occurred_at__gte=since)
    if until:
        queryset = queryset.filter(occurred_at__lt=until)
    return queryset


def _parcel_scope(user):
    """The parcels the user may see, as a subquery for event filters."""
    return parcel_list(user=user).values("pk")


def courier_activity(*, user, employee_no: str, since=None, until=None):
    """Every link the staff member is responsible for — accepted, inspected, screened, carried, delivered —
    on parcels in the user's scope, newest first (index: courier, occurred_at)."""
    staff = staff_list(user=user).filter(employee_no=employee_no).first()
    if staff is None:
        raise NotFound()
    events = (CheckpointEvent.objects.filter(courier=staff, parcel__in=_parcel_scope(user))
              .select_related("parcel", "facility", "vehicle").order_by("-occurred_at", "-id"))
    return staff, _window(events, since, until)


def _vehicle(user, plate: str) -> Vehicle:
    try:
        plate = normalize_plate(plate)
    except InvalidPlate:
        raise NotFound() from None
    vehicle = vehicle_list(user=user).filter(plate=plate).first()
    if vehicle is None:
        raise NotFound()
    return vehicle


def vehicle_loadings(*, user, plate: str, since=None, until=None):
    """LOADED scans onto the vehicle in the window (index: vehicle, occurred_at), newest first; the matching
    unloading of each is attached by ``vehicle_unloadings``."""
    vehicle = _vehicle(user, plate)
    loaded = (CheckpointEvent.objects.filter(vehicle=vehicle, type=EventType.LOADED, parcel__in=_parcel_scope(user))
              .select_related("parcel", "facility").order_by("-occurred_at", "-id"))
    return vehicle, _window(loaded, since, until)


@dataclass(frozen=True)
class VehicleLoad:
    loading: CheckpointEvent
    unloading: CheckpointEvent | None


def vehicle_loads(*, vehicle: Vehicle, loadings: list) -> list[VehicleLoad]:
    """A page of loadings, each with the first UNLOADED from the same vehicle after it (one query). For "what was
    aboard at T" that is the later unloading, so the reader sees when each parcel came off."""
    unloadings = vehicle_unloadings(vehicle=vehicle, loadings=loadings)
    return [VehicleLoad(loading, unloadings.get(loading.pk)) for loading in loadings]


def vehicle_unloadings(*, vehicle: Vehicle, loadings: list) -> dict[int, CheckpointEvent]:
    """For a page of loadings, the first UNLOADED from the same vehicle after each (one query)."""
    if not loadings:
        return {}
    earliest = min(e.occurred_at for e in loadings)
    candidates = (CheckpointEvent.objects.filter(vehicle=vehicle, type=EventType.UNLOADED, occurred_at__gte=earliest,
                                                 parcel__in=[e.parcel_id for e in loadings])
                  .select_related("facility").order_by("occurred_at"))
    by_parcel: dict = {}
    for event in candidates:
        by_parcel.setdefault(event.parcel_id, []).append(event)
    matched = {}
    for loading in loadings:
        matched[loading.pk] = next((u for u in by_parcel.get(loading.parcel_id, [])
                                    if u.occurred_at >= loading.occurred_at), None)
    return matched


def vehicle_aboard(*, user, plate: str, at: datetime.datetime):
    """Parcels aboard at instant ``at``: loaded onto the vehicle before ``at`` (within the longest plausible
    leg) and not unloaded from it between the loading and ``at``."""
    vehicle = _vehicle(user, plate)
    try:
        horizon = at - datetime.timedelta(hours=settings.GREENSHIELD_MAX_LEG_HOURS)
    except OverflowError:  # an instant at the very start of the calendar: nothing can have been loaded before it
        horizon = at
    unloaded_since = CheckpointEvent.objects.filter(
        parcel=OuterRef("parcel"), vehicle=vehicle, type=EventType.UNLOADED,
        occurred_at__gte=OuterRef("occurred_at"), occurred_at__lte=at)
    reloaded_since = CheckpointEvent.objects.filter(
        Q(parcel=OuterRef("parcel"), type=EventType.LOADED, occurred_at__gt=OuterRef("occurred_at"), occurred_at__lte=at)
        & ~Q(vehicle=vehicle))
    aboard = (CheckpointEvent.objects
              .filter(vehicle=vehicle, type=EventType.LOADED, occurred_at__gt=horizon, occurred_at__lte=at,
                      parcel__in=_parcel_scope(user))
              .exclude(Exists(unloaded_since)).exclude(Exists(reloaded_since))
              .select_related("parcel", "facility").order_by("-occurred_at", "-id"))
    return vehicle, aboard


