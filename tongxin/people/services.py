"""Every write to a person goes through here: validated, versioned, in one
transaction, with a history row and an audit entry."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import registries, writes
from tongxin.core.bulk import gc_paused, indexes_built_after, insert_rows
from tongxin.core.tasks import figures_changed

from . import search_index
from .completeness import unread_note
from .models import IDENTIFIER_FIELDS, PERSON_FORM_FIELDS, Person
from .search import derived_fields
from .validators import mask_mobile, mask_resident_id


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: str
    new: str


class StaleEditError(writes.StaleEditError):
    """Someone else saved the person after the form was opened; `changes` says what."""

    def __init__(self, changes: list[FieldChange], current_version: int):
        self.changes = changes
        super().__init__(current_version, "该人员信息已被他人修改")


def _field_label(field: str) -> str:
    return str(Person._meta.get_field(field).verbose_name)


def display_value(field: str, value, *, masked: bool = True) -> str:
    """How a stored value reads to a person (masked identifiers by default)."""
    if value is None or value == "":
        return ""
    model_field = Person._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if model_field.is_relation:
        if hasattr(value, "_meta"):
            return str(value)
        related = model_field.related_model.objects.filter(pk=value).first()
        return str(related) if related else str(value)
    if masked and field == "id_number":
        return mask_resident_id(value)
    if masked and field == "mobile":
        return mask_mobile(value)
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def _raw(person: Person, field: str):
    model_field = Person._meta.get_field(field)
    return getattr(person, model_field.attname)


def _normalise(value):
    if hasattr(value, "_meta"):
        return value.pk
    return value


def diff_person(before: Person, data: dict) -> dict[str, tuple]:
    """{field: (old raw, new raw)} for fields of `data` that differ from `before`."""
    changed = {}
    for field, new in data.items():
        old = _raw(before, field)
        if _normalise(new) != old and not (old in (None, "") and new in (None, "")):
            changed[field] = (old, _normalise(new))
    return changed


def _audit_changes(changed: dict[str, tuple]) -> dict:
    return {
        field: [display_value(field, old), display_value(field, new)]
        for field, (old, new) in changed.items()
    }


@transaction.atomic
def person_create(
    *, actor, data: dict, request=None, reason: str = "新增登记", unread: Iterable[str] = ()
) -> Person:
    """Register a new person from already-validated form data.

    `unread`: fields given in a form that could not be read and left blank
    (the person is 待补充 for them, people/completeness.py)."""
    person = Person(**{f: v for f, v in data.items() if f in PERSON_FORM_FIELDS or f == "photo"})
    person.unread_fields = unread_note(unread)
    derived = derived_fields(name=person.name, id_number=person.id_number, mobile=person.mobile)
    for field, value in derived.items():
        setattr(person, field, value)
    person.version = 1

    def tell_listeners() -> None:
        for listener in registries.persons_created:
            listener([person])

    return writes.create_audited(
        person,
        actor=actor,
        changes={
            f: [None, display_value(f, _raw(person, f))]
            for f in PERSON_FORM_FIELDS
            if _raw(person, f) not in (None, "")
        },
        reason=reason,
        request=request,
        before_audit=tell_listeners,
    )


@transaction.atomic
def person_update(
    *,
    actor,
    person: Person,
    data: dict,
    expected_version: int,
    request=None,
    reason: str = "修改",
    unread: Iterable[str] = (),
) -> Person:
    """Apply `data` if nobody saved the person since `expected_version`.

    `unread`: fields whose given value could not be read and were left out of
    `data`; they are noted for completion (people/completeness.py).
    Raises StaleEditError naming what the other save changed, so the user can
    redo their edit on top of it; nothing is overwritten silently.
    """
    current = writes.lock(Person.objects, person.pk)
    refuse_if_stale(current, expected_version)

    changed = diff_person(current, data)
    photo_changed = "photo" in data and data["photo"] != current.photo
    note = unread_note(unread, before=current.unread_fields)
    if not changed and not photo_changed and note == current.unread_fields:
        return current
    for field in changed:
        setattr(current, Person._meta.get_field(field).name, data[field])
    if photo_changed:
        current.photo = data["photo"]
    update_fields = set(changed) | ({"photo"} if photo_changed else set())
    if note != current.unread_fields:
        current.unread_fields = note
        update_fields.add("unread_fields")
    if update_fields & {"name", "id_number", "mobile"}:
        derived = derived_fields(
            name=current.name, id_number=current.id_number, mobile=current.mobile
        )
        for field, value in derived.items():
            setattr(current, field, value)
            update_fields.add(field)
    audit_changes = _audit_changes(changed)
    if photo_changed:
        audit_changes["photo"] = ["", "已更换照片"]
    return writes.save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=update_fields,
        action=AuditEntry.Action.UPDATE,
        changes=audit_changes,
        reason=reason,
        request=request,
    )


def refuse_if_stale(current: Person, expected_version: int | None) -> None:
    """Raise StaleEditError when `current` (read under its row lock) is no longer
    the version the user's page showed; None means the caller did not say."""
    if expected_version is not None and current.version != expected_version:
        raise StaleEditError(changes_since(current, expected_version), current.version)


