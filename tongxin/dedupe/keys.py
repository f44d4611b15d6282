"""The normalised values two records are compared by.

Names are compared in simplified characters (张偉 and 张伟 are one name:
OpenCC's t2s conversion), without spaces or dots. Employers that name no
employer (自由职业, 无, 退休 …) count as none: at a million persons a
"same employer" block of 27,000 freelancers is no block.

Resident IDs are encrypted (core/pii.py), so the ID keys are keyed hashes:
of the 15-digit form (an old card's number, or an 18-digit number with its
century and check digit dropped), and of the name with each of two disjoint
parts of the ID (id_parts). A one-digit typo changes only one part, so a
record typed with a wrong digit shares the other key with the right record;
the pair's IDs are then decrypted and compared in full (rules.py).
"""

import functools
import re
import unicodedata

import opencc

from tongxin.core import pii

_NAME_NOISE = re.compile(r"[\s·•・.\-]")
_EMPLOYER_NOISE = re.compile(r"[\s()（）\[\]【】,，.。·•\-—_/]")
_TO_SIMPLIFIED = opencc.OpenCC("t2s")

# Written in the employer box by people who have none: not a shared work unit.
GENERIC_EMPLOYERS = frozenset(
    ["自由职业", "自由职业者", "自由职业人员", "无", "暂无", "无业", "待业", "无工作单位",
     "个体", "个体户", "个体工商户", "退休", "已退休", "离退休", "不详", "其他", "学生"]
)  # fmt: skip


@functools.lru_cache(maxsize=8192)
def simplified(text: str) -> str:
    """`text` in simplified characters (common names repeat: the conversion,
    ≈5 µs, is remembered for the last 8,192; 100,000 held ≈30 MB for the
    whole process's life, mostly names met once: docs/benchmarks/imports.md)."""
    return _TO_SIMPLIFIED.convert(text)


def normalise_name(name: str) -> str:
    return simplified(_NAME_NOISE.sub("", unicodedata.normalize("NFKC", name or "")))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_employer(employer: str) -> str:
    clean = _EMPLOYER_NOISE.sub("", unicodedata.normalize("NFKC", employer or "")).lower()
    return "" if clean in GENERIC_EMPLOYERS else clean[:200]


def id15_form(id_number: str) -> str:
    """The 15-digit form of a resident ID: 6 address digits, the birth date
    without its century, 3 sequence digits ("" for anything else)."""
    number = (id_number or "").strip().upper()
    if len(number) == 18:
        return number[:6] + number[8:17]
    if len(number) == 15 and number.isdigit():
        return number
    return ""


def id_parts(id_number: str) -> tuple[str, str]:
    """Two disjoint parts of an 18-digit ID covering its first 17 characters:
    the address code with the birth month and day (digits 1-6 and 11-14),
    and the birth year with the sequence (7-10 and 15-17). The check digit is
    left out, as a wrong digit usually changes it too.

    Each part keeps some of the date, so that the same name in the same
    county (or born the same year) is not already a match: split into the
    first 9 and the last 8 digits instead, the head key (name, county and
    birth decade) put 690,000 natural pairs into the 1M benchmark's blocks.
    """
    number = (id_number or "").strip().upper()
    if len(number) != 18:
        return "", ""
    return number[:6] + number[10:14], number[6:10] + number[14:17]


class KeyMaker:
    """key_values with the index key bound once, for a million persons."""

    def __init__(self):
        self.id15 = pii.bulk_blind_index("dedupe_id15")
        self.place = pii.bulk_blind_index("dedupe_id_place")
        self.year = pii.bulk_blind_index("dedupe_id_year")

    def __call__(
        self, *, name, pinyin, birth_date, mobile_hash, email, employer, id_number
    ) -> dict:
        clean = normalise_name(name)
        place, year = id_parts(id_number)
        return {
            "name": clean[:50],
            "pinyin": pinyin or "",
            "surname": clean[:1],
            "given": clean[1:49],
            "birth_date": birth_date,
            "mobile_hash": mobile_hash or "",
            "email": normalise_email(email),
            "employer": normalise_employer(employer),
            "id15_hash": self.id15(id15_form(id_number)),
            "id_place_hash": self.place(f"{clean}|{place}") if place else "",
            "id_year_hash": self.year(f"{clean}|{year}") if year else "",
        }


def key_values(**values) -> dict:
    """The PersonKey columns (without person and version) of one record."""
    return KeyMaker()(**values)


def person_key_values(person) -> dict:
    return key_values(
        name=person.name,
        pinyin=person.name_pinyin,
        birth_date=person.birth_date,
        mobile_hash=person.mobile_hash,
        email=person.email,
        employer=person.employer,
        id_number=person.id_number,
    )
