"""Chinese vehicle plates (GA 36): province character, issuing-authority letter, then 5 characters
(6 for new-energy plates); I and O are never used."""
from __future__ import annotations

import re
import unicodedata

PROVINCE_CHARS = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
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
