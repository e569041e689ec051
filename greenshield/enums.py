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
