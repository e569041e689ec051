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
from apps.parcels.chain import stored_link
from apps.parcels.models import CheckpointEvent
from apps.parcels.selectors import parcel_list
from apps.screening.models import Screening
from greenshield import chain, trace
from greenshield.enums import EventType
from greenshield.errors import NotFound
from greenshield.plates import InvalidPlate, normalize_plate


@dataclass
class Trace:
    parcel: object
    events: list  # in occurred_at order
    screenings: list
    alerts: list
    custody: list
    legs: list
    integrity: chain.Verdict


def parcel_trace(*, user, waybill_no: str) -> Trace:
    """Five queries whatever the chain's length: the parcel with its acceptance, inspection, verification and
    sender; the events with their facility, vehicle, courier and device; screenings with re-checks; alerts."""
    parcel = (parcel_list(user=user)
              .select_related("acceptance__inspection__inspector", "acceptance__verification__verified_by",
                              "acceptance__staff", "acceptance__outlet")
              .filter(waybill_no=waybill_no).first())
    if parcel is None:
        raise NotFound()
    events = list(CheckpointEvent.objects.filter(parcel=parcel)
                  .select_related("facility", "vehicle", "courier", "device").order_by("seq"))
    integrity = chain.verify((stored_link(e) for e in events), expected_length=parcel.chain_length,
                             expected_head=parcel.chain_head)
    screenings = list(Screening.objects.filter(parcel=parcel)
                      .select_related("facility", "operator", "device", "resolution__resolved_by")
                      .order_by("screened_at"))
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


