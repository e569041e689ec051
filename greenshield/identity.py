"""Identity-document, phone and USCC validation for real-name sending ([R2]-[R4]).

Framework-free: no Django import. Every function either returns a canonical form (the value that is
encrypted and blind-indexed) or raises an :class:`IdentityError` whose ``detail`` is a fixed sentence that
never contains the submitted value, so error responses and logs cannot leak personal data.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable

import phonenumbers
from stdnum.cn import uscc as _uscc
from stdnum.exceptions import ValidationError as _StdnumError

from .enums import LabelledEnum

__all__ = [
    "IdType",
    "IdentityError",
    "InvalidIdNumber",
    "InvalidPhone",
    "InvalidUSCC",
    "identity_index_value",
    "make_resident_id",
    "normalize_id_number",
    "normalize_phone",
    "normalize_uscc",
    "phone_national_digits",
    "resident_id_birth_date",
    "resident_id_check_digit",
]


class IdType(LabelledEnum):
    RESIDENT_ID = "RESIDENT_ID", "Resident identity card (居民身份证)"
    PASSPORT = "PASSPORT", "Passport"
    HK_MACAO_PERMIT = "HK_MACAO_PERMIT", "Mainland travel permit, Hong Kong / Macao residents"
    TAIWAN_PERMIT = "TAIWAN_PERMIT", "Mainland travel permit, Taiwan residents"
    RESIDENCE_PERMIT = "RESIDENCE_PERMIT", "Residence permit, Hong Kong / Macao / Taiwan residents"
    FOREIGNER_PR = "FOREIGNER_PR", "Foreign permanent resident ID card"
    MILITARY_ID = "MILITARY_ID", "Military ID"
    OTHER = "OTHER", "Other document"


class IdentityError(ValueError):
    """Carries a stable API `code` and a human `detail` that NEVER contains the submitted value."""

    code: str = "invalid"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidIdNumber(IdentityError):
    code = "invalid_id_number"


class InvalidPhone(IdentityError):
    code = "invalid_phone"


class InvalidUSCC(IdentityError):
    code = "invalid_uscc"


# --- shared helpers -------------------------------------------------------------------------------------

# Full-width ASCII (U+FF01..U+FF5E) -> half-width, ideographic space -> space. Deliberately narrower than
# NFKC, which would also turn circled or superscript digits into digits.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_MAX_INPUT = 64  # generous for every document type; refuses huge inputs before any regex work

_CST = datetime.timezone(datetime.timedelta(hours=8))  # birth dates are judged by the China calendar day
_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]  # 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2
_PROVINCES = frozenset(
    [*range(11, 16), *range(21, 24), *range(31, 38), *range(41, 47), *range(50, 55), *range(61, 66),
     71, 81, 82, 83, 91]
)

# Patterns use explicit [0-9] (not \d, which matches any Unicode digit) and are applied with fullmatch.
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_OLD_FOREIGNER_PR = re.compile(r"[A-Z]{3}[0-9]{12}")
_HK_MACAO = re.compile(r"[HM](?:[0-9]{8}|[0-9]{10})")
_TAIWAN = re.compile(r"[0-9]{8}|[0-9]{10}")
_PASSPORT = re.compile(r"[A-Z0-9]{5,17}")
_MILITARY = re.compile(r"[0-9A-Z\u3400-\u4dbf\u4e00-\u9fff]{6,20}")
_PHONE_CHARS = re.compile(r"\+?[0-9 ()\-.]{1,30}")


def _canonical(raw: str) -> str:
    """Full-width -> half-width, drop all whitespace, upper-case."""
    return "".join(raw.translate(_HALF_WIDTH).split()).upper()


def _check_id18(number: str, label: str, *, province: bool = False) -> datetime.date:
    """Shared GB 11643 structure check: 17 digits + MOD 11-2 check digit, real birth date at [6:14].

    The region code is deliberately NOT checked against the code table of the birth year ([R4]).
    """
    if not _ID18.fullmatch(number):
        raise InvalidIdNumber(f"{label} must be 17 digits followed by a check digit (0-9 or X).")
    if province and int(number[:2]) not in _PROVINCES:
        raise InvalidIdNumber(f"{label} does not start with a valid province code.")
    born = _birth_date(number, label)
    if resident_id_check_digit(number[:17]) != number[17]:
        raise InvalidIdNumber(f"{label} check digit does not match.")
    return born


def _birth_date(number: str, label: str) -> datetime.date:
    y, m, d = int(number[6:10]), int(number[10:12]), int(number[12:14])
    try:
        born = datetime.date(y, m, d)
    except ValueError:
        raise InvalidIdNumber(f"{label} birth date is not a real date.") from None
    if y < 1900:
        raise InvalidIdNumber(f"{label} birth date is before 1900.")
    if born > datetime.datetime.now(_CST).date():
        raise InvalidIdNumber(f"{label} birth date is in the future.")
    return born


# --- identity documents ---------------------------------------------------------------------------------


def _resident_id(n: str) -> None:
    _check_id18(n, "Resident ID", province=True)


def _residence_permit(n: str) -> None:
    if not n.startswith(("810000", "820000", "830000")):
        raise InvalidIdNumber("Residence permit must start with the Hong Kong, Macao or Taiwan prefix.")
    _check_id18(n, "Residence permit")


def _foreigner_pr(n: str) -> None:
    if _OLD_FOREIGNER_PR.fullmatch(n):
        return
    if len(n) == 18 and n.startswith("9"):
        _check_id18(n, "Foreign permanent residence card")
        return
    raise InvalidIdNumber(
        "Foreign permanent residence card must be 18 characters starting with 9, "
        "or 3 letters followed by 12 digits."
    )


def _pattern(regex: re.Pattern[str], detail: str) -> Callable[[str], None]:
    def check(n: str) -> None:
        if not regex.fullmatch(n):
            raise InvalidIdNumber(detail)

    return check


def _other(n: str) -> None:
    if not (4 <= len(n) <= 32 and n.isprintable()):
        raise InvalidIdNumber("Document number must be 4 to 32 printable characters without spaces.")


_VALIDATORS = {
    IdType.RESIDENT_ID: _resident_id,
    IdType.RESIDENCE_PERMIT: _residence_permit,
    IdType.FOREIGNER_PR: _foreigner_pr,
    IdType.HK_MACAO_PERMIT: _pattern(
        _HK_MACAO, "Hong Kong/Macao permit must be H or M followed by 8 or 10 digits."
    ),
    IdType.TAIWAN_PERMIT: _pattern(_TAIWAN, "Taiwan permit must be 8 or 10 digits."),
    IdType.PASSPORT: _pattern(_PASSPORT, "Passport number must be 5 to 17 letters or digits."),
    IdType.MILITARY_ID: _pattern(
        _MILITARY, "Military ID must be 6 to 20 Chinese characters, letters or digits."
    ),
    IdType.OTHER: _other,
}


def _id_type(id_type: str | IdType) -> IdType:
    try:
        return IdType(id_type)
    except ValueError:
        raise InvalidIdNumber("Unknown identity document type.") from None


def normalize_id_number(id_type: str | IdType, raw: str) -> str:
    """Validate a document number for its type and return the one canonical form, so the same document
    typed with spaces, full-width characters or a lower-case x always encrypts and indexes identically."""
    validate = _VALIDATORS[_id_type(id_type)]
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidIdNumber("Document number is required.")
    if len(raw) > _MAX_INPUT:
        raise InvalidIdNumber("Document number is too long.")
    number = _canonical(raw)
    validate(number)
    return number


def identity_index_value(id_type: str | IdType, raw: str) -> str:
    """The exact string a blind index is computed over: the type is included so equal numbers of
    different document types never collide."""
    kind = _id_type(id_type)
    return f"{kind.value}:{normalize_id_number(kind, raw)}"


def resident_id_birth_date(number: str) -> datetime.date:
    """Birth date encoded in an 18-character resident ID, residence permit or new-style foreigner card
    (used for age rules and display); raises InvalidIdNumber if the number is not well formed."""
    if not isinstance(number, str) or not number.strip():
        raise InvalidIdNumber("Document number is required.")
    if len(number) > _MAX_INPUT:
        raise InvalidIdNumber("Document number is too long.")
    return _check_id18(_canonical(number), "Document number")


def resident_id_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2 check digit of GB 11643 numbers ('0'-'9' or 'X'), for validation, tests and
    synthetic demo data."""
    if not (isinstance(first17, str) and len(first17) == 17 and first17.isascii() and first17.isdigit()):
        raise ValueError("expected exactly 17 ASCII digits")
    value = (12 - sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=False)) % 11) % 11
    return "X" if value == 10 else str(value)


