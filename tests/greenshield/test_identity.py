"""Tests for greenshield.identity. Every identity number here is synthetic."""

import datetime
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import ric as stdnum_ric
from stdnum.cn import uscc as stdnum_uscc
from stdnum.exceptions import ValidationError as StdnumValidationError

from greenshield.identity import (
    IdentityError,
    IdType,
    InvalidIdNumber,
    InvalidPhone,
    InvalidUSCC,
    identity_index_value,
    make_resident_id,
    normalize_id_number,
    normalize_phone,
    normalize_uscc,
    phone_national_digits,
    resident_id_birth_date,
    resident_id_check_digit,
)

FW = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
TODAY = datetime.date.today()
PUDONG_1970 = "310115197001010011"  # Pudong (310115, created 1993), born 1970: valid, must be accepted [R4]


def with_check(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


def wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


def rejected(id_type, raw) -> InvalidIdNumber:
    with pytest.raises(InvalidIdNumber) as info:
        normalize_id_number(id_type, raw)
    assert_no_leak(info.value, raw)
    return info.value


def assert_no_leak(exc: IdentityError, raw) -> None:
    """The error must not carry the submitted value anywhere: detail, str, repr, args."""
    assert exc.code in {"invalid_id_number", "invalid_phone", "invalid_uscc"}
    assert exc.detail and str(exc) == exc.detail
    if not isinstance(raw, str) or len(raw.strip()) < 4:
        return
    variants = {raw, raw.strip(), "".join(raw.split()), "".join(raw.split()).upper()}
    for text in (exc.detail, str(exc), repr(exc), repr(exc.args)):
        for v in variants:
            assert v not in text
        assert not re.search(r"[0-9０-９]{5,}", text), text  # no fragment of a number either


# --- API surface -----------------------------------------------------------------------------------------


def test_id_type_values_equal_names():
    assert [t.value for t in IdType] == [t.name for t in IdType]
    assert set(IdType) == {
        "RESIDENT_ID", "PASSPORT", "HK_MACAO_PERMIT", "TAIWAN_PERMIT",
        "RESIDENCE_PERMIT", "FOREIGNER_PR", "MILITARY_ID", "OTHER",
    }


def test_error_codes_are_stable():
    assert InvalidIdNumber.code == "invalid_id_number"
    assert InvalidPhone.code == "invalid_phone"
    assert InvalidUSCC.code == "invalid_uscc"
    assert issubclass(InvalidIdNumber, IdentityError) and issubclass(IdentityError, ValueError)


def test_unknown_id_type_is_rejected_with_its_own_detail():
    unknown = rejected("DRIVING_LICENCE", PUDONG_1970)
    wrong = rejected(IdType.RESIDENT_ID, wrong_check(PUDONG_1970))
    assert unknown.detail != wrong.detail
    assert "type" in unknown.detail.lower()
    rejected("resident_id", PUDONG_1970)  # values are exact


def test_identity_index_value():
    assert identity_index_value("RESIDENT_ID", " 310115 19700101 0011 ") == f"RESIDENT_ID:{PUDONG_1970}"
    assert identity_index_value(IdType.PASSPORT, "e12345678") == "PASSPORT:E12345678"
    # same digits, different document types -> different index values
    assert identity_index_value("TAIWAN_PERMIT", "12345678") != identity_index_value("PASSPORT", "12345678")
    with pytest.raises(InvalidIdNumber):
        identity_index_value("RESIDENT_ID", wrong_check(PUDONG_1970))


@pytest.mark.parametrize("raw", ["", "   ", None, 110105194912310021, "1" * 65])
def test_missing_non_string_or_oversized_numbers_are_rejected(raw):
    rejected(IdType.PASSPORT, raw)


# --- check digit -----------------------------------------------------------------------------------------


def test_check_digit_known_values():
    assert resident_id_check_digit("31011519700101001") == "1"
    assert resident_id_check_digit("11010519491231002") == "X"  # design.md sample number
    assert resident_id_check_digit("11010119900307001") == "1"
    assert resident_id_check_digit("00000000000000000") == "1"


@pytest.mark.parametrize(
    "bad", ["1101051949123100", "110105194912310021", "1101051949123100X", "１１０１０５１９４９１２３１００２"]
)
def test_check_digit_requires_17_ascii_digits(bad):
    with pytest.raises(ValueError):
        resident_id_check_digit(bad)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_check_digit_agrees_with_stdnum(first17):
    assert resident_id_check_digit(first17) == stdnum_ric.calc_check_digit(first17 + "0")


def test_make_resident_id_rejects_bad_arguments():
    with pytest.raises(ValueError):
        make_resident_id("31011", datetime.date(1970, 1, 1), 1)
    with pytest.raises(ValueError):
        make_resident_id("310115", datetime.date(1970, 1, 1), 1000)


# --- RESIDENT_ID -----------------------------------------------------------------------------------------


def test_pudong_born_before_district_existed_is_accepted():
    assert make_resident_id("310115", datetime.date(1970, 1, 1), 1) == PUDONG_1970
    with pytest.raises(StdnumValidationError):  # stdnum 2.2 rejects it; we must not
        stdnum_ric.validate(PUDONG_1970)
    assert normalize_id_number(IdType.RESIDENT_ID, PUDONG_1970) == PUDONG_1970
    assert resident_id_birth_date(PUDONG_1970) == datetime.date(1970, 1, 1)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", "11010519491231002X"),  # lower-case x
        ("11010519491231002X", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width digits and X
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        (" 110105 19491231 002X\n", "11010519491231002X"),  # spaces
        ("110105\u300019491231\u3000002x", "11010519491231002X"),  # ideographic spaces
        (with_check("11010520000229001"), with_check("11010520000229001")),  # leap day
        (with_check("65010119000101001"), with_check("65010119000101001")),  # 1900 is the first year
        (with_check("81000019800101001"), with_check("81000019800101001")),  # HK prefix accepted
        (with_check("91000019800101001"), with_check("91000019800101001")),
    ],
)
def test_resident_id_valid(raw, expected):
    assert normalize_id_number("RESIDENT_ID", raw) == expected


