"""Domain enums: upper-case strings that appear in the API exactly as here, each member carrying its metadata —
a human label, a tone for display (the admin's palette turns tones into colours), and for event types what the
event needs, what it means for movement, custody, vehicle legs and the parcel's status, and its GS1 CBV 2.0
business step and disposition. Every table about a value lives on the value."""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Tone(StrEnum):
    """How a value should look: the admin palette maps each tone to one colour."""

    GOOD = "good"
    BAD = "bad"
    SEVERE = "severe"
    WARN = "warn"
    INFO = "info"
    NEUTRAL = "neutral"


def _labelled_member(cls, value: str, label: str | None, tone: Tone):
    member = str.__new__(cls, value)
    member._value_ = value
    member.label = label or value
    member.tone = tone
    return member


class LabelledEnum(StrEnum):
    """A string enum whose members are ``NAME = "VALUE", "Label", Tone``."""

    label: str
    tone: Tone

    def __new__(cls, value: str, label: str | None = None, tone: Tone = Tone.NEUTRAL):
        return _labelled_member(cls, value, label, tone)

    @classmethod
    def has(cls, value) -> bool:
        """Whether ``value`` is one of the members' values (``in`` raises for non-members before Python 3.12)."""
        return value in cls._value2member_map_


class Role(StrEnum):
    OUTLET_STAFF = "outlet_staff"
    SCREENER = "screener"
    SUPERVISOR = "supervisor"
    REGULATOR = "regulator"
    REGIONAL_REGULATOR = "regional_regulator"


ROLE_LABELS = {
    Role.OUTLET_STAFF: "Outlet staff (营业网点) — records acceptances through the API",
    Role.SCREENER: "X-ray screener (分拨中心) — records screenings through the API",
    Role.SUPERVISOR: "Company safety supervisor — audits their company, also in the admin",
    Role.REGULATOR: "Regulator (邮政管理部门) — audits what happens in their province, also in the admin",
    Role.REGIONAL_REGULATOR: "Regional regulator (长三角联席) — audits the whole Delta; keeps no blacklist",
}


class Province(StrEnum):
    """GB/T 2260 codes of the three provinces of the region."""

    SHANGHAI = "310000"
    JIANGSU = "320000"
    ZHEJIANG = "330000"


PROVINCE_NAMES = {Province.SHANGHAI: "上海市", Province.JIANGSU: "江苏省", Province.ZHEJIANG: "浙江省"}


class FacilityKind(StrEnum):
    OUTLET = "OUTLET"
    HUB = "HUB"
    STATION = "STATION"


class StaffStatus(LabelledEnum):
    ACTIVE = "ACTIVE", "Active", Tone.GOOD
    SUSPENDED = "SUSPENDED", "Suspended", Tone.WARN
    LEFT = "LEFT", "Left the company", Tone.NEUTRAL


class VehicleKind(StrEnum):
    TRUCK = "TRUCK"
    VAN = "VAN"
    TRICYCLE = "TRICYCLE"
    MOTORCYCLE = "MOTORCYCLE"
    OTHER = "OTHER"


class SenderKind(StrEnum):
    PERSON = "PERSON"
    ORGANIZATION = "ORGANIZATION"


class VerificationMethod(StrEnum):
    ID_CARD_READER = "ID_CARD_READER"
    MANUAL_CHECK = "MANUAL_CHECK"
    FACE_RECOGNITION = "FACE_RECOGNITION"
    ELECTRONIC_ID = "ELECTRONIC_ID"
    CONTRACT_CUSTOMER = "CONTRACT_CUSTOMER"  # [R6] signed safety agreement; flagged


class InspectionResult(LabelledEnum):
    PASS = "PASS", "Passed", Tone.GOOD  # noqa: S105 - an inspection result, not a password
    PROHIBITED_FOUND = "PROHIBITED_FOUND", "Prohibited item found", Tone.BAD
    UNCONFIRMABLE = "UNCONFIRMABLE", "Could not be confirmed", Tone.WARN
    REFUSED_BY_SENDER = "REFUSED_BY_SENDER", "Sender refused inspection", Tone.BAD


