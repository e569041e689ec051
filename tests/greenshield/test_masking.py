import pytest

from greenshield import masking


def test_phone_mask_matches_contract():
    assert masking.mask_phone("13800138000") == "138****8000"
    assert masking.mask_phone("+8613800138000") == "138****8000"
    assert masking.mask_phone("") == ""


def test_resident_id_mask_keeps_first_three_and_last_four():
    assert masking.mask_id_number("11010519491231002X") == "110***********002X"


def test_name_mask_first_character_then_one_star_per_character():
    assert masking.mask_name("张三") == "张*"
    assert masking.mask_name("欧阳娜娜") == "欧***"
    assert masking.mask_name("A") == "A"


def test_short_documents_and_addresses_do_not_leak():
    assert masking.mask_id_number("H1234567") == "******67"
    masked = masking.mask_address("上海市浦东新区世纪大道1号")
    assert masked.startswith("上海市浦东新") and "世纪大道" not in masked


@pytest.mark.parametrize("length", range(6, 19))
def test_document_numbers_of_any_length_keep_at_least_six_characters_hidden(length):
    number = "".join(str((7 * i + 3) % 10) for i in range(length))
    masked = masking.mask_id_number(number)
    assert len(masked) == length
    hidden = masked.count("*")
    assert hidden >= 6
    assert all(m == "*" or m == c for m, c in zip(masked, number, strict=True))  # shows only real characters
    if length <= 11:
        assert not masked.startswith(number[0]), "a short document shows no prefix"


def test_a_ten_digit_taiwan_permit_hides_six_digits():
    assert masking.mask_id_number("1234567890") == "******7890"


def test_long_document_masks_unchanged():
    assert masking.mask_id_number("11010519491231002X") == "110***********002X"  # 18: resident ID
    assert masking.mask_id_number("110105491231002") == "110********1002"  # 15: old-style resident ID
    assert masking.mask_id_number("H12345678") == "******678"  # 9: a home-return permit
    assert masking.mask_id_number("12345") == "*****"
