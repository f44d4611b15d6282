"""Validation of resident ID numbers (公民身份号码) and mainland mobile numbers.

Pure Python: no Django imports, so forms, imports from spreadsheets and the
command line can all share these rules. Errors carry a Chinese ``message``
meant to be shown to the person who typed the value.
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from phonenumbers import PhoneNumberType
from stdnum import numdb
from stdnum.cn.ric import calc_check_digit

__all__ = [
    "MobileError",
    "ResidentId",
    "ResidentIdError",
    "address_code_status",
    "clean_resident_id",
    "mask_mobile",
    "mask_resident_id",
    "parse_mobile",
    "parse_resident_id",
]

# GB/T 2260 province-level codes. Kept as a literal rather than read from
# stdnum's loc.dat so that a data update cannot silently widen or narrow what
# is accepted; a test checks the two agree.
PROVINCE_CODES = frozenset(
    {
        *(str(n) for n in range(11, 16)),
        *(str(n) for n in range(21, 24)),
        *(str(n) for n in range(31, 38)),
        *(str(n) for n in range(41, 47)),
        *(str(n) for n in range(50, 55)),
        *(str(n) for n in range(61, 66)),
        "71",
        "81",
        "82",
    }
)

# SPEC.md asks only for a real date not in the future; the floor catches
# typed-in centuries such as 1090 while still admitting old card vectors
# (the standard's own example 440524188001010014 is born 1880).
EARLIEST_BIRTH_DATE = datetime.date(1850, 1, 1)

# Python's \d also matches Arabic-Indic and other digits that int() accepts;
# only ASCII digits belong in these numbers.
_ASCII_DIGITS = re.compile(r"[0-9]+")
_RESIDENT_ID_SHAPE = re.compile(r"[0-9]{17}[0-9X]")

# Characters people paste between groups of digits. Unicode dashes (Pd),
# spaces (Z*) and format characters such as zero-width spaces (Cf, common in
# text copied from chat apps) are removed by category as well.
_SEPARATOR_CHARS = frozenset(" \t\r\n-._/·・‧,，")
_SEPARATOR_CATEGORIES = frozenset({"Pd", "Zs", "Zl", "Zp", "Cf", "Cc"})
_MOBILE_SEPARATOR_CHARS = _SEPARATOR_CHARS | frozenset("()[]")


class _MessageError(ValueError):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ResidentIdError(_MessageError):
    """A resident ID number that cannot be accepted; ``message`` says why."""


class MobileError(_MessageError):
    """A mobile number that cannot be accepted; ``message`` says why."""


@dataclass(frozen=True)
class ResidentId:
    number: str  # cleaned, 18 characters, upper-case X
    birth_date: datetime.date
    sex: str  # "M" or "F"
    address_code: str  # first 6 digits
    warnings: tuple[str, ...]  # Chinese sentences; never a reason to reject


def _strip_separators(text: str, extra: frozenset[str] = _SEPARATOR_CHARS) -> str:
    if text.isascii() and text.isalnum():  # the usual case: nothing to strip
        return text
    return "".join(
        ch
        for ch in text
        if ch not in extra and unicodedata.category(ch) not in _SEPARATOR_CATEGORIES
    )


def clean_resident_id(raw: str) -> str:
    """Normalise typing variants of a resident ID without validating it.

    NFKC turns full-width digits and letters into ASCII; separators are
    dropped and a lower-case x becomes X.
    """
    text = unicodedata.normalize("NFKC", raw or "")
    return _strip_separators(text).replace("x", "X")


def parse_resident_id(raw: str, *, today: datetime.date | None = None) -> ResidentId:
    """Validate a resident ID and return what it encodes.

    Raises ResidentIdError. Checks run from the most to the least specific
    message: shape, province, birth date, then the check digit, so a
    non-existent date is reported as such whatever its check digit.
    The address code is only warned about (SPEC.md: it may be younger than
    the holder or abolished since, and the card stays valid).
    """
    if today is None:
        today = datetime.date.today()
    number = clean_resident_id(raw)
    if not number:
        raise ResidentIdError("请填写公民身份号码")
    if len(number) != 18:
        raise ResidentIdError(f"公民身份号码应为18位，当前为{len(number)}位")
    if not _RESIDENT_ID_SHAPE.fullmatch(number):
        if not _ASCII_DIGITS.fullmatch(number[:17]):
            raise ResidentIdError("公民身份号码前17位应为数字")
        raise ResidentIdError("公民身份号码最后一位应为数字或X")

    province = number[:2]
    if province not in PROVINCE_CODES:
        raise ResidentIdError(f"公民身份号码的省份代码（{province}）不存在")

    try:
        birth_date = datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ResidentIdError("公民身份号码中的出生日期不存在") from None
    if birth_date > today:
        raise ResidentIdError("公民身份号码中的出生日期晚于今天")
    if birth_date < EARLIEST_BIRTH_DATE:
        raise ResidentIdError("公民身份号码中的出生日期早于1850年，请核对")

    # The correct digit is deliberately not shown: it would let anyone turn a
    # mistyped number into one that passes without finding the real typo.
    if number[17] != calc_check_digit(number):
        raise ResidentIdError("公民身份号码校验位不正确")

    address_code = number[:6]
    status = address_code_status(address_code)
    return ResidentId(
        number=number,
        birth_date=birth_date,
        sex="M" if int(number[16]) % 2 else "F",
        address_code=address_code,
        warnings=(status,) if status else (),
    )


@functools.lru_cache(maxsize=4096)  # depends only on the code; imports ask per row
def address_code_status(code: str) -> str | None:
    """Return None for a current address code, else a Chinese warning.

    Uses python-stdnum's cn/loc data, whose county names may carry
    ``[start-end]`` year ranges (several, comma-separated, when a code was
    reused). A code is current when one of its names has no end year.
    """
    if not (len(code) == 6 and _ASCII_DIGITS.fullmatch(code)):
        return f"地址码 {code} 应为6位数字，请核对"
    info: dict[str, str] = {}
    for _part, props in numdb.get("cn/loc").info(code):
        info.update(props)
    county = info.get("county")
    if not county:
        return f"地址码 {code} 不在已知的行政区划代码中，请核对"

    last_name = ""
    for entry in county.split(","):
        if not entry.startswith("["):
            return None
        years, name = entry[1:].split("]", 1)
        _start, end = years.split("-", 1)
        if not end:
            return None
        last_name = name
    former = f"原为{info.get('province', '')}{last_name}，" if last_name else ""
    return f"地址码 {code} 不在现行行政区划代码中（{former}可能已撤销或更名），请核对"


def _mask(text: str, head: int, tail: int, full_length: int) -> str:
    """Keep ``head`` and ``tail`` characters of a full-length value.

    Shorter values keep proportionally fewer, so a fragment never shows more
    of itself than a complete number would.
    """
    n = len(text)
    if n < full_length:
        head, tail = n * head // full_length, n * tail // full_length
    return text[:head] + "*" * (n - head - tail) + (text[n - tail :] if tail else "")


def mask_resident_id(number: str) -> str:
    """``450102********1234``: at most the first 6 and last 4 characters."""
    return _mask(clean_resident_id(number), 6, 4, 18)


# --- Mobile numbers ---------------------------------------------------------

_MOBILE_TYPES = (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE)


def _clean_mobile(raw: str) -> str:
    text = _strip_separators(unicodedata.normalize("NFKC", raw or ""), _MOBILE_SEPARATOR_CHARS)
    if text.startswith("+86"):
        return text[3:]
    if text.startswith("0086"):
        return text[4:]
    # A bare 86 is only a country code when 11 digits follow: mainland
    # mobiles start with 1, so no real number is mistaken for a prefix.
    if len(text) == 13 and text.startswith("861"):
        return text[2:]
    return text


def parse_mobile(raw: str) -> str:
    """Return the 11-digit mainland mobile number in ``raw``; raise MobileError."""
    digits = _clean_mobile(raw)
    if not digits:
        raise MobileError("请填写手机号码")
    if digits.startswith("+"):
        raise MobileError("仅支持中国大陆手机号码（+86）")
    if not _ASCII_DIGITS.fullmatch(digits):
        raise MobileError("手机号码只能包含数字")
    if len(digits) != 11 or not digits.startswith("1"):
        raise MobileError("手机号码应为11位中国大陆手机号")
    problem = _mobile_segment_problem(digits[:_SEGMENT_LENGTH])
    if problem:
        raise MobileError(problem)
    return digits


# phonenumbers' patterns for 11-digit Chinese numbers that start with 1 look
# at no more than the first seven digits (the 号段, e.g. 1740[0-5], 10[18]0x)
# and end in \d{n}, so the verdict for one number holds for every number of
# its segment. Checking each segment once takes phone validation out of an
# import's profile (docs/benchmarks/imports.md); test_validators compares
# this with checking every number.
_SEGMENT_LENGTH = 7


@functools.lru_cache(maxsize=65536)
def _mobile_segment_problem(segment: str) -> str:
    """Why numbers of this 7-digit segment are not mobiles, or "" if they are."""
    return mobile_number_problem(segment + "0" * (11 - _SEGMENT_LENGTH))


def mobile_number_problem(digits: str) -> str:
    """phonenumbers' verdict on one 11-digit number: a message, or "" if it is a mobile."""
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        return "手机号码应为11位中国大陆手机号"
    if not phonenumbers.is_valid_number(parsed):
        return "手机号码号段不存在，请核对"
    if phonenumbers.number_type(parsed) not in _MOBILE_TYPES:
        return "该号码不是手机号码"
    if str(parsed.national_number) != digits:  # never accept what would not be kept as typed
        return "手机号码应为11位中国大陆手机号"
    return ""


def mask_mobile(number: str) -> str:
    """``138****8000``: at most the first 3 and last 4 digits."""
    try:
        text = parse_mobile(number)
    except MobileError:
        # Mask what was given; proportional masking hides fragments too.
        text = _strip_separators(unicodedata.normalize("NFKC", number or ""))
    return _mask(text, 3, 4, 11)