def make_resident_id(region: str, birth: datetime.date, seq: int) -> str:
    """Build a synthetic, structurally valid 18-character number (region + yyyymmdd + 3-digit sequence +
    check digit) for fixtures, tests and demo data — never use real people's numbers."""
    if not (len(region) == 6 and region.isascii() and region.isdigit()):
        raise ValueError("region must be 6 ASCII digits")
    if not 0 <= seq <= 999:
        raise ValueError("seq must be between 0 and 999")
    first17 = f"{region}{birth:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_digit(first17)


# --- phones and organisations ---------------------------------------------------------------------------


def normalize_phone(raw: str, region: str = "CN") -> str:
    """Validate a phone number (mobile or landline, domestic or +country) and return it in E.164, the
    single form that is encrypted, blind-indexed and compared."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidPhone("Phone number is required.")
    text = raw.translate(_HALF_WIDTH).strip()
    # Letters are refused outright: phonenumbers would read them as vanity keypad digits or an extension.
    if not _PHONE_CHARS.fullmatch(text):
        raise InvalidPhone("Phone number may contain only digits, spaces and the characters + - ( ) .")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("Phone number is not a valid number.") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone("Phone number is not a valid number.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def phone_national_digits(e164: str) -> str:
    """Digits as dialled inside the number's own country ('+8613800138000' -> '13800138000',
    '+861012345678' -> '01012345678'), for masking and display."""
    if not isinstance(e164, str):
        raise InvalidPhone("Phone number is not in E.164 form.")
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        raise InvalidPhone("Phone number is not in E.164 form.") from None
    national = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return "".join(c for c in national if c.isascii() and c.isdigit())


def normalize_uscc(raw: str) -> str:
    """Validate an organisation sender's unified social credit code ([R2]) with stdnum and return its
    canonical 18-character upper-case form."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidUSCC("Unified social credit code is required.")
    invalid = "Unified social credit code is not valid (18 characters with a matching check character)."
    if len(raw) > _MAX_INPUT:
        raise InvalidUSCC(invalid)
    try:
        return _uscc.validate(_canonical(raw))
    except _StdnumError:
        raise InvalidUSCC(invalid) from None
