"""Domain rules as pure functions: how an acceptance attempt is decided, which flags a scan carries and which
alerts they raise, how a screening, a re-check or a scan moves a parcel's status, and how an alert moves on.
No database, no Django — the services feed them facts and act on the answer. Each rule lives here once."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from .enums import (
    AlertKind,
    AlertStatus,
    EventFlag,
    EventType,
    InspectionResult,
    Outcome,
    ParcelStatus,
    RefusalReason,
    ResolutionResult,
    ScreeningResult,
    ScreeningStatus,
    StaffStatus,
)
from .errors import Conflict

DISPATCH_TYPES = frozenset(t.value for t in EventType if t.meta.dispatch)
MOVEMENT_TYPES = frozenset(t.value for t in EventType if t.meta.movement)
STATUS_OF_SCAN = {t.value: t.meta.status_after for t in EventType if t.meta.status_after is not None}
CLEAR_SCREENING = frozenset({ScreeningStatus.CLEAR, ScreeningStatus.CLEARED})
FLAG_ALERTS = {flag.value: flag.alert for flag in EventFlag}
HOLDING_RESULTS = frozenset({ScreeningResult.SUSPECT, ScreeningResult.PROHIBITED})


# -- acceptance [R5][R8][R9][R15] ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    refusal_reason: RefusalReason | None
    alerts: tuple[AlertKind, ...]


def inspection_passed(*, result: str, safety_certificate_ref: str) -> bool:
    """An inspection passes when nothing was found, or when an unconfirmable item has a safety certificate [R9]."""
    return result == InspectionResult.PASS or bool(result == InspectionResult.UNCONFIRMABLE and safety_certificate_ref)


def acceptance_decide(*, inspection_result: str, safety_certificate_ref: str, declared_prohibited: bool,
                      identity_matched: bool, sender_blacklisted: bool) -> Decision:
    """Every condition that calls for an alert raises one; the refusal reason is the most serious condition."""
    alerts = []
    reasons = []
    if inspection_result == InspectionResult.PROHIBITED_FOUND or declared_prohibited:
        reasons.append(RefusalReason.PROHIBITED_ITEM)
        alerts.append(AlertKind.PROHIBITED_ITEM_AT_ACCEPTANCE)
    if sender_blacklisted:
        reasons.append(RefusalReason.SENDER_BLACKLISTED)
        alerts.append(AlertKind.BLACKLISTED_SENDER_ATTEMPT)
    if inspection_result == InspectionResult.REFUSED_BY_SENDER:
        reasons.append(RefusalReason.INSPECTION_REFUSED)
    if not identity_matched:
        reasons.append(RefusalReason.IDENTITY_MISMATCH)
    if inspection_result == InspectionResult.UNCONFIRMABLE and not safety_certificate_ref:
        reasons.append(RefusalReason.UNCONFIRMABLE_ITEM)
    if reasons:
        return Decision(Outcome.REFUSED, reasons[0], tuple(alerts))
    return Decision(Outcome.ACCEPTED, None, tuple(alerts))


# -- scans ---------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParcelFacts:
    status: str
    screening_status: str
    accepted_at: datetime.datetime


def event_flags(*, event_type: str, occurred_at: datetime.datetime, parcel: ParcelFacts,
                courier_in_good_standing: bool = True,
                clock_skew: datetime.timedelta = datetime.timedelta(0)) -> list[str]:
    """Flags for a valid scan. Scans are facts and are stored anyway; flags say what looks wrong:
    a scan before the acceptance (by more than ``clock_skew``: device clocks are coarse, a whole-second clock
    stamps a scan a second after the acceptance as a second before it), a movement of a parcel on hold [R13], a
    dispatch without a clear screening [R11], custody given to a courier who is suspended, has left or is
    blacklisted [R15]."""
    flags = []
    if occurred_at < parcel.accepted_at - clock_skew:
        flags.append(EventFlag.BEFORE_ACCEPTANCE.value)
    if parcel.status == ParcelStatus.ON_HOLD and event_type in MOVEMENT_TYPES:
        flags.append(EventFlag.MOVED_WHILE_ON_HOLD.value)
    if event_type in DISPATCH_TYPES and parcel.screening_status not in CLEAR_SCREENING:
        flags.append(EventFlag.DISPATCH_WITHOUT_CLEAR_SCREENING.value)
    if not courier_in_good_standing:
        flags.append(EventFlag.COURIER_NOT_IN_GOOD_STANDING.value)
    return flags


def detail_errors(*, event_type: str, detail: dict) -> list[tuple[str, str]]:
    """``(key, problem)`` for each key of a scan's ``detail`` that its type does not allow, or whose value is not
    one of the allowed codes (``EventType.meta.detail``). Reason codes only: no free text, no personal data
    (a name, a phone) can ride in ``detail``. A missing or non-text ``reason`` of a type that needs one is the
    caller's ``required``, not reported here."""
    meta = EventType(event_type).meta
    allowed = {spec.key: spec for spec in meta.detail}
    problems = []
    for key, value in detail.items():
        spec = allowed.get(key)
        if spec is None:
            names = ", ".join(allowed) or "no keys"
            problems.append((key, f"detail.{key} is not allowed for {event_type} (it takes {names})."))
        elif not spec.accepts(value) and not (key == "reason" and meta.needs_reason and not isinstance(value, str)):
            codes = ", ".join(spec.values) if spec.values is not None else "a locker or station code"
            problems.append((key, f"detail.{key} must be one of {codes}."))
    return problems


