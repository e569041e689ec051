"""Domain enums. Upper-case strings that appear in the API exactly as here."""
from enum import StrEnum


class Role(StrEnum):
    OUTLET_STAFF = "outlet_staff"
    SCREENER = "screener"
    SUPERVISOR = "supervisor"
    REGULATOR = "regulator"


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


class StaffStatus(StrEnum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    LEFT = "LEFT"


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


class InspectionResult(StrEnum):
    PASS = "PASS"  # noqa: S105 - an inspection result, not a password
    PROHIBITED_FOUND = "PROHIBITED_FOUND"
    UNCONFIRMABLE = "UNCONFIRMABLE"
    REFUSED_BY_SENDER = "REFUSED_BY_SENDER"


class Outcome(StrEnum):
    ACCEPTED = "ACCEPTED"
    REFUSED = "REFUSED"


class RefusalReason(StrEnum):
    PROHIBITED_ITEM = "prohibited_item"
    SENDER_BLACKLISTED = "sender_blacklisted"
    INSPECTION_REFUSED = "inspection_refused"
    IDENTITY_MISMATCH = "identity_mismatch"
    UNCONFIRMABLE_ITEM = "unconfirmable_item"


class ParcelStatus(StrEnum):
    ACCEPTED = "ACCEPTED"
    IN_TRANSIT = "IN_TRANSIT"
    ON_HOLD = "ON_HOLD"
    OUT_FOR_DELIVERY = "OUT_FOR_DELIVERY"
    DELIVERED = "DELIVERED"
    RETURNED = "RETURNED"
    SEIZED = "SEIZED"
    EXCEPTION = "EXCEPTION"


class ScreeningStatus(StrEnum):
    PENDING = "PENDING"
    CLEAR = "CLEAR"
    SUSPECT = "SUSPECT"
    CLEARED = "CLEARED"
    SEIZED = "SEIZED"


class BlacklistSubject(StrEnum):
    SENDER = "SENDER"
    STAFF = "STAFF"


class AlertKind(StrEnum):
    PROHIBITED_ITEM_AT_ACCEPTANCE = "prohibited_item_at_acceptance"
    BLACKLISTED_SENDER_ATTEMPT = "blacklisted_sender_attempt"
    BLACKLISTED_STAFF_ATTEMPT = "blacklisted_staff_attempt"
    SUSPECT_SCREENING = "suspect_screening"
    PROHIBITED_SCREENING = "prohibited_screening"
    MOVEMENT_WHILE_ON_HOLD = "movement_while_on_hold"
    DISPATCH_WITHOUT_SCREENING = "dispatch_without_screening"
    UNSCREENED_OVERDUE = "unscreened_overdue"
    EVENT_ID_CONFLICT = "event_id_conflict"
    EVENT_BEFORE_ACCEPTANCE = "event_before_acceptance"
    CHAIN_INTEGRITY_FAILURE = "chain_integrity_failure"
    SEIZURE_REPORTED = "seizure_reported"


class AlertSeverity(StrEnum):
    INFO = "INFO"
    WARNING = "WARNING"
    HIGH = "HIGH"
    CRITICAL = "CRITICAL"


class AlertStatus(StrEnum):
    OPEN = "OPEN"
    ACKNOWLEDGED = "ACKNOWLEDGED"
    RESOLVED = "RESOLVED"


def choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value) for member in enum]