def changes_since(current: Person, version: int) -> list[FieldChange]:
    """What was saved to `current` after `version`, for a refused stale write."""
    base = current.history.filter(version=version).order_by("-history_id").first()
    if base is None:
        return []
    result = []
    for field in PERSON_FORM_FIELDS + ["status", "archived_reason"]:
        old = getattr(base, Person._meta.get_field(field).attname)
        new = _raw(current, field)
        if old != new:
            result.append(
                FieldChange(
                    field, _field_label(field), display_value(field, old), display_value(field, new)
                )
            )
    return result


@transaction.atomic
def person_archive(
    *,
    actor,
    person: Person,
    reason: str,
    on_date: datetime.date,
    note: str = "",
    expected_version: int | None = None,
    request=None,
) -> Person:
    """Take a person out of the active database (出库). Never a deletion."""
    current = writes.lock(Person.objects, person.pk)
    refuse_if_stale(current, expected_version)
    if current.is_archived:
        raise ValueError("该人员已出库")
    current.status = Person.Status.ARCHIVED
    current.archived_reason = reason
    current.archived_on = on_date
    current.archived_note = note
    label = Person.ArchiveReason(reason).label
    return writes.save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=["status", "archived_reason", "archived_on", "archived_note"],
        action=AuditEntry.Action.ARCHIVE,
        changes={"archived_reason": label, "archived_on": on_date.isoformat(), "note": note},
        reason=f"出库：{label}" + (f"（{note}）" if note else ""),
        request=request,
    )


@transaction.atomic
def person_restore(
    *,
    actor,
    person: Person,
    note: str = "",
    expected_version: int | None = None,
    request=None,
) -> Person:
    """Undo an archive; the archive stays visible in history."""
    current = writes.lock(Person.objects, person.pk)
    refuse_if_stale(current, expected_version)
    if not current.is_archived:
        raise ValueError("该人员在库，无需恢复")
    previous = current.get_archived_reason_display()
    current.status = Person.Status.ACTIVE
    current.archived_reason = ""
    current.archived_on = None
    current.archived_note = ""
    return writes.save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=["status", "archived_reason", "archived_on", "archived_note"],
        action=AuditEntry.Action.RESTORE,
        changes={"previous_reason": previous, "note": note},
        reason="恢复入库" + (f"：{note}" if note else ""),
        request=request,
    )


@transaction.atomic
def person_reveal(*, actor, person: Person, request=None, context: str = "") -> dict[str, str]:
    """The person's full identifiers, for a user whose role permits; logged."""
    changes = {"fields": sorted(IDENTIFIER_FIELDS)}
    if context:
        changes["context"] = context
    audit_log(
        action=AuditEntry.Action.REVEAL, user=actor, request=request, obj=person, changes=changes
    )
    return {"id_number": person.id_number, "mobile": person.mobile}


def person_viewed(*, actor, person: Person, request=None) -> None:
    audit_log(action=AuditEntry.Action.VIEW, user=actor, request=request, obj=person)


# Columns copied into the history table by persons_bulk_insert.
def _history_columns() -> list[str]:
    history_model = Person.history.model
    skip = {
        "history_id",
        "history_date",
        "history_type",
        "history_user_id",
        "history_change_reason",
    }
    return [f.column for f in history_model._meta.concrete_fields if f.column not in skip]


