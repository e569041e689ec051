"""Masked display of personal data — the default everywhere (API, admin, logs, errors)."""
from __future__ import annotations

MASK = "*"


def mask_name(name: str | None) -> str:
    """First character, then one ``*`` for each other character: 张三丰 → 张**."""
    if not name:
        return ""
    name = name.strip()
    return name[0] + MASK * (len(name) - 1)


def mask_phone(phone: str | None) -> str:
    """Mobile 13800138000 → 138****8000 (first 3, last 4); +86 is dropped; short numbers keep only the last 2."""
    if not phone:
        return ""
    digits = phone.strip()
    if digits.startswith("+86"):
        digits = digits[3:]
    digits = digits.replace(" ", "").replace("-", "")
    if len(digits) >= 8:
        return digits[:3] + MASK * (len(digits) - 7) + digits[-4:]
    return MASK * max(len(digits) - 2, 0) + digits[-2:]


#: However short the document, at least this many of its characters stay hidden: a 10-digit permit shown as
#: "first 3 + last 4" would hide 3 digits — 1,000 candidates — while 6 hidden digits leave 10**6.
MIN_HIDDEN = 6
#: Long numbers (resident IDs) show the first 3 and the last 4 characters: 11010519491231002X → 110***********002X.
LONG_PREFIX, TAIL = 3, 4


def mask_id_number(number: str | None) -> str:
    """Long numbers keep the first 3 and last 4 characters (110***********002X) when that still hides at least
    ``MIN_HIDDEN``; shorter documents show at most the last 4 and always hide ``MIN_HIDDEN`` or more:
    a 10-digit permit 1234567890 → ******7890, H1234567 → ******67, a 6-character number → ******."""
    if not number:
        return ""
    number = number.strip()
    if len(number) - LONG_PREFIX - TAIL >= MIN_HIDDEN:
        return number[:LONG_PREFIX] + MASK * (len(number) - LONG_PREFIX - TAIL) + number[-TAIL:]
    shown = min(TAIL, max(len(number) - MIN_HIDDEN, 0))
    return MASK * (len(number) - shown) + (number[-shown:] if shown else "")


def mask_address(address: str | None) -> str:
    """Keep the first 6 characters (province/city), mask the rest: 上海市浦东新区世纪大道1号 → 上海市浦东新*******."""
    if not address:
        return ""
    address = address.strip()
    keep = min(6, max(len(address) // 2, 1))
    return address[:keep] + MASK * (len(address) - keep)


COARSE_DECIMALS = 2  # ~1 km: the district of a delivery, not the door


def coarse_location(location: dict | None) -> dict | None:
    """A last-mile scan's location as shown unless revealed: latitude and longitude rounded to ~1 km."""
    if not location:
        return None
    return {"lat": round(float(location["lat"]), COARSE_DECIMALS), "lon": round(float(location["lon"]), COARSE_DECIMALS)}
