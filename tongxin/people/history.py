"""A person's change history as people read it: who, when, which fields, old → new."""

from dataclasses import dataclass

from .models import PERSON_FORM_FIELDS, Person
from .services import FieldChange, _field_label, display_value

_TRACKED = [
    *PERSON_FORM_FIELDS,
    "photo",
    "status",
    "archived_reason",
    "archived_on",
    "archived_note",
]
_TYPE_LABELS = {"+": "新增", "~": "修改", "-": "删除"}


@dataclass
class HistoryEntry:
    at: object
    user: str
    action: str
    reason: str
    changes: list[FieldChange]


def person_history(person: Person, limit: int = 200) -> list[HistoryEntry]:
    """Newest first. Identifiers are shown masked, as everywhere else.

    Kept on the person object: the person page and its timeline panel both
    show the history of the same instance in one request.
    """
    cached = getattr(person, "_history_entries", None)
    if cached is not None:
        return cached[:limit]
    records = list(person.history.select_related("history_user").order_by("history_id"))
    entries = []
    previous = None
    for record in records:
        changes = []
        if previous is not None:
            for field in _TRACKED:
                attname = Person._meta.get_field(field).attname
                old, new = getattr(previous, attname), getattr(record, attname)
                if old != new:
                    changes.append(
                        FieldChange(
                            field,
                            _field_label(field),
                            display_value(field, old),
                            display_value(field, new),
                        )
                    )
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
    person._history_entries = entries
    return entries[:limit]