def _reserve_person_ids(count: int) -> list[int]:
    """Primary keys for `count` new persons, taken before inserting them.

    PostgreSQL hands them out from the table's sequence. On SQLite the caller's
    transaction holds the database's only write lock (IMMEDIATE transactions),
    so the next free block after both the largest id and AUTOINCREMENT's
    high-water mark cannot be taken by anyone else before we insert.
    """
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                [table, count],
            )
            return [row[0] for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT MAX(x) FROM (SELECT MAX(id) AS x FROM {table} "
            "UNION ALL SELECT seq FROM sqlite_sequence WHERE name = %s)",
            [table],
        )
        last = cursor.fetchone()[0] or 0
    return list(range(last + 1, last + 1 + count))


def persons_bulk_insert(
    persons: Iterable[Person],
    *,
    actor=None,
    reason: str,
    count: int | None = None,
    batch_size: int = 5000,
    after_batch: Callable[[list[Person]], None] | None = None,
) -> int:
    """Insert many new persons at once (demo data, imports), with history.

    Derived search columns and the identifiers' keyed hashes must already be
    set (see `search.derived_fields`); the identifiers themselves are
    encrypted on the way in (core/bulk.py).
    `persons` may be a generator making each Person as it is asked for; then
    `count` says how many it yields. Each batch's primary keys are taken first
    and the persons are made while they are being sent, so PostgreSQL files
    one row while the next is made. The history rows are written by one
    INSERT … SELECT per batch instead of row by row: the same rows
    simple-history would write, at SQL speed. `after_batch` is called with
    each batch once it is written (its persons have their primary keys).
    Runs in the caller's transaction (opening one if there is none); returns
    the number inserted.
    """
    if count is None:
        persons = list(persons)
        count = len(persons)
    source = iter(persons)
    history_table = Person.history.model._meta.db_table
    person_table = Person._meta.db_table
    columns = _history_columns()
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    actor_id = actor.pk if actor is not None else None
    total = 0

    def insert_batch(size: int) -> list[Person]:
        now = timezone.now()
        ids = _reserve_person_ids(size)
        batch: list[Person] = []

        def numbered():
            # ids first: zip stops there without taking one more person
            for pk, person in zip(ids, source, strict=False):
                person.pk = pk
                batch.append(person)
                yield person

        with search_index.insert_trigger_suspended(connection):
            insert_rows(Person, numbered(), now=now)
            if batch:
                search_index.index_inserted_rows(connection, batch[0].pk, batch[-1].pk)
        if not batch:
            return batch
        if connection.vendor == "postgresql":  # sequence values may interleave with others'
            which, which_params = "id = ANY(%s)", [[p.pk for p in batch]]
        else:  # a contiguous block (see _reserve_person_ids)
            which, which_params = "id BETWEEN %s AND %s", [batch[0].pk, batch[-1].pk]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history_table} ({column_list}, history_date, history_type, "
                f"history_user_id, history_change_reason) "
                f"SELECT {column_list}, %s, '+', %s, %s FROM {person_table} WHERE {which}",
                [now, actor_id, reason, *which_params],
            )
        for listener in registries.persons_created:
            listener(batch)
        if after_batch is not None:
            after_batch(batch)
        return batch

    # The cyclic GC dominates bulk-insert time on wide rows (NOTES.md);
    # nothing built here is cyclic garbage.
    with gc_paused(), transaction.atomic(), indexes_built_after(Person, adding=count):
        while total < count:
            inserted = len(insert_batch(min(batch_size, count - total)))
            if not inserted:
                break
            total += inserted
        if next(source, None) is not None:
            raise ValueError(f"persons_bulk_insert: more persons than count={count}")
    if total:
        figures_changed()  # the history rows above were written without signals
    return total


@transaction.atomic
def persons_archive(
    *,
    actor,
    persons: Iterable[Person],
    reason: str,
    on_date: datetime.date,
    note: str = "",
    request=None,
) -> int:
    """出库 of several persons with one reason (the person list's bulk action).

    `persons` are the ones the caller may change (people/bulk.py narrows them
    to the write scope); those already archived are left alone. All or
    nothing: one failure rolls the others back. Returns how many left.
    """
    archived = 0
    for person in persons:
        if person.is_archived:
            continue
        person_archive(
            actor=actor, person=person, reason=reason, on_date=on_date, note=note, request=request
        )
        archived += 1
    return archived