class Outcome(LabelledEnum):
    ACCEPTED = "ACCEPTED", "Accepted", Tone.GOOD
    REFUSED = "REFUSED", "Refused", Tone.BAD


class RefusalReason(LabelledEnum):
    PROHIBITED_ITEM = "prohibited_item", "Prohibited item"
    SENDER_BLACKLISTED = "sender_blacklisted", "Sender blacklisted"
    INSPECTION_REFUSED = "inspection_refused", "Sender refused inspection"
    IDENTITY_MISMATCH = "identity_mismatch", "Identity did not match"
    UNCONFIRMABLE_ITEM = "unconfirmable_item", "Item could not be confirmed safe"


class ParcelStatus(LabelledEnum):
    ACCEPTED = "ACCEPTED", "Accepted", Tone.INFO
    IN_TRANSIT = "IN_TRANSIT", "In transit", Tone.INFO
    ON_HOLD = "ON_HOLD", "On hold", Tone.WARN
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY", "Out for delivery", Tone.INFO
    DELIVERED = "DELIVERED", "Delivered", Tone.GOOD
    RETURNED = "RETURNED", "Returned", Tone.NEUTRAL
    SEIZED = "SEIZED", "Seized", Tone.SEVERE
    EXCEPTION = "EXCEPTION", "Exception", Tone.BAD


class ScreeningStatus(LabelledEnum):
    """Where a parcel stands on X-ray screening [R11][R13]."""

    PENDING = "PENDING", "Not screened yet", Tone.NEUTRAL
    CLEAR = "CLEAR", "Clear", Tone.GOOD
    SUSPECT = "SUSPECT", "Suspect (on hold)", Tone.WARN
    CLEARED = "CLEARED", "Cleared by re-check", Tone.GOOD
    SEIZED = "SEIZED", "Seized", Tone.SEVERE


#: What each screening status means, in a sentence for the parcel page.
SCREENING_STATUS_HELP = {
    ScreeningStatus.CLEAR: "X-ray found nothing.",
    ScreeningStatus.CLEARED: "X-ray was suspect; the open-box re-check cleared it.",
    ScreeningStatus.PENDING: "Not screened yet: it may not be dispatched.",
    ScreeningStatus.SUSPECT: "X-ray was suspect or found a prohibited item: on hold until the open-box re-check.",
    ScreeningStatus.SEIZED: "The open-box re-check found a prohibited item: seized.",
}


class ScreeningResult(LabelledEnum):
    """The result of one X-ray pass [R12]."""

    CLEAR = "CLEAR", "Clear", Tone.GOOD
    SUSPECT = "SUSPECT", "Suspect", Tone.WARN
    PROHIBITED = "PROHIBITED", "Prohibited item", Tone.BAD


class ResolutionResult(LabelledEnum):
    """The outcome of an open-box re-check of a suspect screening [R13]."""

    CLEARED = "CLEARED", "Cleared", Tone.GOOD
    SEIZED = "SEIZED", "Seized", Tone.SEVERE


class BlacklistSubject(StrEnum):
    SENDER = "SENDER"
    STAFF = "STAFF"


class AlertSeverity(LabelledEnum):
    INFO = "INFO", "Info", Tone.INFO
    WARNING = "WARNING", "Warning", Tone.WARN
    HIGH = "HIGH", "High", Tone.BAD
    CRITICAL = "CRITICAL", "Critical", Tone.SEVERE


