"""The normalised values two records are compared by.

Resident IDs are encrypted (core/pii.py), so the ID keys are keyed hashes:
of the 15-digit form (an old card's number, or an 18-digit number with its
century and check digit dropped), and of the name with each half of the ID.
Two IDs that differ in one digit agree in one half (the check digit aside), so a person typed with a
wrong digit shares a head or a tail key with the right record; the pair's
IDs are then decrypted and compared in full (rules.py).
"""

import re
import unicodedata

from tongxin.core import pii

_NAME_NOISE = re.compile(r"[\s·•・.\-]")
_EMPLOYER_NOISE = re.compile(r"[\s()（）\[\]【】,，.。·•\-—_/]")


def normalise_name(name: str) -> str:
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name or ""))


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def normalise_employer(employer: str) -> str:
    return _EMPLOYER_NOISE.sub("", unicodedata.normalize("NFKC", employer or "")).lower()[:200]


def id15_form(id_number: str) -> str:
    """The 15-digit form of a resident ID: 6 address digits, the birth date
    without its century, 3 sequence digits ("" for anything else)."""
    number = (id_number or "").strip().upper()
    if len(number) == 18:
        return number[:6] + number[8:17]
    if len(number) == 15 and number.isdigit():
        return number
    return ""


def id_halves(id_number: str) -> tuple[str, str]:
    """The first 9 and the next 8 characters; the check digit is left out, as
    a wrong digit usually changes it too."""
    number = (id_number or "").strip().upper()
    if len(number) != 18:
        return "", ""
    return number[:9], number[9:17]


class KeyMaker:
    """key_values with the index key bound once, for a million persons."""

    def __init__(self):
        self.id15 = pii.bulk_blind_index("dedupe_id15")
        self.head = pii.bulk_blind_index("dedupe_id_head")
        self.tail = pii.bulk_blind_index("dedupe_id_tail")

    def __call__(
        self, *, name, pinyin, birth_date, mobile_hash, email, employer, id_number
    ) -> dict:
        clean = normalise_name(name)
        head, tail = id_halves(id_number)
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
            "id_head_hash": self.head(f"{clean}|{head}") if head else "",
            "id_tail_hash": self.tail(f"{clean}|{tail}") if tail else "",
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
