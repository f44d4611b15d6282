"""Tests for tongxin.people.validators (no database needed)."""

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import numdb

from tongxin.people import validators
from tongxin.people.validators import (
    MobileError,
    ResidentIdError,
    address_code_status,
    clean_resident_id,
    mask_mobile,
    mask_resident_id,
    mobile_number_problem,
    parse_mobile,
    parse_resident_id,
)

TODAY = datetime.date.today()

# The first stdnum lookup parses loc.dat, which can outlast hypothesis's
# default deadline on a cold start.
examples = settings(deadline=None, max_examples=200)


def gb11643_check_digit(first17: str) -> str:
    """ISO 7064 MOD 11-2, written out independently of stdnum."""
    total = sum(int(d) * pow(2, 17 - i, 11) for i, d in enumerate(first17))
    value = (12 - total % 11) % 11
    return "X" if value == 10 else str(value)


def with_check_digit(first17: str) -> str:
    return first17 + gb11643_check_digit(first17)


def error_of(raw: str, **kwargs) -> str:
    with pytest.raises(ResidentIdError) as info:
        parse_resident_id(raw, **kwargs)
    return info.value.message


# --- Fixed resident ID vectors ------------------------------------------------


def test_it_computes_the_same_check_digit_as_stdnum():
    from stdnum.cn.ric import calc_check_digit

    for number in ["11010519491231002X", "412723198001010014", "440524188001010014"]:
        assert gb11643_check_digit(number[:17]) == number[17]
        assert calc_check_digit(number) == number[17]


def test_it_accepts_a_valid_id_and_reads_date_and_sex():
    rid = parse_resident_id("11010519491231002X")
    assert rid.number == "11010519491231002X"
    assert rid.birth_date == datetime.date(1949, 12, 31)
    assert rid.sex == "F"  # 17th digit 2
    assert rid.address_code == "110105"
    assert rid.warnings == ()


def test_it_accepts_the_1880_vector_with_an_address_warning():
    rid = parse_resident_id("440524188001010014")
    assert rid.birth_date == datetime.date(1880, 1, 1)
    assert rid.sex == "M"  # 17th digit 1
    # 440524 (潮阳县) existed 1983-1993 only: a warning, not an error.
    assert rid.warnings and "440524" in rid.warnings[0]


def test_it_reads_lowercase_x_as_uppercase():
    assert parse_resident_id("11010519491231002x").number == "11010519491231002X"


def test_it_cleans_full_width_digits_and_spaces():
    assert clean_resident_id("１１０１０５ 1949 1231 002X") == "11010519491231002X"
    assert clean_resident_id("110105-19491231-002ｘ") == "11010519491231002X"
    assert parse_resident_id("１１０１０５ 1949 1231 002X").number == "11010519491231002X"


def test_it_rejects_a_wrong_check_digit_without_revealing_the_right_one():
    message = error_of("110105194912310021")
    assert message == "公民身份号码校验位不正确"
    assert "X" not in message


def test_it_rejects_30_february_as_a_date_error():
    assert error_of("11010519900230001X") == "公民身份号码中的出生日期不存在"
    # The date message wins whatever the check digit is.
    for last in "0123456789X":
        assert error_of("11010519900230001" + last) == "公民身份号码中的出生日期不存在"


def test_it_rejects_a_future_birth_date():
    number = with_check_digit("11010520300101001")
    assert error_of(number, today=datetime.date(2025, 1, 1)) == "公民身份号码中的出生日期晚于今天"
    # Born today is fine.
    assert parse_resident_id(number, today=datetime.date(2030, 1, 1)).birth_date == (
        datetime.date(2030, 1, 1)
    )


def test_it_rejects_a_birth_date_before_1850():
    number = with_check_digit("11010510900101001")  # 1090: a mistyped century
    assert error_of(number) == "公民身份号码中的出生日期早于1850年，请核对"
    assert parse_resident_id(with_check_digit("11010518500101001")).birth_date == (
        datetime.date(1850, 1, 1)
    )


def test_it_rejects_an_unknown_province():
    number = with_check_digit("99010519491231002")
    assert error_of(number) == "公民身份号码的省份代码（99）不存在"


def test_it_accepts_an_abolished_address_code_with_a_warning():
    rid = parse_resident_id("412723198001010014")
    assert rid.birth_date == datetime.date(1980, 1, 1)
    assert rid.sex == "M"
    assert rid.address_code == "412723"
    assert len(rid.warnings) == 1
    assert "412723" in rid.warnings[0]


def test_it_accepts_an_unknown_address_code_with_a_warning():
    rid = parse_resident_id(with_check_digit("11019919800101001"))
    assert rid.warnings and "110199" in rid.warnings[0]


