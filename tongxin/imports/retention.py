"""How long uploaded roster files are kept.

An uploaded file holds the full identity numbers and phone numbers of everyone
on the roster, including the rows that were never imported. Once a batch is
finished (imported, undone or failed) the file is only needed for a while, to
download the rejected rows; after settings.IMPORT_FILE_RETENTION_DAYS
(TONGXIN_IMPORT_FILE_RETENTION_DAYS, default 90) days it is deleted. The batch
record stays: file name, SHA-256, size, mapping, counts and problems remain, so
the import can still be traced and undone.

A batch still waiting for its mapping, a preview or a commit is never touched,
however old: its file is the only copy of what the user is about to import.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes

from .models import ImportBatch

DEFAULT_RETENTION_DAYS = 90
FINISHED = (
    ImportBatch.Status.COMMITTED,
    ImportBatch.Status.UNDONE,
    ImportBatch.Status.FAILED,
)
PURGE_REASON = "原文件已按保留期限删除"


def retention_days() -> int:
    return int(getattr(settings, "IMPORT_FILE_RETENTION_DAYS", DEFAULT_RETENTION_DAYS))


def file_was_purged(batch: ImportBatch) -> bool:
    """True when the batch had a stored file once and has none now.

    Command-line imports never store a file, so an empty field alone does not
    say the file was deleted; the batch history does.
    """
    return not batch.file and batch.history.exclude(file="").exists()


def file_is_available(batch: ImportBatch) -> bool:
    return bool(batch.file) and batch.file.storage.exists(batch.file.name)


@transaction.atomic
def import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the stored files of finished batches uploaded more than the retention
    period before `now`; returns how many files were deleted.

    The file fields are cleared in this transaction and the files removed from
    disk once it commits, so a rollback never leaves a batch pointing at a
    deleted file. One audit entry records the count (none when nothing was due).
    """
    days = retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    finished = ImportBatch.objects.filter(status__in=FINISHED, created_at__lt=cutoff)
    batches = list(writes.locked(finished.exclude(file="").order_by("pk")))
    if not batches:
        return 0
    stored = []
    for batch in batches:
        stored.append((batch.file.storage, batch.file.name))
        batch.file = ""
        writes.save_tracked(batch, actor=None, fields=["file"], reason=PURGE_REASON)
    audit_log(
        action=AuditEntry.Action.DELETE,
        object_type=ImportBatch._meta.label_lower,
        object_repr=f"导入原文件（保留{days}天）",
        changes={
            "files": len(batches),
            "retention_days": days,
            "batches": [batch.pk for batch in batches],
        },
    )

    def delete_files() -> None:
        for storage, name in stored:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return len(batches)


def serve_purge() -> str | None:
    """Run by `tongxin serve` at start (core/registries.serve_purges)."""
    purged = import_files_purge()  # uploaded rosters past TONGXIN_IMPORT_FILE_RETENTION_DAYS
    return f"已删除 {purged} 个超过保留期限的导入原文件" if purged else None
