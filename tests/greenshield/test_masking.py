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
