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


def key_values(
    *,
    name: str,
    pinyin: str,
    birth_date,
    mobile_hash: str,
    email: str,
    employer: str,
    id_number: str,
    ring: pii.Keyring | None = None,
) -> dict:
    """The PersonKey columns (without person and version) of one record."""
    ring = ring or pii.keyring()
    clean = normalise_name(name)
    head, tail = id_halves(id_number)
    id15 = id15_form(id_number)
    return {
        "name": clean[:50],
        "pinyin": pinyin or "",
        "surname": clean[:1],
        "given": clean[1:49],
        "birth_date": birth_date,
        "mobile_hash": mobile_hash or "",
        "email": normalise_email(email),
        "employer": normalise_employer(employer),
        "id15_hash": pii.blind_index(id15, "dedupe_id15", ring=ring) if id15 else "",
        "id_head_hash": (
            pii.blind_index(f"{clean}|{head}", "dedupe_id_head", ring=ring) if head else ""
        ),
        "id_tail_hash": (
            pii.blind_index(f"{clean}|{tail}", "dedupe_id_tail", ring=ring) if tail else ""
        ),
    }


def person_key_values(person, *, ring: pii.Keyring | None = None) -> dict:
    return key_values(
        name=person.name,
        pinyin=person.name_pinyin,
        birth_date=person.birth_date,
        mobile_hash=person.mobile_hash,
        email=person.email,
        employer=person.employer,
        id_number=person.id_number,
        ring=ring,
    )
