"""Writes to the reference-data dictionaries (民族, 政治面貌, …).

Entries are never deleted: persons refer to them. Disabling is an update of
is_active. Every write leaves an audit entry.
"""

from django.db import models, transaction

from tongxin.core import writes


@transaction.atomic
def dictionary_entry_create(
    *, actor, model: type[models.Model], data: dict, request=None
) -> models.Model:
    return writes.create_audited(
        model(**data), actor=actor, fields=list(data), request=request, clean=True
    )


@transaction.atomic
def dictionary_entry_update(*, actor, entry: models.Model, data: dict, request=None):
    current = writes.lock(type(entry), entry.pk)
    return writes.update_audited(current, data, actor=actor, request=request, clean=True)
