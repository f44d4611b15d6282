import pytest
from hypothesis import given
from hypothesis import strategies as st

from tongxin.service.validators import PhoneError, parse_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0771-5551234", "0771-5551234"),
        ("(0771)5551234", "0771-5551234"),
        ("0771 555 1234", "0771-5551234"),
        ("07715551234", "0771-5551234"),
        ("010-62345678", "010-62345678"),
        ("5551234", "5551234"),
        ("0771-5551234转123", "0771-5551234转123"),
        ("0771-5551234-123", "0771-5551234转123"),
        ("0771-5551234 ext 12", "0771-5551234转12"),
        ("+86 138-0013-8000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("12345", "12345"),
        ("400-123-4567", "400-123-4567"),
        ("", ""),
        ("  ", ""),
    ],
)
def test_it_accepts_landlines_mobiles_and_hotlines(raw, expected):
    assert parse_phone(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "联系电话只能包含数字"),
        ("123", "联系电话格式不正确"),
        ("0771-12", "联系电话格式不正确"),
        ("10000000000", "手机号码"),
        ("0771-0551234", "联系电话格式不正确"),
    ],
)
def test_it_refuses_what_cannot_be_a_phone(raw, message):
    with pytest.raises(PhoneError) as error:
        parse_phone(raw)
    assert message in error.value.message


@given(st.text(max_size=30))
def test_it_returns_a_number_or_a_chinese_message(raw):
    try:
        result = parse_phone(raw)
    except PhoneError as error:
        assert "联系电话" in error.message
    else:
        assert len(result) <= 30
        assert parse_phone(result) == result  # normalised forms are stable


@given(st.from_regex(r"0[1-9][0-9]{1,2}-[2-9][0-9]{6,7}", fullmatch=True))
def test_every_area_code_landline_is_accepted(raw):
    assert parse_phone(raw) == raw
