"""The one way an import batch's status changes (issue 19): locked, saved with a
history row that names who and why."""

from __future__ import annotations

from django.db import transaction

from tongxin.core import writes

from .models import ImportBatch


def import_batch_status_set(
    *, batch: ImportBatch, status: str, actor, reason: str | None = None, **fields
) -> ImportBatch:
    """The one way a batch's status changes — in a view, in the task worker,
    in the recovery from a dead worker: the row locked, `status` and `fields`
    saved, and a history row naming `actor` (None: the system) and `reason`.

    Inside the caller's transaction when there is one (the commit's), its own
    otherwise. Returns the batch as saved; the caller's `batch` gets the new
    values too.
    """
    with transaction.atomic():
        current = writes.lock(ImportBatch, batch.pk)
        for name, value in fields.items():
            setattr(current, name, value)
        current.status = status
        writes.save_tracked(current, actor=actor, fields=["status", *fields], reason=reason)
    for name in ("status", *fields):
        setattr(batch, name, getattr(current, name))
    return current