# -- people [R15] --------------------------------------------------------------------------------------------

def staff_standing_refusal(*, status: str, blacklisted: bool) -> str | None:
    """Why a staff member may not accept, screen, resolve a hold or take custody — ``staff_blacklisted`` or
    ``staff_inactive`` (suspended, departed) — or None when they are in good standing."""
    if blacklisted:
        return "staff_blacklisted"
    if status != StaffStatus.ACTIVE:
        return "staff_inactive"
    return None


def alerts_for_flags(flags: list[str]) -> list[AlertKind]:
    return [FLAG_ALERTS[f] for f in flags if f in FLAG_ALERTS]


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


def unscreened_overdue(*, accepted_at: datetime.datetime, screening_status: str, now: datetime.datetime,
                       max_hours: float) -> bool:
    """[R11] A parcel still without a clear screening this long after acceptance needs attention."""
    return screening_status == ScreeningStatus.PENDING and now - accepted_at > datetime.timedelta(hours=max_hours)


# -- screening and re-check [R12][R13] -----------------------------------------------------------------------

def screening_outcome(*, result: str, current_status: str, current_screening: str) -> tuple[str, str, AlertKind | None]:
    """(new parcel status, new screening status, alert) after an X-ray result [R13]: SUSPECT and PROHIBITED stop
    the parcel until a re-check; a CLEAR result never lifts a hold that is already in place, nor undoes a seizure."""
    if result == ScreeningResult.PROHIBITED:
        return ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, AlertKind.PROHIBITED_SCREENING
    if result == ScreeningResult.SUSPECT:
        return ParcelStatus.ON_HOLD, ScreeningStatus.SUSPECT, AlertKind.SUSPECT_SCREENING
    if current_screening in (ScreeningStatus.SUSPECT, ScreeningStatus.SEIZED):
        return current_status, current_screening, None
    return current_status, (current_screening if current_screening == ScreeningStatus.CLEARED
                            else ScreeningStatus.CLEAR), None


def resolution_outcome(*, screening_result: str, already_resolved: bool, result: str, parcel_status: str,
                       screening_status: str, status_before_hold: str, other_holds: bool) -> tuple[str, str]:
    """(parcel status, screening status) after the open-box re-check of one screening [R13]. SEIZED seizes the
    parcel; CLEARED lifts the hold only when no other suspect screening still holds it, and never lifts a seizure.
    Raises ``Conflict`` for a screening that needs no re-check or already had one."""
    if screening_result not in HOLDING_RESULTS:
        raise Conflict("A clear screening needs no re-check.", code="not_suspect")
    if already_resolved:
        raise Conflict("This screening has already been re-checked.", code="already_resolved")
    if result == ResolutionResult.SEIZED:
        return ParcelStatus.SEIZED, ScreeningStatus.SEIZED
    if parcel_status == ParcelStatus.SEIZED or other_holds:
        return parcel_status, screening_status
    return status_before_hold or ParcelStatus.ACCEPTED, ScreeningStatus.CLEARED


# -- alerts --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AlertTransition:
    name: str
    from_statuses: frozenset[AlertStatus]
    to_status: AlertStatus
    refusal_code: str
    refusal_detail: str


ALERT_TRANSITIONS = {
    "acknowledge": AlertTransition("acknowledge", frozenset({AlertStatus.OPEN}), AlertStatus.ACKNOWLEDGED,
                                   "alert_not_open", "only open alerts can be acknowledged"),
    "resolve": AlertTransition("resolve", frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED}),
                               AlertStatus.RESOLVED, "alert_resolved", "they are already resolved"),
}


def alert_may(action: str, status: str) -> bool:
    return status in ALERT_TRANSITIONS[action].from_statuses


def alert_transition(action: str, status: str) -> AlertStatus:
    """The status an alert moves to; ``Conflict`` with the transition's code when it cannot from ``status``."""
    transition = ALERT_TRANSITIONS[action]
    if status not in transition.from_statuses:
        raise Conflict(f"The alert is {str(status).lower()}: {transition.refusal_detail}.",
                       code=transition.refusal_code)
    return transition.to_status
