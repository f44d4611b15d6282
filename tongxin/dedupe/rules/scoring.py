"""The rules' blocks and comparisons, and a pair's score: the arrays of rows
that whole-table runs and lookups both compare."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from rapidfuzz import process
from rapidfuzz.distance import Indel

from tongxin.core import pii
from tongxin.people.models import Person

from ..models import BLOCKINGS, COMPARISONS, DuplicateRule, Merge, PersonKey

# Columns of each block: persons agreeing on all of them are compared.

BLOCKS = {
    "pinyin_birth": ("pinyin", "birth_date"),
    "mobile": ("mobile_hash",),
    "email": ("email",),
    "employer_surname": ("employer", "surname"),
    "employer_given": ("employer", "given"),
    "id15": ("id15_hash",),
    "name_id_place": ("id_place_hash",),
    "name_id_year": ("id_year_hash",),
}
assert set(BLOCKS) == set(BLOCKINGS)

# A block larger than this is not a set of duplicates but a shared value (an
# office's switchboard number typed for every member, a placeholder e-mail):
# its pairs are skipped and counted (Run.skipped_blocks), at entry too.
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
    "id_place_hash",
    "id_year_hash",
]

# The key columns each comparison reads.
READS = {
    "name": ("name",),
    "name_or_pinyin": ("name", "pinyin"),
    "name_similar": ("name", "pinyin", "given"),
    "birth_date": ("birth_date",),
    "mobile": ("mobile_hash",),
    "email": ("email",),
    "employer": ("employer",),
    "id_15": ("id15_hash",),
    "id_one_digit": (),
}
assert set(READS) == set(COMPARISONS)

# Pairs scored per batch: bounds the temporary arrays (a few hundred MB at most).
BATCH = 500_000


class IdNumbers(dict):
    """Decrypted resident IDs, read for the pairs that need them only."""

    def need(self, ids: Iterable[int]) -> None:
        missing = sorted(pk for pk in {int(pk) for pk in ids} if pk > 0 and pk not in self)
        if not missing:
            return
        decrypt = pii.bulk_decryptor("id_number")
        table = connection.ops.quote_name(Person._meta.db_table)
        with connection.cursor() as cursor:
            for start in range(0, len(missing), 900):
                chunk = missing[start : start + 900]
                cursor.execute(
                    f"SELECT id, id_number FROM {table} WHERE id IN "
                    f"({', '.join(['%s'] * len(chunk))})",
                    chunk,
                )
                self.update((pk, decrypt(stored)) for pk, stored in cursor.fetchall())


class Rows:
    """Key values of many persons, column by column, as numpy object arrays
    (empty and NULL both ""), so that a comparison of millions of pairs is a
    few array operations; `ids` are person ids (negative for records being
    entered, not saved)."""

    def __init__(self, ids: Sequence[int], columns: dict[str, list]):
        self.ids = np.asarray(ids, dtype=np.int64)
        self._values = columns
        self._arrays: dict[str, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in self._arrays:
            values = self._values[column]
            array = np.empty(len(values), dtype=object)
            array[:] = values
            array[np.equal(array, None)] = ""
            self._arrays[column] = array
        return self._arrays[column]


def _same(column: str):
    def compare(rows: Rows, ia: np.ndarray, ib: np.ndarray, ids: IdNumbers) -> np.ndarray:
        a, b = rows[column][ia], rows[column][ib]
        return ((a != "") & (a == b)).astype(np.float64)

    return compare


def _same_name_or_pinyin(rows, ia, ib, ids) -> np.ndarray:
    name, pinyin = rows["name"], rows["pinyin"]
    same = (name[ia] == name[ib]) | ((pinyin[ia] != "") & (pinyin[ia] == pinyin[ib]))
    return same.astype(np.float64)


def _married_name(rows, ia, ib) -> np.ndarray:
    """Whether one's name is the other's after its first character (王李芳 /
    李芳), the shorter name having two characters or more."""
    name, given = rows["name"], rows["given"]
    married = np.zeros(len(ia), dtype=bool)
    for longer, shorter in ((ia, ib), (ib, ia)):
        hit = np.flatnonzero((given[longer] != "") & (given[longer] == name[shorter]))
        married[hit] |= np.array([len(name[i]) >= 2 for i in shorter[hit]], dtype=bool)
    return married


def _name_similarity(rows, ia, ib, ids) -> np.ndarray:
    """1 for the same name or pinyin; 0.95 for a married name (冠夫姓: the
    husband's surname before her own name); else the better of the
    normalised Indel similarities of the characters and of the pinyin."""
    exact = _same_name_or_pinyin(rows, ia, ib, ids) == 1.0
    married = _married_name(rows, ia, ib)
    names, pinyin = rows["name"], rows["pinyin"]
    scorer = Indel.normalized_similarity
    chars = process.cpdist(names[ia], names[ib], scorer=scorer, dtype=np.float64)
    sounds = process.cpdist(pinyin[ia], pinyin[ib], scorer=scorer, dtype=np.float64)
    sounds[pinyin[ia] == ""] = 0.0
    return np.where(exact, 1.0, np.where(married, 0.95, np.maximum(chars, sounds)))


def _one_digit_apart(rows, ia, ib, ids) -> np.ndarray:
    # The first 17 characters: a mistyped digit also changes the check digit,
    # unless (1 time in 11) the wrong number passes the check as well.
    ids.need(np.concatenate([rows.ids[ia], rows.ids[ib]]))
    scores = np.zeros(len(ia))
    for k, (a, b) in enumerate(zip(rows.ids[ia], rows.ids[ib], strict=True)):
        x, y = ids.get(int(a), "")[:17], ids.get(int(b), "")[:17]
        if len(x) == 17 and len(y) == 17 and sum(p != q for p, q in zip(x, y, strict=True)) == 1:
            scores[k] = 1.0
    return scores


def _different_ids_same_15(rows, ia, ib, ids) -> np.ndarray:
    # Both 18-digit IDs with one 15-digit form differ in the century or the
    # check digit; the same full ID cannot be registered twice.
    return _same("id15_hash")(rows, ia, ib, ids)


COMPARATORS = {
    "name": _same("name"),
    "name_or_pinyin": _same_name_or_pinyin,
    "name_similar": _name_similarity,
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


def scores(rule: DuplicateRule, rows: Rows, ia: np.ndarray, ib: np.ndarray, ids) -> np.ndarray:
    """The rule's score of each pair (rows ia[k], ib[k])."""
    total = np.zeros(len(ia))
    for name, weight in rule.weights.items():
        if name in COMPARATORS and len(ia):
            total += weight * COMPARATORS[name](rows, ia, ib, ids)
    return total


def _reads(rules: Iterable[DuplicateRule]) -> list[str]:
    columns = {c for rule in rules for name in rule.weights for c in READS.get(name, ())}
    return [c for c in KEY_FIELDS[1:] if c in columns]


def merged_away_ids(among: Iterable[int] | None = None) -> set[int]:
    """Persons merged into another (kept, archived, never proposed again);
    only those `among` the given ids when given."""
    merges = Merge.objects.filter(undone_at__isnull=True)
    if among is None:
        return set(merges.values_list("merged_id", flat=True))
    wanted, found = sorted(set(among)), set()
    for start in range(0, len(wanted), 900):
        chunk = wanted[start : start + 900]
        found |= set(merges.filter(merged_id__in=chunk).values_list("merged_id", flat=True))
    return found


def _table() -> str:
    return connection.ops.quote_name(PersonKey._meta.db_table)


def _not_empty(columns: Iterable[str]) -> str:
    return " AND ".join(f"{c} <> ''" if c != "birth_date" else f"{c} IS NOT NULL" for c in columns)


def _rows_of(person_ids: Iterable[int], reads: list[str]) -> Rows:
    wanted = sorted(set(person_ids))
    found = []
    for start in range(0, len(wanted), 900):
        found.extend(
            PersonKey.objects.filter(person_id__in=wanted[start : start + 900]).values_list(
                "person_id", *reads
            )
        )
    return Rows([r[0] for r in found], {c: [r[i + 1] for r in found] for i, c in enumerate(reads)})


def _married(rule: DuplicateRule) -> bool:
    return "name_similar" in rule.weights and "employer" in rule.weights