class AlertKind(LabelledEnum):
    """What an alert is about. ``severity`` is the default severity of an alert of this kind."""

    severity: AlertSeverity

    def __new__(cls, value: str, label: str, severity: AlertSeverity):
        member = _labelled_member(cls, value, label, severity.tone)
        member.severity = severity
        return member

    PROHIBITED_ITEM_AT_ACCEPTANCE = ("prohibited_item_at_acceptance", "Prohibited item at acceptance",
                                     AlertSeverity.HIGH)
    BLACKLISTED_SENDER_ATTEMPT = "blacklisted_sender_attempt", "Blacklisted sender tried to send", AlertSeverity.HIGH
    BLACKLISTED_STAFF_ATTEMPT = "blacklisted_staff_attempt", "Blacklisted staff tried to act", AlertSeverity.HIGH
    INACTIVE_STAFF_ATTEMPT = ("inactive_staff_attempt", "Suspended or departed staff tried to act",
                              AlertSeverity.HIGH)
    OPERATOR_MISMATCH = "operator_mismatch", "Screening claimed in another operator's name", AlertSeverity.HIGH
    COURIER_NOT_IN_GOOD_STANDING = ("courier_not_in_good_standing", "Scan names a courier not in good standing",
                                    AlertSeverity.HIGH)
    SUSPECT_SCREENING = "suspect_screening", "Suspect X-ray screening", AlertSeverity.WARNING
    PROHIBITED_SCREENING = "prohibited_screening", "Prohibited item on X-ray", AlertSeverity.CRITICAL
    MOVEMENT_WHILE_ON_HOLD = "movement_while_on_hold", "Parcel moved while on hold", AlertSeverity.HIGH
    DISPATCH_WITHOUT_SCREENING = ("dispatch_without_screening", "Dispatched without a clear screening",
                                  AlertSeverity.HIGH)
    UNSCREENED_OVERDUE = "unscreened_overdue", "Not screened in time", AlertSeverity.WARNING
    EVENT_ID_CONFLICT = "event_id_conflict", "Conflicting scan (event id reused)", AlertSeverity.HIGH
    EVENT_BEFORE_ACCEPTANCE = "event_before_acceptance", "Scan before acceptance", AlertSeverity.WARNING
    CHAIN_INTEGRITY_FAILURE = "chain_integrity_failure", "Trace chain integrity failure", AlertSeverity.CRITICAL
    SEIZURE_REPORTED = "seizure_reported", "Seizure reported to the authorities", AlertSeverity.CRITICAL
    RISK_THRESHOLD = ("risk_threshold", "Risk source above its threshold (sender, outlet, staff or route)",
                      AlertSeverity.WARNING)
    LOG_MERGE_DELAY = ("log_merge_delay", "Transparency log integration behind its maximum merge delay",
                       AlertSeverity.CRITICAL)
    DEVICE_FLAG_BURST = ("device_flag_burst", "Burst of flagged scans from one device (its clock, its setup?)",
                         AlertSeverity.WARNING)


class AlertStatus(LabelledEnum):
    OPEN = "OPEN", "Open", Tone.BAD
    ACKNOWLEDGED = "ACKNOWLEDGED", "Acknowledged", Tone.WARN
    RESOLVED = "RESOLVED", "Resolved", Tone.GOOD


class EventFlag(LabelledEnum):
    """What looks wrong about a stored scan, and the alert it raises (scans are facts: stored anyway)."""

    alert: AlertKind

    def __new__(cls, value: str, label: str, alert: AlertKind):
        member = _labelled_member(cls, value, label, Tone.BAD)
        member.alert = alert
        return member

    BEFORE_ACCEPTANCE = "before_acceptance", "scanned before acceptance", AlertKind.EVENT_BEFORE_ACCEPTANCE
    MOVED_WHILE_ON_HOLD = "moved_while_on_hold", "moved while on hold", AlertKind.MOVEMENT_WHILE_ON_HOLD
    DISPATCH_WITHOUT_CLEAR_SCREENING = ("dispatch_without_clear_screening", "dispatched without a clear X-ray",
                                        AlertKind.DISPATCH_WITHOUT_SCREENING)
    COURIER_NOT_IN_GOOD_STANDING = ("courier_not_in_good_standing", "courier suspended, departed or blacklisted",
                                    AlertKind.COURIER_NOT_IN_GOOD_STANDING)


class CaptureStatus(LabelledEnum):
    """What became of one submitted scan."""

    ACCEPTED = "ACCEPTED", "Stored", Tone.GOOD
    DUPLICATE = "DUPLICATE", "Already stored (same content)", Tone.NEUTRAL
    CONFLICT = "CONFLICT", "Event id reused with other content", Tone.BAD
    REJECTED = "REJECTED", "Rejected", Tone.BAD