def test_resident_id_birth_date_today_is_accepted():
    n = make_resident_id("110105", TODAY - datetime.timedelta(days=1), 7)
    assert normalize_id_number(IdType.RESIDENT_ID, n) == n


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (wrong_check(PUDONG_1970), "check digit"),
        (wrong_check("11010519491231002X"), "check digit"),
        ("11010519491231002Y", "17 digits"),
        ("X10105194912310021", "17 digits"),
        ("110105491231002", "17 digits"),  # legacy 15-digit numbers are not accepted
        (PUDONG_1970[:17], "17 digits"),
        (PUDONG_1970 + "1", "17 digits"),
        ("1101051949-1231002X", "17 digits"),
        ("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "17 digits"),  # Arabic-Indic digits are not ASCII digits
        (with_check("11010519700230001"), "not a real date"),  # Feb 30
        (with_check("11010520010229001"), "not a real date"),  # not a leap year
        (with_check("11010519701301001"), "not a real date"),
        (with_check("11010518991231001"), "before 1900"),
        (make_resident_id("110105", TODAY + datetime.timedelta(days=400), 1), "future"),
        (make_resident_id("000000", datetime.date(1980, 1, 1), 1), "province"),
        (make_resident_id("160101", datetime.date(1980, 1, 1), 1), "province"),
        (make_resident_id("990101", datetime.date(1980, 1, 1), 1), "province"),
    ],
)
def test_resident_id_invalid(raw, fragment):
    assert fragment in rejected(IdType.RESIDENT_ID, raw).detail