def test_it_accepts_an_address_code_younger_than_the_holder():
    # 450102 兴宁区 dates from 1983 (NOTES.md); stdnum's validate() rejects this.
    rid = parse_resident_id(with_check_digit("45010219500101001"))
    assert rid.warnings == ()


def test_it_gives_specific_length_and_format_messages():
    assert error_of("") == "请填写公民身份号码"
    assert error_of("11010519491231002") == "公民身份号码应为18位，当前为17位"
    assert error_of("1101051949123100A2") == "公民身份号码前17位应为数字"
    assert error_of("11010519491231002Y") == "公民身份号码最后一位应为数字或X"
    # Arabic-Indic digits are digits to Python's int() but not to GB 11643.
    assert error_of("٠" + "1010519491231002X") == "公民身份号码前17位应为数字"


def test_it_knows_every_province_in_stdnum_data():
    provinces = {prefix[1] for prefix in numdb.get("cn/loc").prefixes if prefix[0] == 2}
    assert validators.PROVINCE_CODES == provinces


def test_it_reports_address_code_status():
    assert address_code_status("110105") is None
    assert address_code_status("120110") is None  # reused code, current name 东丽区
    assert "412723" in address_code_status("412723")
    assert "现行" in address_code_status("110103")  # 崇文区, merged in 2010
    assert "990101" in address_code_status("990101")
    assert address_code_status("1101") is not None


def test_it_masks_a_resident_id():
    assert mask_resident_id("450102197001011234") == "450102********1234"
    assert mask_resident_id("11010519491231002x") == "110105********002X"
    assert mask_resident_id("") == ""
    assert mask_resident_id("1") == "*"
    assert mask_resident_id("1234") == "1***"


# --- Fixed mobile vectors ------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "138 0013 8000",
        "138-0013-8000",
        "+86 138 0013 8000",
        "+86-13800138000",
        "0086 13800138000",
        "8613800138000",
        "(+86) 138.0013.8000",
        "１３８００１３８０００",
        "＋８６　１３８－００１３－８０００",
    ],
)
def test_it_parses_mobile_variants(raw):
    assert parse_mobile(raw) == "13800138000"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "请填写手机号码"),
        ("1380013800", "手机号码应为11位中国大陆手机号"),
        ("138001380001", "手机号码应为11位中国大陆手机号"),
        ("23800138000", "手机号码应为11位中国大陆手机号"),
        ("010 6552 9988", "手机号码应为11位中国大陆手机号"),
        ("138O0138000", "手机号码只能包含数字"),
        ("+1 650 253 0000", "仅支持中国大陆手机号码（+86）"),
        ("19400000000", "手机号码号段不存在，请核对"),
    ],
)
def test_it_rejects_bad_mobiles(raw, message):
    with pytest.raises(MobileError) as info:
        parse_mobile(raw)
    assert info.value.message == message


def test_it_masks_a_mobile():
    assert mask_mobile("13800138000") == "138****8000"
    assert mask_mobile("+86 138 0013 8000") == "138****8000"
    assert mask_mobile("") == ""


# --- Properties --------------------------------------------------------------

CURRENT_CODES = ["110105", "310104", "330106", "420102", "440305", "450102", "510107", "650102"]

FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789Xx+"}
SEPARATORS = ["", "", "", " ", "-", "\u3000", "\t", "\u200b", "."]


@st.composite
def valid_ids(draw):
    code = draw(st.sampled_from(CURRENT_CODES))
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=TODAY))
    sequence = draw(st.integers(0, 999))
    return with_check_digit(f"{code}{born:%Y%m%d}{sequence:03d}")


@st.composite
def noisy(draw, text, separators=SEPARATORS):
    """Render ``text`` the ways people type it: separators, full width, lower x."""
    out = []
    for ch in text:
        if ch == "X":
            ch = draw(st.sampled_from(["X", "x"]))
        if draw(st.booleans()):
            ch = FULL_WIDTH.get(ch, ch)
        out.append(ch + draw(st.sampled_from(separators)))
    return draw(st.sampled_from(separators)) + "".join(out)


@examples
@given(st.data())
def test_it_parses_any_valid_id_however_typed(data):
    number = data.draw(valid_ids())
    rid = parse_resident_id(number, today=TODAY)
    assert rid.number == number
    assert rid.warnings == ()
    assert rid.birth_date == datetime.date(
        int(number[6:10]), int(number[10:12]), int(number[12:14])
    )
    assert rid.sex == ("M" if int(number[16]) % 2 else "F")
    typed = data.draw(noisy(number))
    assert parse_resident_id(typed, today=TODAY) == rid


