"""Finding candidate pairs: block on indexed keys, then score with the rules.

A rule (models.DuplicateRule) names the blocks its candidates come from and
the comparisons it scores, each with a weight; a pair whose score reaches
the rule's threshold is a candidate. Blocking keeps it fast at a million
persons: each block is one indexed GROUP BY over PersonKey, and only
persons sharing a block are compared (CiviCRM's per-criterion queries over
the whole table are what makes its built-in dedupe slow at this scale).

Pairs are scored many at once: each comparison takes two arrays of row
positions (`Rows`) and answers an array of scores, equalities on object
arrays, similarities by rapidfuzz's `process.cpdist` in C++. The 1M benchmark
compares about 3 million pairs; one Python call per pair took most of a
quarter of an hour there (docs/benchmarks/dedupe.md).
"""

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from django.db import connection
from rapidfuzz import process
from rapidfuzz.distance import Indel

from tongxin.core import pii
from tongxin.people.models import Person

from .keys import KeyMaker
from .models import BLOCKINGS, COMPARISONS, DuplicateRule, Merge, PersonKey

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


def _block_rows(block: str, reads: list[str]) -> tuple[Rows, np.ndarray, np.ndarray, int]:
    """The persons of every block of 2..MAX_BLOCK persons with the columns
    the rules read: (rows, each block's first row, each block's size, how
    many larger blocks were skipped). One GROUP BY over the block's index
    finds the blocks; the rows come ordered by block."""
    columns = BLOCKS[block]
    table, cols, not_empty = _table(), ", ".join(columns), _not_empty(columns)
    extra = [c for c in reads if c not in columns]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE {not_empty} "
            f"GROUP BY {cols} HAVING COUNT(*) > %s) big",
            [MAX_BLOCK],
        )
        skipped = cursor.fetchone()[0]
        cursor.execute(
            f"SELECT person_id, {', '.join([*columns, *extra])} FROM {table} "
            f"WHERE {not_empty} AND ({cols}) IN (SELECT {cols} FROM {table} WHERE {not_empty} "
            f"GROUP BY {cols} HAVING COUNT(*) BETWEEN 2 AND %s) ORDER BY {cols}, person_id",
            [MAX_BLOCK],
        )
        fetched = cursor.fetchall()
    names = [*columns, *extra]
    values = {name: [row[i + 1] for row in fetched] for i, name in enumerate(names)}
    rows = Rows([row[0] for row in fetched], values)
    del fetched
    if not len(rows):
        return rows, np.zeros(0, np.int64), np.zeros(0, np.int64), skipped
    # A block starts where any of its columns changes (the rows are ordered by them).
    changed = np.zeros(len(rows), dtype=bool)
    changed[0] = True
    for column in columns:
        values = rows[column]
        changed[1:] |= values[1:] != values[:-1]
    starts = np.flatnonzero(changed)
    sizes = np.diff(np.append(starts, len(rows)))
    return rows, starts, sizes, skipped


