"""Candidates for records being entered (the form, an import's rows): indexed
lookups of their keys only, many records in a few queries."""

import datetime
from collections.abc import Iterable

import numpy as np
from django.db import connection

from ..keys import KeyMaker

# Columns of each block: persons agreeing on all of them are compared.
from .scoring import (
    BLOCKS,
    KEY_FIELDS,
    MAX_BLOCK,
    Candidate,
    IdNumbers,
    Rows,
    _married,
    _table,
    active_rules,
    merged_away_ids,
    scores,
)


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