def test_resident_id_birth_date_validates():
    assert resident_id_birth_date("11010519491231002x") == datetime.date(1949, 12, 31)
    for bad in (wrong_check(PUDONG_1970), with_check("11010519700230001"), "E12345678"):
        with pytest.raises(InvalidIdNumber) as info:
            resident_id_birth_date(bad)
        assert_no_leak(info.value, bad)


# --- RESIDENCE_PERMIT ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["810000", "820000", "830000"])
def test_residence_permit_valid_prefixes(prefix):
    n = make_resident_id(prefix, datetime.date(1985, 6, 15), 123)
    assert normalize_id_number(IdType.RESIDENCE_PERMIT, n) == n
    assert normalize_id_number(IdType.RESIDENCE_PERMIT, n.translate(FW)) == n
    assert resident_id_birth_date(n) == datetime.date(1985, 6, 15)


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (make_resident_id("810001", datetime.date(1985, 6, 15), 1), "prefix"),
        (make_resident_id("310115", datetime.date(1985, 6, 15), 1), "prefix"),
        (make_resident_id("840000", datetime.date(1985, 6, 15), 1), "prefix"),
        (wrong_check(make_resident_id("820000", datetime.date(1985, 6, 15), 1)), "check digit"),
        (with_check("83000019850230001"), "not a real date"),
        (make_resident_id("830000", TODAY + datetime.timedelta(days=400), 1), "future"),
        ("8100001985061512", "17 digits"),
    ],
)
def test_residence_permit_invalid(raw, fragment):
    assert fragment in rejected(IdType.RESIDENCE_PERMIT, raw).detail


# --- FOREIGNER_PR ----------------------------------------------------------------------------------------


def test_foreigner_pr_new_style():
    n = make_resident_id("931156", datetime.date(1990, 5, 17), 12)
    assert n.startswith("9") and len(n) == 18
    assert normalize_id_number(IdType.FOREIGNER_PR, n) == n
    assert normalize_id_number(IdType.FOREIGNER_PR, n.lower().translate(FW)) == n
    assert resident_id_birth_date(n) == datetime.date(1990, 5, 17)


@pytest.mark.parametrize("raw", ["USA310075051519", "usa 3100 7505 1519", "ＧＢＲ３１００７５０５１５１９"])
def test_foreigner_pr_old_style(raw):
    assert re.fullmatch(r"[A-Z]{3}[0-9]{12}", normalize_id_number(IdType.FOREIGNER_PR, raw))


@pytest.mark.parametrize(
    ("raw", "fragment"),
    [
        (wrong_check(make_resident_id("931156", datetime.date(1990, 5, 17), 12)), "check digit"),
        (with_check("93115619900230012"), "not a real date"),
        (make_resident_id("931156", TODAY + datetime.timedelta(days=400), 1), "future"),
        (make_resident_id("131156", datetime.date(1990, 5, 17), 12), "starting with 9"),  # not a 9
        ("US3100750515190", "starting with 9"),  # 2 letters
        ("USA31007505151", "starting with 9"),  # 11 digits
        ("USA3100750515190", "starting with 9"),  # 13 digits
        ("U1A310075051519", "starting with 9"),
        ("93115619900517012", "starting with 9"),  # 17 chars
    ],
)
def test_foreigner_pr_invalid(raw, fragment):
    assert fragment in rejected(IdType.FOREIGNER_PR, raw).detail