_TRIANGLES: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _pairs_within(starts: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every pair of rows inside each block (i before j), blocks of one size at a time."""
    firsts, seconds = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
    for size in np.unique(sizes):
        if size not in _TRIANGLES:
            _TRIANGLES[int(size)] = np.triu_indices(int(size), 1)
        i, j = _TRIANGLES[int(size)]
        at = starts[sizes == size][:, None]
        firsts.append((at + i).ravel())
        seconds.append((at + j).ravel())
    return np.concatenate(firsts), np.concatenate(seconds)


def _married_pairs() -> Iterator[tuple[int, int]]:
    """Same employer, one's name is the other's name after its first character
    (王李芳 / 李芳): the employer blocks miss these, the surname differing and
    the given name too."""
    table = _table()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k1.person_id, k2.person_id FROM {table} k1 JOIN {table} k2 "
            "ON k2.employer = k1.employer AND k2.name = k1.given "
            "WHERE k1.employer <> '' AND k1.given <> '' AND k1.person_id <> k2.person_id"
        )
        yield from cursor


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


@dataclass
class Run:
    candidates: list[Candidate]
    skipped_blocks: dict[str, int]


class _Found:
    """The best pair per (a, b): the first rule (in the rules' order) that finds it."""

    def __init__(self, rules: list[DuplicateRule]):
        self.order = {rule.pk: position for position, rule in enumerate(rules)}
        self.pairs: dict[tuple[int, int], Candidate] = {}

    def add(self, rule, rows: Rows, ia, ib, ids, excluded: np.ndarray) -> None:
        a_ids, b_ids = rows.ids[ia], rows.ids[ib]
        keep = ~(np.isin(a_ids, excluded) | np.isin(b_ids, excluded))
        ia, ib, a_ids, b_ids = ia[keep], ib[keep], a_ids[keep], b_ids[keep]
        for start in range(0, len(ia), BATCH):
            part = slice(start, start + BATCH)
            values = scores(rule, rows, ia[part], ib[part], ids)
            for k in np.flatnonzero(values >= rule.threshold):
                a, b = int(a_ids[part][k]), int(b_ids[part][k])
                pair = (a, b) if a < b else (b, a)
                known = self.pairs.get(pair)
                if known is None or self.order[known.rule.pk] > self.order[rule.pk]:
                    self.pairs[pair] = Candidate(*pair, rule, round(float(values[k]), 2))


def find_all(rules: list[DuplicateRule] | None = None) -> Run:
    """Every candidate pair over all persons: the first rule that finds a pair names it."""
    rules = active_rules() if rules is None else rules
    excluded = np.array(sorted(merged_away_ids()), dtype=np.int64)
    found, ids = _Found(rules), IdNumbers()
    skipped: dict[str, int] = {}
    blocks = list(dict.fromkeys(block for rule in rules for block in rule.blocking))
    for block in blocks:
        users = [rule for rule in rules if block in rule.blocking]
        rows, starts, sizes, skipped[block] = _block_rows(block, _reads(users))
        ia, ib = _pairs_within(starts, sizes)
        for rule in users:
            found.add(rule, rows, ia, ib, ids, excluded)
        del rows, ia, ib
    married_rules = [rule for rule in rules if _married(rule)]
    if married_rules:
        pairs = list(_married_pairs())
        rows = _rows_of((pk for pair in pairs for pk in pair), _reads(married_rules))
        position = {int(pk): i for i, pk in enumerate(rows.ids)}
        ia = np.array([position[a] for a, _b in pairs], dtype=np.int64)
        ib = np.array([position[b] for _a, b in pairs], dtype=np.int64)
        for rule in married_rules:
            found.add(rule, rows, ia, ib, ids, excluded)
    candidates = sorted(found.pairs.values(), key=lambda c: (c.person_a, c.person_b))
    return Run(candidates, skipped)


def find_for(values: dict, *, exclude: int | None = None) -> list[Candidate]:
    """Registered persons a new or edited record (its key values, keys.py) may
    duplicate; indexed lookups only. The candidates' person_a is the matched
    person, person_b `exclude` or 0."""
    return find_for_many([values], exclude=[exclude])[0]


BIRTH = KEY_FIELDS.index("birth_date")


def _plain(value):
    """A key value as SQLite's plain SQL returns it (dates as ISO text)."""
    if isinstance(value, datetime.date) and connection.vendor == "sqlite":
        return value.isoformat()
    return value


def _lookup(blocks: Iterable[str], records: list[dict], married: bool) -> tuple[dict, dict]:
    """The registered persons sharing a key with the records: {(block, key):
    person ids} (keys shared by more than MAX_BLOCK persons left out, as in
    the full run) and each person's key row.

    One UNION ALL of indexed lookups per chunk of keys, written as SQL: at
    entry (one record) the ORM's compiling of ten querysets cost more than
    running them. "married:name" and "married:given" find, at the record's
    employer, the persons named like its given name or given like its name
    (冠夫姓, both ways)."""
    wanted: dict[str, tuple[tuple[str, ...], set[tuple]]] = {}
    for block in blocks:
        columns = BLOCKS[block]
        keys = zip(*([r.get(c) for r in records] for c in columns), strict=True)
        wanted[block] = (columns, {k for k in keys if all(k)})
    if married:
        with_employer = [r for r in records if r.get("employer")]
        for column, other in (("name", "given"), ("given", "name")):
            keys = {(r["employer"], r.get(other)) for r in with_employer if r.get(other)}
            wanted[f"married:{column}"] = (("employer", column), keys)
    table, select = _table(), ", ".join(KEY_FIELDS)
    at = {label: [KEY_FIELDS.index(c) for c in columns] for label, (columns, _k) in wanted.items()}
    found: dict[tuple, set[int]] = {}
    rows: dict[int, tuple] = {}
    for group in _lookup_groups(wanted):
        parts, params = [], []
        for label, columns, keys in group:
            limit = f" LIMIT {MAX_BLOCK + 1}" if len(keys) == 1 else ""
            params.append(label)
            if len(keys) > 1 and connection.vendor == "postgresql":
                # One array a column: a few parameters however many keys.
                arrays = ", ".join(f"%s::{_ARRAY_TYPES.get(c, 'text[]')}" for c in columns)
                where = f"({', '.join(columns)}) IN (SELECT * FROM unnest({arrays}))"
                params.extend([key[position] for key in keys] for position in range(len(columns)))
            else:
                where = " AND ".join(f"{c} IN ({', '.join(['%s'] * len(keys))})" for c in columns)
                for position in range(len(columns)):
                    params.extend(key[position] for key in keys)
            parts.append(
                f"SELECT * FROM (SELECT %s AS block, {select} FROM {table} "
                f"WHERE {where}{limit}) AS t{len(parts)}"
            )
        fetched = _fetch(" UNION ALL ".join(parts), params)
        asked: dict[str, set] = {}
        for label, _c, keys in group:  # a label's several chunks: all their keys
            asked.setdefault(label, set()).update(keys)
        for label, *row in fetched:
            row[BIRTH] = _plain(row[BIRTH])
            key = tuple(row[i] for i in at[label])
            if key in asked[label]:
                found.setdefault((label, key), set()).add(row[0])
                rows[row[0]] = row
    return {k: v for k, v in found.items() if len(v) <= MAX_BLOCK}, rows


def _fetch(sql: str, params: list) -> list[tuple]:
    """The rows of `sql`. On PostgreSQL the parameters are sent apart from the
    SQL (server-side binding): Django's client-side binding writes every key
    of an import's arrays into the SQL text as a quoted literal, 2–3 CPU s at
    100,000 rows."""
    if connection.vendor != "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    import psycopg

    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


LOOKUP_KEYS = 300  # keys per IN list
LOOKUP_PARTS = 16  # IN lists per UNION ALL query
_ARRAY_TYPES = {"birth_date": "date[]"}  # PostgreSQL's arrays of keys; the rest are text


def _lookup_groups(wanted: dict) -> list[list[tuple]]:
    """The (label, columns, keys) chunks of _lookup, LOOKUP_PARTS to a query.

    One record's keys (one key a block: a form's check) go into one query.
    Many records' keys are cut into chunks of exactly LOOKUP_KEYS (the last
    one padded with its last key) and each block's chunks queried on their
    own: the SQL text then takes a few shapes only. With chunks of every
    size and blocks mixed, every query of an import was new, and SQLite's
    driver kept the last 128 prepared (≈0.7 MB each with 4,800 parameters):
    +85 MB at 100,000 rows (docs/benchmarks/imports.md). PostgreSQL takes
    each block's keys as one array a column instead: adapting and planning
    thousands of parameters a query took 5.9 of the import's 27 CPU s there.
    """
    single, groups = [], []
    for label, (columns, keys) in wanted.items():
        ordered = sorted(keys)  # once per block, not once per chunk of it
        if len(ordered) == 1:
            single.append((label, columns, ordered))
            continue
        if ordered and connection.vendor == "postgresql":  # keys as arrays: one part a block
            groups.append([(label, columns, ordered)])
            continue
        chunks = []
        for start in range(0, len(ordered), LOOKUP_KEYS):
            chunk = ordered[start : start + LOOKUP_KEYS]
            chunks.append((label, columns, chunk + chunk[-1:] * (LOOKUP_KEYS - len(chunk))))
        groups += [chunks[at : at + LOOKUP_PARTS] for at in range(0, len(chunks), LOOKUP_PARTS)]
    singles = [single[at : at + LOOKUP_PARTS] for at in range(0, len(single), LOOKUP_PARTS)]
    return singles + groups


def find_for_many(records: list[dict], *, exclude: list[int | None]) -> list[list[Candidate]]:
    """find_for over many records at once (the rows of an import): a few
    queries for all of them (_lookup), not one per row."""
    rules = active_rules()
    # Dates as the database returns them from plain SQL (ISO text on SQLite).
    records = [{**r, "birth_date": _plain(r.get("birth_date"))} for r in records]
    blocks = {block for rule in rules for block in rule.blocking}
    index, known = _lookup(blocks, records, any(_married(rule) for rule in rules))
    merged = merged_away_ids(known)
    matches: list[dict[int, Candidate]] = [{} for _ in records]
    hits = _hits_by_record(index, records)
    # Each record that shares a key with someone against its candidates, per
    # rule: rows of those records (ids -1, -2, … by position) followed by the
    # registered persons found. An import's rows mostly share none.
    sharing = sorted({position for found in hits.values() for position in found})
    if not sharing:
        return [[] for _ in records]
    ids = IdNumbers()
    for position in sharing:
        ids[-(position + 1)] = records[position].get("id_number") or ""
    persons = sorted(known)
    columns = {
        c: [records[position].get(c) for position in sharing] + [known[pk][i] for pk in persons]
        for i, c in enumerate(KEY_FIELDS)
        if c != "person_id"
    }
    rows = Rows([-(position + 1) for position in sharing] + persons, columns)
    row_of_record = {position: i for i, position in enumerate(sharing)}
    row_of = {pk: len(sharing) + i for i, pk in enumerate(persons)}
    for rule in rules:
        pairs = []
        labels = [*rule.blocking, *(("married:name", "married:given") if _married(rule) else ())]
        for position, found in _found_by_record(hits, labels):
            found -= merged | {exclude[position]} | set(matches[position])
            pairs.extend((row_of_record[position], row_of[pk]) for pk in sorted(found))
        if not pairs:
            continue
        ia = np.array([a for a, _b in pairs], dtype=np.int64)
        ib = np.array([b for _a, b in pairs], dtype=np.int64)
        values = scores(rule, rows, ia, ib, ids)
        for k in np.flatnonzero(values >= rule.threshold):
            position, pk = sharing[int(ia[k])], int(rows.ids[ib[k]])
            own = exclude[position] or 0
            matches[position][pk] = Candidate(pk, own, rule, round(float(values[k]), 2))
    return [sorted(m.values(), key=lambda c: -c.score) for m in matches]


def _hits_by_record(index: dict, records: list[dict]) -> dict[str, dict[int, set[int]]]:
    """{label: {record position: registered persons sharing its key}}, only
    for the records with such persons: an import's rows mostly have none, so
    the rules below look at those few instead of every row again."""
    labels: dict[str, dict[tuple, set[int]]] = {}
    for (label, key), ids in index.items():
        labels.setdefault(label, {})[key] = ids
    hits: dict[str, dict[int, set[int]]] = {}
    for label, by_key in labels.items():
        if label.startswith("married:"):
            other = "given" if label == "married:name" else "name"
            keys = (
                (r.get("employer"), r.get(other)) if r.get("employer") else None for r in records
            )
        else:
            columns = BLOCKS[label]
            keys = (tuple(r.get(c) for c in columns) for r in records)
        found = {}
        for position, key in enumerate(keys):
            ids = by_key.get(key)
            if ids:
                found[position] = ids
        hits[label] = found
    return hits


def _found_by_record(hits: dict, labels: list[str]) -> list[tuple[int, set[int]]]:
    """(record position, persons found) through any of `labels`, by position."""
    found: dict[int, set[int]] = {}
    for label in labels:
        for position, ids in hits.get(label, {}).items():
            found.setdefault(position, set()).update(ids)
    return sorted(found.items())


def entry_values(
    *, name, birth_date, id_number, mobile_hash, email, employer, pinyin,
    maker: KeyMaker | None = None,
) -> dict:  # fmt: skip
    """Key values of a record being entered (not saved yet), with its ID for
    the one-digit comparison; `maker` binds the keys once for many records."""
    values = (maker or KeyMaker())(
        name=name,
        pinyin=pinyin,
        birth_date=birth_date,
        mobile_hash=mobile_hash,
        email=email,
        employer=employer,
        id_number=id_number,
    )
    values["id_number"] = (id_number or "").strip().upper()
    return values
