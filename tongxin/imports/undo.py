"""Taking an import back: every person it created removed, every one it updated
restored — or nothing, while any of them changed since."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import pii, writes
from tongxin.people.models import IDENTIFIER_FIELDS, Person
from tongxin.people.search import (
    derived_fields,
)

from .models import ImportBatch, ImportedRecord
from .status import import_batch_status_set
from .tables import LOOKUP_CHUNK

# --- undo ------------------------------------------------------------------------


class UndoBlocked(Exception):
    """Records changed since the import; `blockers` lists them."""

    def __init__(self, blockers: list[dict]):
        super().__init__("撤销未执行")
        self.blockers = blockers


def undo_blockers(batch: ImportBatch) -> list[dict]:
    """Rows whose person changed after the import (or is referenced elsewhere)."""
    blockers = []
    records = list(batch.records.all().order_by("row_number"))
    persons = {}
    ids = [r.person_ref for r in records]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for person in Person.objects.filter(pk__in=ids[start : start + LOOKUP_CHUNK]):
            persons[person.pk] = person
    for record in records:
        person = persons.get(record.person_ref)
        if person is None:
            blockers.append({"row": record.row_number, "name": "", "reason": "该人员已不存在"})
        elif person.version != record.version_after:
            blockers.append(
                {
                    "row": record.row_number,
                    "name": person.name,
                    "reason": f"导入后已被修改（版本 {record.version_after} → {person.version}）",
                }
            )
    created = [r.person_ref for r in records if r.action == ImportedRecord.Action.CREATED]
    referenced = _referenced_elsewhere(created)
    for record in records:
        if record.person_ref in referenced:
            person = persons.get(record.person_ref)
            blockers.append(
                {
                    "row": record.row_number,
                    "name": person.name if person else "",
                    "reason": "已有其他记录（如培养、评价）关联该人员",
                }
            )
    return blockers


def _derived_rows(model) -> Q | None:
    """Which rows of `model` were made from the person alone and go with them:
    all (dedupe's keys and pairs: `derived_from_person = True`), those its
    `made_with_person` selects (the tier a person's level gave them at
    registration), or none."""
    if getattr(model, "derived_from_person", False):
        return Q()
    return getattr(model, "made_with_person", None)


def _referenced_elsewhere(person_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for relation in Person._meta.related_objects:
        model = relation.related_model
        if model is ImportedRecord or not relation.field.concrete:
            continue
        if getattr(model, "derived_from_person", False):
            continue
        made_with_person = getattr(model, "made_with_person", None)
        column = relation.field.attname
        for start in range(0, len(person_ids), LOOKUP_CHUNK):
            rows = model._base_manager.filter(
                **{f"{column}__in": person_ids[start : start + LOOKUP_CHUNK]}
            )
            if made_with_person is not None:
                rows = rows.exclude(made_with_person)
            found.update(rows.values_list(column, flat=True))
    return found


@transaction.atomic
def import_batch_undo(*, actor, batch: ImportBatch, request=None) -> ImportBatch:
    """Take the whole batch back, or nothing (raises UndoBlocked naming the rows).

    Persons the batch created are removed (they never existed before it and
    nobody has touched them since; see docs/features/imports.md), with a
    deletion row in their history; persons it updated get their previous
    values back as a new version.
    """
    batch = writes.lock(ImportBatch, batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        raise UndoBlocked([{"row": "", "name": "", "reason": "只有已导入的批次可以撤销"}])
    blockers = undo_blockers(batch)
    if blockers:
        raise UndoBlocked(blockers)
    reason = f"撤销导入：{batch.file_name}（批次#{batch.pk}）"
    records = list(batch.records.all())
    for record in records:
        if record.action == ImportedRecord.Action.UPDATED:
            _restore_previous(actor=actor, person_id=record.person_ref, previous=record.previous,
                              reason=reason, request=request)  # fmt: skip
    created = [r.person_ref for r in records if r.action == ImportedRecord.Action.CREATED]
    _delete_created(created, actor=actor, reason=reason)
    batch = import_batch_status_set(
        batch=batch,
        status=ImportBatch.Status.UNDONE,
        actor=actor,
        undone_at=timezone.now(),
        undone_by=actor,
    )
    audit_log(
        action=AuditEntry.Action.DELETE,
        user=actor,
        request=request,
        obj=batch,
        region=batch.region,
        changes={
            "undo": True,
            "file_name": batch.file_name,
            "removed_persons": len(created),
            "restored_persons": len(records) - len(created),
        },
    )
    return batch


def _restore_previous(*, actor, person_id: int, previous: dict, reason: str, request) -> None:
    current = writes.lock(Person, person_id)
    fields = []
    changes = {}
    for attname, value in previous.items():
        model_field = next(f for f in Person._meta.concrete_fields if f.attname == attname)
        if isinstance(model_field, _date_field()) and isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        if attname in IDENTIFIER_FIELDS and isinstance(value, str) and "$" in value:
            value = pii.decrypt(value, attname)  # kept encrypted (_previous_value)
        changes[model_field.name] = [str(getattr(current, attname) or ""), str(value or "")]
        setattr(current, attname, value)
        fields.append(attname)
    if {"name", "id_number", "mobile"} & set(fields):
        derived = derived_fields(
            name=current.name, id_number=current.id_number, mobile=current.mobile
        )
        for name, value in derived.items():
            setattr(current, name, value)
            fields.append(name)
    for masked in ("id_number", "mobile"):
        if masked in changes:
            changes[masked] = ["已恢复", ""]
    writes.save_audited(
        current,
        actor=actor,
        fields=fields,
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        reason=reason,
        request=request,
        versioned=True,
    )


def _date_field():
    from django.db.models import DateField

    return DateField


def _delete_created(person_ids: list[int], *, actor, reason: str) -> None:
    """Remove persons in bulk, writing the '-' history row simple-history would write."""
    history_table = Person.history.model._meta.db_table
    person_table = Person._meta.db_table
    skip = {"history_id", "history_date", "history_type", "history_user_id"}
    skip.add("history_change_reason")
    columns = [f.column for f in Person.history.model._meta.concrete_fields if f.column not in skip]
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    actor_id = actor.pk if actor is not None else None
    for start in range(0, len(person_ids), 900):
        chunk = person_ids[start : start + 900]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history_table} ({column_list}, history_date, history_type, "
                f"history_user_id, history_change_reason) "
                f"SELECT {column_list}, %s, '-', %s, %s FROM {person_table} WHERE id IN ({marks})",
                [timezone.now(), actor_id, reason, *chunk],
            )
        ImportedRecord.objects.filter(person_id__in=chunk).update(person=None)
        # Rows derived from the person alone (_derived_rows) go with it.
        for relation in Person._meta.related_objects:
            derived = _derived_rows(relation.related_model)
            if derived is not None and relation.field.concrete:
                column = relation.field.attname
                model = relation.related_model
                model._base_manager.filter(derived, **{f"{column}__in": chunk}).delete()
        Person.objects.filter(pk__in=chunk)._raw_delete(Person.objects.db)
    username = actor.get_username() if actor is not None else ""
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                user=actor,
                username=username,
                action=AuditEntry.Action.DELETE,
                object_type=Person._meta.label_lower,
                object_id=str(person_id),
                object_repr="（撤销导入）",
                changes={"reason": reason},
            )
            for person_id in person_ids
        ),
        batch_size=5000,
    )