# --- permits, passport, military, other ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("id_type", "raw", "expected"),
    [
        (IdType.HK_MACAO_PERMIT, "H12345678", "H12345678"),
        (IdType.HK_MACAO_PERMIT, "m1234567890", "M1234567890"),
        (IdType.HK_MACAO_PERMIT, "Ｈ１２３４５６７８", "H12345678"),
        (IdType.TAIWAN_PERMIT, "12345678", "12345678"),
        (IdType.TAIWAN_PERMIT, "１２３４５６７８９０", "1234567890"),
        (IdType.PASSPORT, "E12345678", "E12345678"),
        (IdType.PASSPORT, "ea1234567", "EA1234567"),
        (IdType.PASSPORT, " G 1234 5678 ", "G12345678"),
        (IdType.PASSPORT, "Ａ１２３４", "A1234"),
        (IdType.PASSPORT, "X" * 17, "X" * 17),
        (IdType.MILITARY_ID, "军字第12345678号", "军字第12345678号"),
        (IdType.MILITARY_ID, "军字第 １２３４５６７８ 号", "军字第12345678号"),
        (IdType.MILITARY_ID, "武字第abc123号", "武字第ABC123号"),
        (IdType.MILITARY_ID, "123456", "123456"),
        (IdType.OTHER, "temp-12/ab", "TEMP-12/AB"),
        (IdType.OTHER, "临时身份证 No.1", "临时身份证NO.1"),
        (IdType.OTHER, "ABCD", "ABCD"),
        (IdType.OTHER, "A" * 32, "A" * 32),
    ],
)
def test_other_types_valid(id_type, raw, expected):
    assert normalize_id_number(id_type, raw) == expected


@pytest.mark.parametrize(
    ("id_type", "raw"),
    [
        (IdType.HK_MACAO_PERMIT, "C12345678"),
        (IdType.HK_MACAO_PERMIT, "H1234567"),
        (IdType.HK_MACAO_PERMIT, "H123456789"),  # 9 digits
        (IdType.HK_MACAO_PERMIT, "H12345678901"),
        (IdType.HK_MACAO_PERMIT, "12345678"),
        (IdType.TAIWAN_PERMIT, "1234567"),
        (IdType.TAIWAN_PERMIT, "123456789"),
        (IdType.TAIWAN_PERMIT, "T12345678"),
        (IdType.TAIWAN_PERMIT, "12345678901"),
        (IdType.PASSPORT, "E123"),
        (IdType.PASSPORT, "X" * 18),
        (IdType.PASSPORT, "E1234-5678"),
        (IdType.PASSPORT, "Ä12345678"),
        (IdType.MILITARY_ID, "军字12"),  # 5 chars
        (IdType.MILITARY_ID, "军" * 21),
        (IdType.MILITARY_ID, "军字第1234-5678号"),
        (IdType.MILITARY_ID, "军字第12345678號!"),
        (IdType.OTHER, "ABC"),
        (IdType.OTHER, "A" * 33),
        (IdType.OTHER, "AB\x00CD"),
        (IdType.OTHER, "AB\u200bCD"),  # zero-width space is not printable
    ],
)
def test_other_types_invalid(id_type, raw):
    rejected(id_type, raw)


# --- property tests --------------------------------------------------------------------------------------

PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91]
regions = st.builds(lambda p, rest: f"{p}{rest:04d}", st.sampled_from(PROVINCES), st.integers(0, 9999))
births = st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY - datetime.timedelta(days=1))
seqs = st.integers(0, 999)


@given(regions, births, seqs)
def test_make_resident_id_round_trips(region, birth, seq):
    n = make_resident_id(region, birth, seq)
    assert len(n) == 18 and n.startswith(region)
    assert normalize_id_number(IdType.RESIDENT_ID, n) == n
    assert normalize_id_number(IdType.RESIDENT_ID, n.lower().translate(FW)) == n
    assert normalize_id_number(IdType.RESIDENT_ID, f" {n[:6]} {n[6:14]} {n[14:]} ") == n
    assert resident_id_birth_date(n) == birth
    assert identity_index_value("RESIDENT_ID", n) == f"RESIDENT_ID:{n}"


@given(regions, births, seqs, st.integers(0, 16), st.integers(1, 9))
def test_any_single_digit_change_is_caught(region, birth, seq, pos, delta):
    n = make_resident_id(region, birth, seq)
    digit = str((int(n[pos]) + delta) % 10)
    mutated = n[:pos] + digit + n[pos + 1:]
    assert mutated != n
    rejected(IdType.RESIDENT_ID, mutated)
    # the check digit alone catches it, whatever other rule might fire first
    assert resident_id_check_digit(mutated[:17]) != mutated[17]


