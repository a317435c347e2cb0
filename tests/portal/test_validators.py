from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from portal.validators import (
    mask_id_number,
    mask_name,
    validate_credit_code,
    validate_id_number,
    validate_mobile,
)


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91330212MA0000010Y", "91110000100001347U"])
def test_it_accepts_valid_credit_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91350100M000100Y44", "checksum"),  # wrong check character
        ("91350100M000100Y4", "length"),
        ("91350100M000100I43", "charset"),  # I is not in the alphabet
        ("", "length"),
    ],
)
def test_it_rejects_bad_credit_codes(code, reason):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert exc.value.code == reason


@pytest.mark.parametrize(
    "number", ["11010519491231002X", "110101199003074514", "11010519491231002x"]
)
def test_it_accepts_valid_id_numbers_including_a_lowercase_x(number):
    validate_id_number(number)


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491331002X", "birthdate"),  # month 13
        ("1101051949123100", "format"),
        ("11010519491231002Y", "format"),
    ],
)
def test_it_rejects_bad_id_numbers(number, reason):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number)
    assert exc.value.code == reason


@pytest.mark.parametrize("mobile", ["13800138000", "19912345678"])
def test_it_accepts_mobile_numbers(mobile):
    validate_mobile(mobile)


@pytest.mark.parametrize("mobile", ["12800138000", "1380013800", "138001380001", "1380013800a"])
def test_it_rejects_bad_mobile_numbers(mobile):
    with pytest.raises(ValidationError):
        validate_mobile(mobile)


def test_masking_keeps_the_first_and_last_four_characters():
    assert mask_id_number("330201199001011234") == "3302**********1234"
    assert mask_name("张三丰") == "张*丰"
    assert mask_name("李四") == "李*"
