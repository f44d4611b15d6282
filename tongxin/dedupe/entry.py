"""The check at entry: does a record being registered or imported look like
someone already registered? Answers inside the user's scope name the
persons; outside it, only that someone may be registered elsewhere."""

from dataclasses import dataclass

from tongxin.core import pii
from tongxin.people.models import Person
from tongxin.people.search import name_pinyin_fields
from tongxin.regions.scope import read_scope

from . import rules
from .keys import KeyMaker
from .models import PersonKey

ELSEWHERE = "可能已在其他区域登记"


@dataclass(frozen=True)
class EntryMatch:
    person: Person | None  # None: outside the user's scope, not named
    reason: str


def values_of(
    data: dict, *, maker: KeyMaker | None = None, ring: pii.Keyring | None = None
) -> dict:
    """Key values of a record from form or import values (not saved).

    An import gives each row's `name_pinyin` (computed once, for this and for
    the person's search columns); `maker` and `ring` bind the keys once for
    many records."""
    name = (data.get("name") or "").strip()
    pinyin = data.get("name_pinyin")
    if pinyin is None:
        pinyin = name_pinyin_fields(name)[0] if name else ""
    return rules.entry_values(
        name=name,
        pinyin=pinyin,
        birth_date=data.get("birth_date"),
        id_number=data.get("id_number") or "",
        mobile_hash=pii.mobile_hash(data.get("mobile") or "", ring=ring),
        email=data.get("email") or "",
        employer=data.get("employer") or "",
        maker=maker,
    )


def matches_for(user, data: dict, *, exclude: int | None = None) -> list[EntryMatch]:
    """The likely matches of one record: the visible ones named (best first),
    then one unnamed match if any is outside the scope."""
    return matches_for_many(user, [data], exclude=[exclude])[0]


def matches_for_many(user, rows: list[dict], *, exclude=None) -> list[list[EntryMatch]]:
    """matches_for over many records (an import's rows), in a few queries."""
    if not PersonKey.objects.exists():
        # Nobody to compare with: the lookups below read only the keys
        # (made on each save and by keys_refresh), so they would find no one.
        # An office's first roster skips making every row's keys for nothing
        # (3 CPU s at 100,000 rows, docs/benchmarks/imports.md).
        return [[] for _ in rows]
    maker, ring = KeyMaker(), pii.keyring()
    found = rules.find_for_many(
        [values_of(row, maker=maker, ring=ring) for row in rows],
        exclude=exclude or [None] * len(rows),
    )
    persons = Person.objects.select_related("region").in_bulk(
        {c.person_a for candidates in found for c in candidates}
    )
    scope = read_scope(user)
    results = []
    for candidates in found:
        named, elsewhere = [], False
        for candidate in candidates:
            person = persons.get(candidate.person_a)
            if person is None:
                continue
            if scope.contains(person.region_id):
                named.append(EntryMatch(person, candidate.rule.name))
            else:
                elsewhere = True
        results.append(named + ([EntryMatch(None, ELSEWHERE)] if elsewhere else []))
    return results


def row_warning(matches: list[EntryMatch]) -> str:
    """One sentence for an import row's warnings."""
    named = [m for m in matches if m.person is not None]
    parts = [f"{m.person.name}（{m.person.region}，{m.reason}）" for m in named[:3]]
    if len(named) > 3:
        parts.append(f"等{len(named)}人")
    text = "可能已登记：" + "、".join(parts) if parts else ""
    if len(named) < len(matches):
        text = f"{text}；{ELSEWHERE}" if text else ELSEWHERE
    return text