@given(regions, births, seqs)
def test_only_the_right_check_digit_is_accepted(region, birth, seq):
    n = make_resident_id(region, birth, seq)
    for c in "0123456789X":
        if c != n[17]:
            rejected(IdType.RESIDENT_ID, n[:17] + c)


@settings(max_examples=200)
@given(st.sampled_from(list(IdType)), st.text(alphabet="0123456789Xx０１２３４５６７８９ ", min_size=5, max_size=40))
def test_errors_never_echo_the_input(id_type, raw):
    try:
        normalize_id_number(id_type, raw)
    except InvalidIdNumber as exc:
        assert_no_leak(exc, raw)


# --- phones ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13800138000", "+8613800138000"),
        ("+86 138 0013 8000", "+8613800138000"),
        ("+86-138-0013-8000", "+8613800138000"),
        ("0086 13800138000", "+8613800138000"),
        ("１３８００１３８０００", "+8613800138000"),
        ("＋８６ １３８ ００１３ ８０００", "+8613800138000"),
        (" 13900139000 ", "+8613900139000"),
        ("010-12345678", "+861012345678"),
        ("(021) 1234 5678", "+862112345678"),
        ("0571-87654321", "+8657187654321"),
        ("+1 415 555 2671", "+14155552671"),
    ],
)
def test_normalize_phone_valid(raw, e164):
    assert normalize_phone(raw) == e164


def test_normalize_phone_other_default_region():
    assert normalize_phone("(415) 555-2671", region="US") == "+14155552671"


@pytest.mark.parametrize(
    "raw",
    [
        "1380013800",  # too short
        "138001380001",  # too long
        "12345",
        "",
        "   ",
        "1380013800A",  # letters (phonenumbers would read them as keypad digits)
        "abcdefghijk",
        "138-0013-8000 ext 12",
        "021 1234 5678#12",
        "+86 138 0013 8000 ; ext=1",
        "1" * 40,
        None,
        13800138000,
    ],
)
def test_normalize_phone_invalid(raw):
    with pytest.raises(InvalidPhone) as info:
        normalize_phone(raw)
    assert info.value.code == "invalid_phone"
    assert_no_leak(info.value, raw)


@pytest.mark.parametrize(
    ("e164", "digits"),
    [("+8613800138000", "13800138000"), ("+861012345678", "01012345678"), ("+14155552671", "4155552671")],
)
def test_phone_national_digits(e164, digits):
    assert phone_national_digits(e164) == digits


@pytest.mark.parametrize("bad", ["", "not a phone", None])
def test_phone_national_digits_rejects_garbage(bad):
    with pytest.raises(InvalidPhone):
        phone_national_digits(bad)


# --- USCC ------------------------------------------------------------------------------------------------


def test_normalize_uscc_valid():
    assert stdnum_uscc.is_valid("91110000600037341L")
    assert normalize_uscc("91110000600037341L") == "91110000600037341L"
    assert normalize_uscc(" 91110000600037341l ") == "91110000600037341L"
    assert normalize_uscc("９１１１００００６０００３７３４１Ｌ") == "91110000600037341L"
    assert normalize_uscc("911100006-00037341L") == "91110000600037341L"


@pytest.mark.parametrize(
    "raw",
    [
        "91110000600037341M",  # wrong check character
        "91110000600037341",
        "91110000600037341LL",
        "9111000060003734IL",  # I is not in the USCC alphabet
        "A1110000600037341L",
        "",
        None,
        "A" * 65,
    ],
)
def test_normalize_uscc_invalid(raw):
    with pytest.raises(InvalidUSCC) as info:
        normalize_uscc(raw)
    assert info.value.code == "invalid_uscc"
    assert_no_leak(info.value, raw)
