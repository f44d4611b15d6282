"""Grouped counts kept current from the history rows written since they were counted.

A grouped count over a million persons walks a million index entries (0.1 to
0.5 s) and is asked for on every home and structure page, while a change
touches a handful of persons. Every write to a tracked model adds a
simple-history row that is a whole snapshot of the row after the write (a
"-" row on deletion), so the counts after a change are the counts before it,
minus what the changed persons contributed then, plus what they contribute
now:

- "now" is the same query, narrowed to the changed persons (`pk__in`);
- "then" is the same SQL with each tracked table read as it was when the
  counts were taken: its latest history row up to the counted version.

Both come from the caller's own queryset, so a kept count and a full count
are one query path (the property tests in core/tests/test_kept_counts.py
compare them after random sequences of writes). A full count is taken when
nothing is kept, when many rows changed, when history rows were deleted
(erasure resets every figure, see `versioned_cache.figures_reset`), when a
transaction committed history ids below the counted version after the count
(PostgreSQL hands out ids before commit), and periodically in the worker.
"""

import hashlib
import re
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import Max, Model, QuerySet

from .versioned_cache import data_version, figures_epoch, refresh_older_than, remembered

# More changed rows than this since the kept count: count afresh (the delta
# queries take an IN list of ids; a full count is cheaper past a few thousand).
MAX_CHANGED = 5000
# History ids this far below a kept count's version are checked for rows that
# committed after the count (out of id order).
LATE_WINDOW = 50_000
# A kept count is counted afresh when older than this: in the task worker's
# refresh runs after FULL_RECOUNT_SECONDS, in a request after a day.
FULL_RECOUNT_SECONDS = 1800
MAX_AGE_SECONDS = 86_400


@dataclass
class _Kept:
    version: tuple[int, ...]
    window: tuple[int, ...]  # history rows in (version - LATE_WINDOW, version], per model
    counts: dict
    counted_at: float


def kept_counts(
    rows: QuerySet,
    *,
    models: tuple[type[Model], ...] = (),
    links: dict[type[Model], str] | None = None,
    fold=None,
    stand_ins: dict[str, str] | None = None,
):
    """{grouped values: n} of `rows`, a `values_list(...).annotate(n=...)` query
    over a tracked model (a tuple of counts when it annotates several).

    `models` are the tracked models whose rows the counts depend on, the
    queryset's own model first; `links` names, for each other one, its column
    holding the id of the first model's row (e.g. {PersonReview: "person_id"}).
    `fold`, if given, turns the counts into what the caller keeps (e.g. sums).
    `stand_ins` names, for a column the history does not keep, the history
    column that holds its value (e.g. {"updated_at": "history_date"}: every
    save writes both); other columns missing from the history read as NULL.
    Returned from the cache while the data is as it was; otherwise the kept
    counts are brought up to date (see the module docstring).
    """
    fold = fold or (lambda counts: counts)
    models = models or (rows.model,)
    links = links or {}
    if models[0] is not rows.model or set(models[1:]) != set(links):
        raise ValueError("kept_counts: models must start with the query's model, links the rest")
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a user who sees no persons
        return fold({})

    def count():
        return fold(_current(rows, sql, params, models, links, stand_ins or {}))

    return remembered("counts", (sql, params, data_version(*models)), count)


def _current(rows, sql, params, models, links, stand_ins) -> dict:
    key = "kept-counts:" + hashlib.sha1(repr((sql, params, figures_epoch())).encode()).hexdigest()
    # The database the rows are read from: the replica on pages that may read
    # it (core/db_router.py); the version and the counts come from the same one.
    with _snapshot(rows.db):
        version, window = _version(models, rows.db)
        kept = cache.get(key)
        counts = _brought_up_to_date(kept, version, rows, sql, params, models, links, stand_ins)
        if counts is None:
            counts, counted_at = _grouped(rows), time.time()
        else:
            counted_at = kept.counted_at
    cache.set(key, _Kept(version, window, counts, counted_at), MAX_AGE_SECONDS)
    return counts


class _snapshot:
    """One consistent view of the data for the version and the counts read
    under it (SQLite's read transaction is one already; PostgreSQL needs
    REPEATABLE READ). Inside a caller's transaction, that transaction's view."""

    def __init__(self, using: str):
        self.using = using

    def __enter__(self):
        self.atomic = None
        connection = connections[self.using]
        if not connection.in_atomic_block:
            self.atomic = transaction.atomic(using=self.using)
            self.atomic.__enter__()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")

    def __exit__(self, *exc):
        if self.atomic is not None:
            return self.atomic.__exit__(*exc)
        return False


def _grouped(rows: QuerySet, raw: tuple[str, list] | None = None) -> dict:
    """{grouped values: count(s)} of `rows`, or of the raw SQL given in its place."""
    width = len(rows.query.values_select)  # the grouped columns, then the counts
    single = len(rows.query.annotation_select) == 1
    if raw is None:
        result = rows.all()  # a fresh query, never a queryset's cached rows
    else:
        with connections[rows.db].cursor() as cursor:
            cursor.execute(*raw)
            result = cursor.fetchall()
    return {
        (row[:width] if width > 1 else row[0]): (row[width] if single else tuple(row[width:]))
        for row in result
    }


