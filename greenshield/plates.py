"""Chinese vehicle plates (GA 36): province character, issuing-authority letter, then 5 characters
(6 for new-energy plates); I and O are never used."""
from __future__ import annotations

import re
import unicodedata

PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
#: The GB/T 2260 province code of each plate's first character (where the vehicle is registered).
PLATE_PROVINCES = {
    "京": "110000", "津": "120000", "冀": "130000", "晋": "140000", "蒙": "150000", "辽": "210000", "吉": "220000",
    "黑": "230000", "沪": "310000", "苏": "320000", "浙": "330000", "皖": "340000", "闽": "350000", "赣": "360000",
    "鲁": "370000", "豫": "410000", "鄂": "420000", "湘": "430000", "粤": "440000", "桂": "450000", "琼": "460000",
    "渝": "500000", "川": "510000", "贵": "520000", "云": "530000", "藏": "540000", "陕": "610000", "甘": "620000",
    "青": "630000", "宁": "640000", "新": "650000",
}
_LETTER = "A-HJ-NP-Z"
PLATE_RE = re.compile(
    rf"^[{PROVINCE_CHARS}][{_LETTER}](?:[{_LETTER}0-9]{{4}}[{_LETTER}0-9挂学警港澳]|[DF][{_LETTER}0-9]{{5}}|[{_LETTER}0-9]{{5}}[DF])$"
)


class InvalidPlate(ValueError):
    code = "invalid_plate"
    detail = "Not a valid Chinese vehicle plate (e.g. 沪A12345)."


def normalize_plate(raw: str) -> str:
    """Upper-case, half-width, no spaces or separators; raises ``InvalidPlate``."""
    plate = unicodedata.normalize("NFKC", raw or "").upper()
    plate = re.sub(r"[\s·\.\-]", "", plate)
    if not PLATE_RE.match(plate):
        raise InvalidPlate(InvalidPlate.detail)
    return plate