@examples
@given(valid_ids(), st.integers(0, 16), st.integers(1, 9))
def test_it_rejects_any_single_digit_change(number, position, delta):
    digit = str((int(number[position]) + delta) % 10)
    changed = number[:position] + digit + number[position + 1 :]
    with pytest.raises(ResidentIdError):
        parse_resident_id(changed, today=TODAY)


@examples
@given(st.one_of(st.text(), st.text(alphabet="0123456789Xx -１２ｘ٣\u200b", max_size=24)))
def test_it_raises_only_resident_id_error_on_any_text(raw):
    try:
        rid = parse_resident_id(raw, today=TODAY)
    except ResidentIdError as error:
        assert error.message
    else:
        assert len(rid.number) == 18


@examples
@given(valid_ids())
def test_it_never_reveals_the_middle_of_an_id(number):
    masked = mask_resident_id(number)
    assert masked == number[:6] + "*" * 8 + number[14:]


@examples
@given(st.text())
def test_it_masks_any_text_without_revealing_more_than_a_full_id(raw):
    cleaned = clean_resident_id(raw)
    masked = mask_resident_id(raw)
    assert len(masked) == len(cleaned)
    shown = [i for i, ch in enumerate(masked) if ch != "*"]
    assert all(masked[i] == cleaned[i] for i in shown)
    assert len(shown) <= 10
    assert len(shown) * 18 <= len(cleaned) * 10


MOBILE_PREFIXES = [
    *(str(n) for n in range(130, 140)),
    "145",
    "147",
    *(str(n) for n in (150, 151, 152, 153, 155, 156, 157, 158, 159)),
    "166",
    *(str(n) for n in (170, 171, 172, 173, 175, 176, 177, 178)),
    *(str(n) for n in range(180, 190)),
    *(str(n) for n in (190, 191, 192, 193, 195, 196, 197, 198, 199)),
]
MOBILE_SEPARATORS = ["", "", "", " ", "-", ".", "(", ")", "\u3000"]
COUNTRY_PREFIXES = ["", "", "+86", "+86 ", "0086", "0086-", "86", "(+86)", "＋８６"]

valid_mobiles = st.builds(
    lambda prefix, rest: f"{prefix}{rest:08d}",
    st.sampled_from(MOBILE_PREFIXES),
    st.integers(0, 10**8 - 1),
)


@examples
@given(st.data())
def test_it_parses_any_valid_mobile_however_typed(data):
    number = data.draw(valid_mobiles)
    assert parse_mobile(number) == number
    typed = data.draw(st.sampled_from(COUNTRY_PREFIXES)) + data.draw(
        noisy(number, MOBILE_SEPARATORS)
    )
    assert parse_mobile(typed) == number


@examples
@given(st.one_of(st.text(), st.text(alphabet="0123456789+86 -()１", max_size=20)))
def test_it_raises_only_mobile_error_on_any_text(raw):
    try:
        number = parse_mobile(raw)
    except MobileError as error:
        assert error.message
    else:
        assert len(number) == 11 and number.isascii() and number.isdigit()


@examples
@given(valid_mobiles)
def test_it_never_reveals_the_middle_of_a_mobile(number):
    assert mask_mobile(number) == number[:3] + "****" + number[7:]


@examples
@given(st.text())
def test_it_masks_any_text_without_revealing_more_than_a_full_mobile(raw):
    masked = mask_mobile(raw)
    assert sum(ch != "*" for ch in masked) <= 7


# Numbers around the segments whose pattern reaches furthest into the number
# (1740[0-5], 1610, 10[18]0x) and anything else 11 digits long starting with 1.
_SEGMENT_EDGES = ["1740", "1741", "1610", "1611", "1010", "1080", "1810", "1349", "1995"]


@settings(deadline=None, max_examples=1500)
@given(
    st.one_of(
        st.integers(10**10, 2 * 10**10 - 1).map(str),
        st.builds(
            lambda head, rest: head + str(rest).zfill(11 - len(head)),
            st.sampled_from(_SEGMENT_EDGES),
            st.integers(0, 10**7 - 1),
        ),
    )
)
def test_it_gives_every_number_of_a_segment_its_own_verdict(digits):
    """The per-segment cache accepts exactly what checking the number itself accepts.

    (The wording of a refusal may differ: phonenumbers reads some numbers
    starting 1[12]xx as carrier-code prefixed, but refuses them either way.)
    """
    accepted = not mobile_number_problem(digits)
    try:
        assert parse_mobile(digits) == digits
    except MobileError as error:
        assert error.message and not accepted
    else:
        assert accepted
