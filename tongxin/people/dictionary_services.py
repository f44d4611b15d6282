"""Writes to the reference-data dictionaries (民族, 政治面貌, …).

Entries are never deleted: persons refer to them. Disabling is an update of
is_active. Every write leaves an audit entry.
"""

from django.db import models, transaction

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.core.changes import initial_values


@transaction.atomic
def dictionary_entry_create(
    *, actor, model: type[models.Model], data: dict, request=None
) -> models.Model:
    entry = model(**data)
    entry.full_clean()
    entry.save(force_insert=True)
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=entry,
        changes=initial_values(entry, list(data)),
    )
    return entry


@transaction.atomic
def dictionary_entry_update(*, actor, entry: models.Model, data: dict, request=None):
    current = writes.lock(type(entry), entry.pk)
    return writes.update_audited(current, data, actor=actor, request=request, clean=True)