class Custody(StrEnum):
    """What a link does to courier custody (who holds the parcel)."""

    TAKES = "takes"  # the named courier holds it from now on
    ENDS = "ends"  # it is put somewhere else (a facility, a vehicle): nobody holds it
    DELIVERS = "delivers"  # the named (or current) courier hands it over and custody ends
    NONE = "none"  # no effect


class Leg(StrEnum):
    """What a link does to a vehicle leg (which vehicle carries the parcel)."""

    OPENS = "opens"
    DEPARTS = "departs"
    CLOSES = "closes"
    NONE = "none"


@dataclass(frozen=True)
class DetailField:
    """A key a link's ``detail`` may carry: one of ``values``, or (``values`` None) the code of a locker or station.
    Reason codes, never free text (``design.md``, "Checkpoint events")."""

    key: str
    values: tuple[str, ...] | None

    def accepts(self, value) -> bool:
        """One of ``values``, or (``values`` None) the shape of a locker or station code — never free text."""
        if not isinstance(value, str):
            return False
        if self.values is not None:
            return value in self.values
        return POINT_CODE.fullmatch(value) is not None


#: A locker or station code: 2–32 ASCII letters, digits, ``-`` or ``_`` (the shape of a facility code).
POINT_CODE = re.compile(r"[A-Za-z0-9_-]{2,32}")
REASONS_EXCEPTION = ("DAMAGED", "LOST", "MISROUTED", "WEATHER", "OTHER")
REASONS_DELIVERY_FAILED = ("NO_ONE_HOME", "REFUSED_BY_RECIPIENT", "WRONG_ADDRESS", "OTHER")
REASONS_RETURNED = ("REFUSED_BY_RECIPIENT", "UNDELIVERABLE", "SENDER_REQUEST", "OTHER")
RECEIVED_BY = ("RECIPIENT", "AGENT", "LOCKER", "STATION")


@dataclass(frozen=True)
class EventMeta:
    label: str
    system: bool = False  # recorded by a service (acceptance, screening, re-check), not posted by a scanner
    needs_facility: bool = False
    needs_vehicle: bool = False
    needs_courier: bool = False
    needs_reason: bool = False  # detail.reason
    movement: bool = False  # moves the parcel on: flagged while on hold [R13]
    dispatch: bool = False  # sends it on its way: needs a clear screening first [R11]
    status_after: ParcelStatus | None = None  # the parcel's status after the scan (None: unchanged)
    custody: Custody = Custody.NONE
    leg: Leg = Leg.NONE
    role: str = "scanned"  # what the named staff member did, in a reverse trace
    biz_step: str = "other"  # GS1 CBV 2.0 business step ("gs:…" for greenshield's own)
    disposition: str | None = None  # GS1 CBV 2.0 disposition after the event
    detail: tuple[DetailField, ...] = ()  # the coded facts of ``detail`` (shared with partners in EPCIS)
    # The scan's ``location`` is personal data (a last-mile scan happens at the recipient's door): stored
    # encrypted apart from the link, shown coarse unless revealed, committed to by a salted digest in the chain,
    # erased at retention.
    personal_location: bool = False
    also_biz_steps: tuple[str, ...] = ()  # other CBV steps partners' scanners use for it (EPCIS capture)


