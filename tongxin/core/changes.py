"""The {field: [old, new]} record that admin services put in an audit entry.

Values are stored as the text a person reads (choice labels, names of related
rows), so the audit log stays readable after the referenced rows change.
"""

from typing import Any

from django.db import models


def display_value(instance: models.Model, field_name: str) -> Any:
    """How `instance.<field_name>` reads in the audit log."""
    field = instance._meta.get_field(field_name)
    if field.is_relation:
        related = getattr(instance, field.name)
        return str(related) if related is not None else None
    value = getattr(instance, field.attname)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def initial_values(instance: models.Model, fields: list[str]) -> dict[str, list]:
    """The audit changes of a newly created row: every filled field, from nothing."""
    changes = {}
    for name in fields:
        value = display_value(instance, name)
        if value not in (None, ""):
            changes[name] = [None, value]
    return changes


def apply_changes(instance: models.Model, data: dict[str, Any]) -> dict[str, list]:
    """Set `data` on `instance` (unsaved) and return what changed.

    The keys of the result are the fields to pass to save(update_fields=...).
    """
    changes = {}
    for name, new in data.items():
        field = instance._meta.get_field(name)
        old_raw = getattr(instance, field.attname)
        new_raw = new.pk if isinstance(new, models.Model) else new
        if old_raw == new_raw:
            continue
        old_display = display_value(instance, name)
        setattr(instance, field.name, new)
        changes[name] = [old_display, display_value(instance, name)]
    return changes
