"""Writing many new rows of one model at once, faster than bulk_create.

bulk_create compiles its SQL again for every chunk of ~20 rows on SQLite
(999 parameters a statement) and converts each value through the field; on a
100,000-row import that was most of the time (docs/benchmarks/imports.md).
Here the statement is prepared once: executemany on SQLite, COPY on
PostgreSQL. Only fields whose Python value is not already what the database
takes (dates, timestamps, files, JSON) go through Django's conversion.
"""

import datetime
import gc
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache, partial
from itertools import chain
from operator import itemgetter

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models.base import ModelState

# Field types whose attribute value goes to the database as it is.
_VERBATIM_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "ForeignKey",
        "IntegerField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside the block.

    A loop making a hundred thousand small objects (rows, model instances,
    checked import rows) triggers a full collection again and again, each one
    walking every object alive; that, not the work, dominated bulk inserts
    (NOTES.md: 4k → 12–17k rows/s) and took a sixth of an import's checking
    (docs/benchmarks/imports.md). Objects alive before the block are frozen
    out of later collections as well. Use it only around code that makes no
    cyclic garbage worth collecting before the block ends.
    """
    was_enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


BULK_PAGE_CACHE_KB = 8192


@contextmanager
def indexes_built_after(model, *, adding: int) -> Iterator[None]:
    """Inside the caller's transaction, add `adding` rows to `model`'s table
    with its plain indexes built once afterwards instead of row by row.

    Only on SQLite, and only when the rows added are at least as many as the
    rows already there (an office's first roster into a new database): filing
    98,500 rows into the person table's 20 plain indexes one row at a time
    cost 5.3 s more than into none, building the 20 indexes after them 1.3 s
    (docs/benchmarks/imports.md). Into a larger table, building them again
    would cost more than it saves. Unique indexes stay: the inserts are still
    checked against them. SQLite's DDL is transactional and other connections
    read their own snapshot (WAL): if the block fails, the rollback brings the
    indexes back, and no reader ever sees them missing. PostgreSQL files the
    rows in its own process while the client makes the next ones, and dropping
    an index there would lock out every reader of the table until the commit.
    """
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "sqlite" or adding <= 0:
        yield
        return
    if not db.in_atomic_block:
        raise RuntimeError("indexes_built_after: call it inside the transaction that inserts")
    table = model._meta.db_table
    with db.cursor() as cursor:
        # More rows already there than are added? (reads `adding` rows at most)
        cursor.execute(f"SELECT 1 FROM {db.ops.quote_name(table)} LIMIT 1 OFFSET %s", [adding])
        if cursor.fetchone() is not None:
            indexes = []
        else:
            cursor.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
                [table],
            )
            indexes = cursor.fetchall()
        for name, _sql in indexes:
            cursor.execute(f"DROP INDEX {db.ops.quote_name(name)}")
        if indexes:
            # The rows go to the end of the table once and are not read again:
            # a small page cache serves as well as the connection's 64 MB, which
            # otherwise fills with them (an import's peak 411 → 352 MB, the
            # same time; docs/benchmarks/imports.md).
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = {-BULK_PAGE_CACHE_KB}")
    try:
        yield
    finally:
        if indexes:
            with db.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    with db.cursor() as cursor:
        for _name, sql in indexes:
            cursor.execute(sql)


def insert_rows(model, objects: Iterable, *, now: datetime.datetime) -> int:
    """INSERT `objects` (unsaved instances of `model`) in one statement.

    `objects` may be a generator: each object is converted just before it is
    sent, so on PostgreSQL the server files the rows already received (indexes,
    constraint checks) while the caller is still making the next ones. Such a
    generator must not use the database: the connection is busy sending rows
    (psycopg would wait for itself for ever), so a query from it raises
    `QueryWhileSending` on either database instead.
    Primary keys are written when the objects have them (all or none); they
    are not read back otherwise. auto_now and auto_now_add fields get `now`.
    No signals are sent and save() is not called, as with bulk_create.
    Returns the number of rows written.
    """
    objects = iter(objects)
    first = next(objects, None)
    if first is None:
        return 0
    objects = chain([first], objects)
    # The connection itself, not django.db.connection: that proxy looks the
    # connection up again on every attribute read, a million times here.
    db = connections[DEFAULT_DB_ALIAS]
    with_pk = first.pk is not None
    fields = [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]
    # (position, function of the value) for the fields not written as they are.
    conversions = []
    stamped = []
    for position, field in enumerate(fields):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            stamp = field.get_db_prep_save(now, db)
            conversions.append((position, lambda _value, stamp=stamp: stamp))
            stamped.append(field.attname)
        elif getattr(field, "encrypted", False):
            # Resident IDs and mobiles are encrypted on the way in (core/pii.py).
            conversions.append((position, field.bulk_encryptor()))
        elif field.get_internal_type() not in _VERBATIM_TYPES:
            conversions.append((position, _converter(field, db)))
    values_of = itemgetter(*[f.attname for f in fields])
    alias = db.alias
    written = 0

    def rows():
        nonlocal written
        for obj in objects:
            state = obj.__dict__
            for attname in stamped:
                state[attname] = now
            row = list(values_of(state))
            for position, convert in conversions:
                row[position] = convert(row[position])
            obj._state.adding = False
            obj._state.db = alias
            written += 1
            yield row

    _send(db, model, [f.column for f in fields], rows())
    return written


def insert_values(model, attnames: list[str], rows: Iterable[Sequence]) -> int:
    """INSERT plain rows into `model`'s table in one statement, as
    `insert_rows` does, for rows already made of database values: each row
    holds the values of `attnames` in that order (`db_value` converts a
    constant once). No defaults, no conversion, no model instances: child
    rows of a bulk insert (an import's records, the tiers of new persons)
    cost a tenth of making each one a model first. Returns how many."""
    db = connections[DEFAULT_DB_ALIAS]
    column_of = {f.attname: f.column for f in model._meta.concrete_fields}
    columns = [column_of[name] for name in attnames]
    written = 0

    def counted():
        nonlocal written
        for row in rows:
            written += 1
            yield row

    _send(db, model, columns, counted())
    return written


def db_value(model, attname: str, value):
    """`value` as `model`'s field `attname` is written to the database."""
    (field,) = [f for f in model._meta.concrete_fields if f.attname == attname]
    return field.get_db_prep_save(value, connections[DEFAULT_DB_ALIAS])


def _send(db, model, columns: list[str], rows: Iterator[Sequence]) -> None:
    table = db.ops.quote_name(model._meta.db_table)
    column_list = ", ".join(db.ops.quote_name(c) for c in columns)
    # The driver's own cursor, past Django's execute wrappers (its errors still
    # reach callers as Django's), so that _refuse_queries sees only the others.
    with db.cursor() as cursor, db.wrap_database_errors, db.execute_wrapper(_refuse_queries):
        if db.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            cursor.cursor.executemany(
                f"INSERT INTO {table} ({column_list}) VALUES ({placeholders})", rows
            )


def _converter(field, db):
    """A function giving `field`'s database value of an attribute value.

    Dates and empty files, the common cases of a person row, skip Django's
    per-value preparation (≈2 µs each, three per person): psycopg sends a
    date as it is, SQLite takes its ISO text (what Django's adapter makes).
    """
    prepare = partial(field.get_db_prep_save, connection=db)
    kind = field.get_internal_type()
    if kind == "DateField":
        if db.vendor == "postgresql":
            return lambda value: (
                value if value is None or type(value) is datetime.date else prepare(value)
            )
        return lambda value: (
            None
            if value is None
            else value.isoformat()
            if type(value) is datetime.date
            else prepare(value)
        )
    if kind in {"FileField", "ImageField"}:
        return lambda value: value if type(value) is str else prepare(value)
    return prepare


class QueryWhileSending(RuntimeError):
    """A query from the generator `insert_rows` was reading objects from."""


def _refuse_queries(execute, sql, params, many, context):
    # Installed only while insert_rows sends its rows, which go past Django's
    # wrappers: any query through Django then comes from the objects' generator.
    raise QueryWhileSending(
        "insert_rows: the objects' generator queried the database while rows were "
        f"being sent ({sql[:60]}…); fetch what it needs before calling insert_rows"
    )


@cache
def _fields_of(model) -> tuple[dict, dict, list]:
    """({relation's name: its attname}, constant defaults by attname, fields
    with callable defaults)."""
    fields = model._meta.concrete_fields
    dynamic = [f for f in fields if f.has_default() and callable(f.default)]
    constant = {f.attname: f.get_default() for f in fields if f not in dynamic}
    return {f.name: f.attname for f in fields if f.is_relation}, constant, dynamic


def unsaved(model, values: dict):
    """An unsaved `model` instance holding `values`, for `insert_rows`.

    `values` is keyed by field name (related objects for foreign keys) or by
    attname; fields not given get their defaults. This is what Model.__init__
    leaves behind without its per-field descriptor calls, which at a hundred
    thousand wide rows cost more than the insert itself.
    """
    relations, constant, dynamic = _fields_of(model)
    attrs = dict(constant)
    for field in dynamic:
        attrs[field.attname] = field.get_default()
    attrs.update(values)
    for name in relations.keys() & values.keys():
        value = attrs.pop(name)
        attrs[relations[name]] = None if value is None else value.pk
    obj = model.__new__(model)
    obj.__dict__.update(attrs)
    obj._state = ModelState()
    return obj