def _version(models, using: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(the newest history id of each model, as `data_version` reads it; how
    many history rows each has in the LATE_WINDOW ids up to that), one query each."""
    version, window = [], []
    connection = connections[using]
    qn = connection.ops.quote_name
    for model in models:
        table = qn(model.history.model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT newest, (SELECT COUNT(*) FROM {table} WHERE history_id > newest - %s) "
                f"FROM (SELECT COALESCE(MAX(history_id), 0) AS newest FROM {table}) AS v",
                [LATE_WINDOW],
            )
            newest, recent = cursor.fetchone()
        version.append(newest)
        window.append(recent)
    return tuple(version), tuple(window)


def _window(models, version) -> tuple[int, ...]:
    return tuple(
        model.history.filter(history_id__gt=v - LATE_WINDOW, history_id__lte=v).count()
        for model, v in zip(models, version, strict=True)
    )


def _brought_up_to_date(kept, version, rows, sql, params, models, links, stand_ins) -> dict | None:
    """The kept counts with the changes since applied, or None when a full count is due."""
    if kept is None or len(kept.version) != len(version):
        return None
    age = time.time() - kept.counted_at
    older_than = refresh_older_than()
    if age > MAX_AGE_SECONDS or (older_than is not None and age > FULL_RECOUNT_SECONDS):
        return None
    if any(now < then for now, then in zip(version, kept.version, strict=True)):
        return None  # history rows were deleted
    if kept.version == version:
        return kept.counts
    if _window(models, kept.version) != kept.window:
        return None  # a transaction committed ids below the kept version since
    changed: set[int] = set()
    for model, then, now in zip(models, kept.version, version, strict=True):
        column = links.get(model, "id")
        ids = list(
            model.history.filter(history_id__gt=then, history_id__lte=now).values_list(
                column, flat=True
            )[: MAX_CHANGED + 1]
        )
        changed.update(i for i in ids if i is not None)
        if len(ids) > MAX_CHANGED or len(changed) > MAX_CHANGED:
            return None
    if not changed:
        return kept.counts
    ids = sorted(changed)
    before = _grouped(rows, _as_of(sql, params, models, links, kept.version, ids, stand_ins))
    after = _grouped(rows.filter(pk__in=ids))
    counts = dict(kept.counts)
    for key, n in before.items():
        counts[key] = _add(counts.get(key), n, -1)
    for key, n in after.items():
        counts[key] = _add(counts.get(key), n, 1)
    # Only the changed persons' groups can have come to nothing: checking
    # those, not every group, saves a pass over tens of thousands of them.
    for key in before.keys() | after.keys():
        n = counts[key]
        if n == 0 or n == (0,) * _width(n):
            del counts[key]
    return counts


def _width(n) -> int:
    return len(n) if isinstance(n, tuple) else 1


def _add(total, n, sign: int):
    if isinstance(n, tuple):
        total = total or (0,) * len(n)
        return tuple(a + sign * b for a, b in zip(total, n, strict=True))
    return (total or 0) + sign * n


def _as_of(sql, params, models, links, version, ids, stand_ins) -> tuple[str, list]:
    """`sql` with each tracked table replaced by its rows as they were at
    `version` (the latest history row up to it, unless a deletion), for the
    rows of the changed ids only: the first model's own, the others' by link."""
    for model, then in zip(models, version, strict=True):
        history = model.history.model
        column = links.get(model, "id")
        latest = list(
            history.objects.filter(**{f"{column}__in": ids}, history_id__lte=then)
            .order_by()
            .values("id")
            .annotate(last=Max("history_id"))
            .values_list("last", flat=True)
        )
        sql = _replace_table(sql, model, history, latest, stand_ins)
    return sql, params


def _replace_table(sql: str, model, history, history_ids: list[int], stand_ins) -> str:
    qn = connections[model.objects.db].ops.quote_name
    present = {f.column for f in history._meta.concrete_fields}

    def column(name: str) -> str:
        if name in present:
            return qn(name)
        if stand_ins.get(name) in present:
            return f"{qn(stand_ins[name])} AS {qn(name)}"
        return f"NULL AS {qn(name)}"

    columns = ", ".join(column(f.column) for f in model._meta.concrete_fields)
    # The ids are integers read from our own history table, never user input.
    chosen = ", ".join(str(int(i)) for i in history_ids) or "NULL"
    table = (
        f"(SELECT {columns} FROM {qn(history._meta.db_table)} "
        f"WHERE {qn('history_id')} IN ({chosen}) AND {qn('history_type')} <> '-')"
    )
    name = qn(model._meta.db_table)
    # Django writes a table as `FROM "t"` or, in subqueries, `FROM "t" U0`.
    pattern = re.compile(rf"\b(FROM|JOIN) {re.escape(name)}( [A-Z]\d+\b)?")
    replaced, n = pattern.subn(lambda m: f"{m[1]} {table}{m[2] or ' ' + name}", sql)
    if n == 0:
        raise ValueError(f"kept_counts: {name} is not read by the query")
    return replaced
