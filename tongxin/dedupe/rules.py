"""Finding candidate pairs: block on indexed keys, then score with the rules.

A rule (models.DuplicateRule) names the blocks its candidates come from and
the comparisons it scores, each with a weight; a pair whose score reaches
the rule's threshold is a candidate. Blocking keeps it fast at a million
persons: every block is one indexed GROUP BY over PersonKey, and only
persons sharing a block are compared (CiviCRM's per-criterion queries over
the whole table are what makes its built-in dedupe slow at this scale).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection
from rapidfuzz.distance import Indel

from tongxin.people.models import Person

from .keys import key_values, normalise_name
from .models import BLOCKINGS, COMPARISONS, DuplicateRule, Merge, PersonKey

# Columns of each block: persons agreeing on all of them are compared.
BLOCKS = {
    "pinyin_birth": ("pinyin", "birth_date"),
    "mobile": ("mobile_hash",),
    "email": ("email",),
    "employer_surname": ("employer", "surname"),
    "employer_given": ("employer", "given"),
    "id15": ("id15_hash",),
    "name_id_head": ("id_head_hash",),
    "name_id_tail": ("id_tail_hash",),
}
assert set(BLOCKS) == set(BLOCKINGS)

# A block larger than this is not a set of duplicates but a shared value (an
# office's switchboard number typed for every member, a placeholder e-mail):
# its pairs are skipped and counted (Run.skipped_blocks).
MAX_BLOCK = 50

KEY_FIELDS = [
    "person_id",
    "name",
    "pinyin",
    "surname",
    "given",
    "birth_date",
    "mobile_hash",
    "email",
    "employer",
    "id15_hash",
    "id_head_hash",
    "id_tail_hash",
]


class IdNumbers(dict):
    """Decrypted resident IDs, read for the pairs that need them only."""

    def need(self, ids: Iterable[int]) -> None:
        missing = [pk for pk in set(ids) if pk not in self]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            self.update(Person.objects.filter(pk__in=chunk).values_list("pk", "id_number"))


def _name_similarity(a: dict, b: dict) -> float:
    if a["name"] == b["name"] or (a["pinyin"] and a["pinyin"] == b["pinyin"]):
        return 1.0
    shorter, longer = sorted((a["name"], b["name"]), key=len)
    # A married name (冠夫姓) puts the husband's surname before her own name.
    if len(longer) == len(shorter) + 1 and len(shorter) >= 2 and longer.endswith(shorter):
        return 0.95
    chars = Indel.normalized_similarity(a["name"], b["name"])
    pinyin = Indel.normalized_similarity(a["pinyin"], b["pinyin"]) if a["pinyin"] else 0.0
    return max(chars, pinyin)


def _one_digit_apart(a: dict, b: dict, ids: IdNumbers) -> float:
    # The first 17 characters: a mistyped digit also changes the check digit,
    # unless (1 time in 11) the wrong number passes the check as well.
    x, y = ids.get(a["person_id"], "")[:17], ids.get(b["person_id"], "")[:17]
    if len(x) != 17 or len(y) != 17:
        return 0.0
    return 1.0 if sum(1 for p, q in zip(x, y, strict=True) if p != q) == 1 else 0.0


def _same(column: str):
    return lambda a, b, ids: 1.0 if a[column] and a[column] == b[column] else 0.0


def _different_ids_same_15(a: dict, b: dict, ids: IdNumbers) -> float:
    # Both 18-digit IDs with one 15-digit form differ in the century or the
    # check digit; the same full ID cannot be registered twice.
    return 1.0 if a["id15_hash"] and a["id15_hash"] == b["id15_hash"] else 0.0


COMPARATORS = {
    "name": _same("name"),
    "name_or_pinyin": lambda a, b, ids: (
        1.0 if a["name"] == b["name"] or (a["pinyin"] and a["pinyin"] == b["pinyin"]) else 0.0
    ),
    "name_similar": lambda a, b, ids: _name_similarity(a, b),
    "birth_date": _same("birth_date"),
    "mobile": _same("mobile_hash"),
    "email": _same("email"),
    "employer": _same("employer"),
    "id_15": _different_ids_same_15,
    "id_one_digit": _one_digit_apart,
}
assert set(COMPARATORS) == set(COMPARISONS)


@dataclass(frozen=True)
class Candidate:
    person_a: int
    person_b: int
    rule: DuplicateRule
    score: float


def active_rules() -> list[DuplicateRule]:
    return list(DuplicateRule.objects.filter(is_active=True))


def score(rule: DuplicateRule, a: dict, b: dict, ids: IdNumbers) -> float:
    return sum(
        weight * COMPARATORS[name](a, b, ids)
        for name, weight in rule.weights.items()
        if name in COMPARATORS
    )


def _needs_ids(rule: DuplicateRule) -> bool:
    return "id_one_digit" in rule.weights


def merged_away_ids() -> set[int]:
    """Persons merged into another (kept, archived, never proposed again)."""
    return set(Merge.objects.filter(undone_at__isnull=True).values_list("merged_id", flat=True))


def _block_groups(block: str) -> tuple[list[list[int]], int]:
    """The person ids of every block of 2..MAX_BLOCK persons, and how many
    larger blocks were skipped."""
    columns = BLOCKS[block]
    table = connection.ops.quote_name(PersonKey._meta.db_table)
    cols = ", ".join(columns)
    not_empty = " AND ".join(
        f"{c} <> ''" if c != "birth_date" else f"{c} IS NOT NULL" for c in columns
    )
    groups: list[list[int]] = []
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {not_empty} "
            f"GROUP BY {cols} HAVING COUNT(*) > %s) big",
            [MAX_BLOCK],
        )
        skipped = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT {cols}, person_id FROM {table} WHERE {not_empty} AND ({cols}) IN "
            f"(SELECT {cols} FROM {table} WHERE {not_empty} "
            f"GROUP BY {cols} HAVING COUNT(*) BETWEEN 2 AND %s) "
            f"ORDER BY {cols}, person_id",
            [MAX_BLOCK],
        )
        current, members = None, []
        for row in cursor:
            key, person_id = row[:-1], row[-1]
            if key != current:
                if len(members) > 1:
                    groups.append(members)
                current, members = key, []
            members.append(person_id)
        if len(members) > 1:
            groups.append(members)
    return groups, skipped


def _married_pairs() -> Iterator[tuple[int, int]]:
    """Same employer, one's name is the other's name after its first character
    (王李芳 / 李芳): the employer blocks miss these, the surname differing and
    the given name too."""
    table = connection.ops.quote_name(PersonKey._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k1.person_id, k2.person_id FROM {table} k1 JOIN {table} k2 "
            "ON k2.employer = k1.employer AND k2.name = k1.given "
            "WHERE k1.employer <> '' AND k1.given <> '' AND k1.person_id <> k2.person_id"
        )
        yield from cursor


@dataclass
class Run:
    candidates: list[Candidate]
    skipped_blocks: dict[str, int]


def find_all(rules: list[DuplicateRule] | None = None) -> Run:
    """Every candidate pair over all persons: the best-scoring rule per pair."""
    rules = active_rules() if rules is None else rules
    excluded = merged_away_ids()
    pairs_by_rule: dict[int, set[tuple[int, int]]] = {rule.pk: set() for rule in rules}
    skipped: dict[str, int] = {}
    groups_of: dict[str, list[list[int]]] = {}
    for rule in rules:
        for block in rule.blocking:
            if block not in groups_of:
                groups_of[block], skipped[block] = _block_groups(block)
            for members in groups_of[block]:
                for i, a in enumerate(members):
                    for b in members[i + 1 :]:
                        pairs_by_rule[rule.pk].add((a, b))
        if _married(rule):
            for a, b in _married_pairs():
                pairs_by_rule[rule.pk].add((min(a, b), max(a, b)))

    wanted = {pk for pairs in pairs_by_rule.values() for pair in pairs for pk in pair}
    records = _records(wanted)
    ids = IdNumbers()
    found: dict[tuple[int, int], Candidate] = {}
    for rule in rules:
        pairs = [p for p in pairs_by_rule[rule.pk] if not (set(p) & excluded)]
        if _needs_ids(rule):
            ids.need(pk for pair in pairs for pk in pair)
        for a, b in pairs:
            value = score(rule, records[a], records[b], ids)
            if value >= rule.threshold and (a, b) not in found:
                found[(a, b)] = Candidate(a, b, rule, round(value, 2))
    return Run(sorted(found.values(), key=lambda c: (c.person_a, c.person_b)), skipped)


def _records(person_ids: Iterable[int]) -> dict[int, dict]:
    ids = sorted(person_ids)
    records = {}
    for start in range(0, len(ids), 900):
        for row in PersonKey.objects.filter(person_id__in=ids[start : start + 900]).values(
            *KEY_FIELDS
        ):
            records[row["person_id"]] = row
    return records


def find_for(values: dict, *, exclude: int | None = None) -> list[Candidate]:
    """Registered persons a new or edited record (its key values, keys.py) may
    duplicate; indexed lookups only. The candidates' person_a is the matched
    person, person_b `exclude` or 0."""
    return find_for_many([values], exclude=[exclude])[0]


def _lookup(block: str, records: list[dict]) -> dict[tuple, set[int]]:
    """Persons by their key in `block`, for the keys the records have."""
    columns = BLOCKS[block]
    keys = {tuple(r.get(c) for c in columns) for r in records}
    keys = sorted((k for k in keys if all(k)), key=str)
    found: dict[tuple, set[int]] = {}
    for start in range(0, len(keys), 300):
        chunk = set(keys[start : start + 300])
        rows = PersonKey.objects.all()
        for position, column in enumerate(columns):
            rows = rows.filter(**{f"{column}__in": {k[position] for k in chunk}})
        for person_id, *key in rows.values_list("person_id", *columns).iterator(2000):
            if tuple(key) in chunk:
                found.setdefault(tuple(key), set()).add(person_id)
    return found


def _married_lookup(records: list[dict]) -> dict[tuple, set[int]]:
    """(employer, name) → persons whose name or name after its first character
    is that name, at that employer (the married-name pattern, both ways)."""
    employers = {r["employer"] for r in records if r.get("employer")}
    names = {n for r in records if r.get("employer") for n in (r.get("name"), r.get("given")) if n}
    found: dict[tuple, set[int]] = {}
    employer_list, name_list = sorted(employers), sorted(names)
    for start in range(0, len(employer_list), 300):
        at = PersonKey.objects.filter(employer__in=employer_list[start : start + 300])
        for column in ("name", "given"):
            for n_start in range(0, len(name_list), 300):
                rows = at.filter(**{f"{column}__in": name_list[n_start : n_start + 300]})
                for person_id, employer, value in rows.values_list("person_id", "employer", column):
                    found.setdefault((column, employer, value), set()).add(person_id)
    return found


def find_for_many(records: list[dict], *, exclude: list[int | None]) -> list[list[Candidate]]:
    """find_for over many records at once (the rows of an import): one query
    per block and chunk of keys, not per row."""
    rules = active_rules()
    merged = merged_away_ids()
    blocks = {block for rule in rules for block in rule.blocking}
    index = {block: _lookup(block, records) for block in blocks}
    married = _married_lookup(records) if any(_married(rule) for rule in rules) else {}
    ids = IdNumbers()
    per_record: list[dict[int, set[int]]] = []
    for position, record in enumerate(records):
        own = exclude[position]
        candidates_by_rule = {}
        for rule in rules:
            found: set[int] = set()
            for block in rule.blocking:
                found |= index[block].get(tuple(record.get(c) for c in BLOCKS[block]), set())
            if _married(rule) and record.get("employer"):
                employer = record["employer"]
                found |= married.get(("name", employer, record.get("given")), set())
                found |= married.get(("given", employer, record.get("name")), set())
            found -= merged | {own}
            candidates_by_rule[rule.pk] = found
        per_record.append(candidates_by_rule)
    everyone = {pk for by_rule in per_record for found in by_rule.values() for pk in found}
    known = _records(everyone)
    if any(_needs_ids(rule) for rule in rules):
        ids.need(
            pk
            for by_rule in per_record
            for rule in rules
            if _needs_ids(rule)
            for pk in by_rule[rule.pk]
        )
    results = []
    for position, record in enumerate(records):
        own = exclude[position] or 0
        record = {**record, "person_id": own}
        if record.get("id_number"):
            ids[own] = record["id_number"]
        matches: dict[int, Candidate] = {}
        for rule in rules:
            for pk in per_record[position][rule.pk]:
                other = known.get(pk)
                if other is None or pk in matches:
                    continue
                value = score(rule, record, other, ids)
                if value >= rule.threshold:
                    matches[pk] = Candidate(pk, own, rule, round(value, 2))
        results.append(sorted(matches.values(), key=lambda c: -c.score))
    return results


def _married(rule: DuplicateRule) -> bool:
    return "name_similar" in rule.weights and "employer" in rule.weights


def entry_values(*, name, birth_date, id_number, mobile_hash, email, employer, pinyin) -> dict:
    """Key values of a record being entered (not saved yet), with its ID for
    the one-digit comparison."""
    values = key_values(
        name=name,
        pinyin=pinyin,
        birth_date=birth_date,
        mobile_hash=mobile_hash,
        email=email,
        employer=employer,
        id_number=id_number,
    )
    values["id_number"] = (id_number or "").strip().upper()
    values["name"] = normalise_name(name)[:50]
    return values