class EventType(StrEnum):
    """Every kind of link of a parcel's trace chain (``design.md``, event table)."""

    meta: EventMeta

    def __new__(cls, value: str, meta: EventMeta):
        member = str.__new__(cls, value)
        member._value_ = value
        member.meta = meta
        return member

    ACCEPTED = "ACCEPTED", EventMeta(
        "Accepted at the outlet", system=True, custody=Custody.TAKES, role="accepted", biz_step="accepting",
        disposition="active")
    INSPECTED = "INSPECTED", EventMeta(
        "Inspected at acceptance", system=True, role="inspected", biz_step="inspecting", disposition="in_progress",
        detail=(DetailField("result", tuple(InspectionResult)),))
    SCREENED = "SCREENED", EventMeta(
        "X-ray screened", system=True, role="screened", biz_step="inspecting", disposition="in_progress",
        detail=(DetailField("result", tuple(ScreeningResult)),))
    RECHECKED = "RECHECKED", EventMeta(
        "Open-box re-check", system=True, role="rechecked", biz_step="inspecting", disposition="in_progress",
        detail=(DetailField("result", tuple(ResolutionResult)),))
    ARRIVED = "ARRIVED", EventMeta(
        "Arrived", needs_facility=True, status_after=ParcelStatus.IN_TRANSIT, custody=Custody.ENDS,
        biz_step="arriving", disposition="in_progress", also_biz_steps=("receiving",))
    SORTED = "SORTED", EventMeta(
        "Sorted", needs_facility=True, movement=True, status_after=ParcelStatus.IN_TRANSIT, custody=Custody.ENDS,
        biz_step="gs:sorting", disposition="in_progress")
    LOADED = "LOADED", EventMeta(
        "Loaded onto vehicle", needs_vehicle=True, movement=True, dispatch=True, status_after=ParcelStatus.IN_TRANSIT,
        custody=Custody.ENDS, leg=Leg.OPENS, role="loaded", biz_step="loading", disposition="in_transit")
    DEPARTED = "DEPARTED", EventMeta(
        "Departed", needs_vehicle=True, movement=True, dispatch=True, status_after=ParcelStatus.IN_TRANSIT,
        leg=Leg.DEPARTS, role="carried", biz_step="departing", disposition="in_transit", also_biz_steps=("shipping",))
    UNLOADED = "UNLOADED", EventMeta(
        "Unloaded from vehicle", needs_vehicle=True, movement=True, status_after=ParcelStatus.IN_TRANSIT,
        custody=Custody.ENDS, leg=Leg.CLOSES, role="unloaded", biz_step="unloading", disposition="in_progress")
    HANDOVER = "HANDOVER", EventMeta(
        "Handed to courier", needs_courier=True, movement=True, status_after=ParcelStatus.IN_TRANSIT,
        custody=Custody.TAKES, role="carried", biz_step="gs:handover", disposition="in_transit")
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY", EventMeta(
        "Out for delivery", needs_courier=True, movement=True, status_after=ParcelStatus.OUT_FOR_DELIVERY,
        custody=Custody.TAKES, role="carried", biz_step="departing", disposition="in_transit",
        personal_location=True)
    DELIVERED = "DELIVERED", EventMeta(
        "Delivered", needs_courier=True, movement=True, status_after=ParcelStatus.DELIVERED,
        custody=Custody.DELIVERS, role="delivered", biz_step="gs:delivered", disposition="gs:delivered",
        detail=(DetailField("received_by", RECEIVED_BY), DetailField("point", None)), personal_location=True)
    DELIVERY_FAILED = "DELIVERY_FAILED", EventMeta(
        "Delivery attempt failed", needs_courier=True, status_after=ParcelStatus.IN_TRANSIT, custody=Custody.TAKES,
        role="carried", biz_step="holding", disposition="in_progress",
        detail=(DetailField("reason", REASONS_DELIVERY_FAILED),), personal_location=True)
    EXCEPTION = "EXCEPTION", EventMeta(
        "Exception", needs_reason=True, status_after=ParcelStatus.EXCEPTION, role="reported", biz_step="holding",
        disposition="unknown", detail=(DetailField("reason", REASONS_EXCEPTION),))
    RETURNED = "RETURNED", EventMeta(
        "Returned to sender", status_after=ParcelStatus.RETURNED, custody=Custody.ENDS, role="returned",
        biz_step="gs:returned", disposition="returned", detail=(DetailField("reason", REASONS_RETURNED),))

    @property
    def label(self) -> str:
        return self.meta.label

    @classmethod
    def scans(cls) -> tuple[EventType, ...]:
        """The types a scanner posts (the others are written by the services)."""
        return tuple(t for t in cls if not t.meta.system)

    @classmethod
    def system_types(cls) -> tuple[EventType, ...]:
        return tuple(t for t in cls if t.meta.system)


def choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]
