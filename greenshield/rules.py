"""Compliance rules as pure functions: given facts about a parcel and a scan, which flags does it carry and
which alerts must it raise. No database, no Django — the services feed them and act on the answer."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from .enums import AlertKind, ParcelStatus, ScreeningStatus

DISPATCH_TYPES = frozenset({"LOADED", "DEPARTED"})
MOVEMENT_TYPES = frozenset({"SORTED", "LOADED", "DEPARTED", "UNLOADED", "HANDOVER", "OUT_FOR_DELIVERY", "DELIVERED"})
CLEAR_SCREENING = frozenset({ScreeningStatus.CLEAR, ScreeningStatus.CLEARED})

FLAG_ALERTS = {
    "before_acceptance": AlertKind.EVENT_BEFORE_ACCEPTANCE,
    "moved_while_on_hold": AlertKind.MOVEMENT_WHILE_ON_HOLD,
    "dispatch_without_clear_screening": AlertKind.DISPATCH_WITHOUT_SCREENING,
}


@dataclass(frozen=True)
class ParcelFacts:
    status: str
    screening_status: str
    accepted_at: datetime.datetime


def event_flags(*, event_type: str, occurred_at: datetime.datetime, parcel: ParcelFacts) -> list[str]:
    """Flags for a valid scan. Scans are facts and are stored anyway; flags say what looks wrong:
    a scan before the acceptance, a movement of a parcel on hold [R13], a dispatch without a clear screening [R11]."""
    flags = []
    if occurred_at < parcel.accepted_at:
        flags.append("before_acceptance")
    if parcel.status == ParcelStatus.ON_HOLD and event_type in MOVEMENT_TYPES:
        flags.append("moved_while_on_hold")
    if event_type in DISPATCH_TYPES and parcel.screening_status not in CLEAR_SCREENING:
        flags.append("dispatch_without_clear_screening")
    return flags


def alerts_for_flags(flags: list[str]) -> list[AlertKind]:
    return [FLAG_ALERTS[f] for f in flags if f in FLAG_ALERTS]


def screening_outcome(*, result: str, current_status: str, current_screening: str) -> tuple[str, str, AlertKind | None]:
    """(new parcel status, new screening status, alert) after an X-ray result [R13]: SUSPECT and PROHIBITED stop
    the parcel until a re-check; a CLEAR result never lifts a hold that is already in place, nor undoes a seizure."""
    if result == "PROHIBITED":
        return ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, AlertKind.PROHIBITED_SCREENING
    if result == "SUSPECT":
        return ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, AlertKind.SUSPECT_SCREENING
    if current_screening in (ScreeningStatus.SUSPECT, ScreeningStatus.SEIZED):
        return current_status, current_screening, None
    return current_status, (current_screening if current_screening == ScreeningStatus.CLEARED
                            else ScreeningStatus.CLEAR), None


def status_transition(*, event_type: str, current_status: str, occurred_at: datetime.datetime | None = None,
                      status_since: datetime.datetime | None = None) -> tuple[str, datetime.datetime | None]:
    """(status, since) after a scan. Status follows scans in the order they happened, not the order they arrive:
    a scan that occurred before the one that set the current status (a late upload) changes nothing. A hold or a
    seizure is only ever lifted by the re-check that owns it."""
    if current_status in (ParcelStatus.ON_HOLD, ParcelStatus.SEIZED) or event_type not in STATUS_OF_SCAN:
        return current_status, status_since
    if occurred_at is not None and status_since is not None and occurred_at < status_since:
        return current_status, status_since
    return STATUS_OF_SCAN[event_type], occurred_at if occurred_at is not None else status_since


def status_after_event(*, event_type: str, current_status: str, occurred_at: datetime.datetime | None = None,
                       status_since: datetime.datetime | None = None) -> str:
    return status_transition(event_type=event_type, current_status=current_status, occurred_at=occurred_at,
                             status_since=status_since)[0]


STATUS_OF_SCAN = {
    "ARRIVED": ParcelStatus.IN_TRANSIT, "SORTED": ParcelStatus.IN_TRANSIT, "LOADED": ParcelStatus.IN_TRANSIT,
    "DEPARTED": ParcelStatus.IN_TRANSIT, "UNLOADED": ParcelStatus.IN_TRANSIT,
    "HANDOVER": ParcelStatus.IN_TRANSIT, "OUT_FOR_DELIVERY": ParcelStatus.OUT_FOR_DELIVERY,
    "DELIVERED": ParcelStatus.DELIVERED, "DELIVERY_FAILED": ParcelStatus.IN_TRANSIT,
    "EXCEPTION": ParcelStatus.EXCEPTION, "RETURNED": ParcelStatus.RETURNED,
}


def unscreened_overdue(*, accepted_at: datetime.datetime, screening_status: str, now: datetime.datetime,
                       max_hours: float) -> bool:
    """[R11] A parcel still without a clear screening this long after acceptance needs attention."""
    return screening_status == ScreeningStatus.PENDING and now - accepted_at > datetime.timedelta(hours=max_hours)
