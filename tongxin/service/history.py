"""A record's change history as people read it: who, when, what, old → new."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import models

_TYPE_LABELS = {"+": "新增", "~": "修改", "-": "删除"}


@dataclass(frozen=True)
class Change:
    label: str
    old: str
    new: str


@dataclass
class HistoryEntry:
    at: datetime.datetime
    user: str
    action: str
    reason: str
    changes: list[Change]


def _text(model, record, field_name: str, names: dict) -> str:
    field = model._meta.get_field(field_name)
    value = getattr(record, field.attname)
    if value is None or value == "":
        return ""
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        return names.get((field.related_model, value), str(value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime.date):
        return f"{value.year}年{value.month}月{value.day}日"
    return str(value)


def record_history(
    obj: models.Model, fields: Sequence[str], limit: int = 200
) -> list[HistoryEntry]:
    """Newest first, each entry listing the `fields` that changed from the one before."""
    model = type(obj)
    records = list(obj.history.select_related("history_user").order_by("history_id"))
    # Names of referenced rows in one query per related model, not one per row.
    names: dict = {}
    for name in fields:
        field = model._meta.get_field(name)
        if field.is_relation:
            ids = {getattr(r, field.attname) for r in records} - {None}
            for related in field.related_model.objects.filter(pk__in=ids):
                names[(field.related_model, related.pk)] = str(related)
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            for name in fields:
                old = _text(model, previous, name, names)
                new = _text(model, record, name, names)
                if old != new:
                    label = str(model._meta.get_field(name).verbose_name)
                    changes.append(Change(label, old, new))
        entries.append(
            HistoryEntry(
                at=record.history_date,
                user=str(record.history_user) if record.history_user else "系统",
                action=_TYPE_LABELS.get(record.history_type, record.history_type),
                reason=record.history_change_reason or "",
                changes=changes,
            )
        )
        previous = record
    entries.reverse()
    return entries[:limit]
