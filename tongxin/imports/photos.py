"""Photos in bulk: a zip of photos named by resident ID number (or 姓名-ID).

Flow: the request stores the zip after cheap checks (size, a zip at all);
the task worker reads its directory within fixed limits (files, declared
sizes, compression ratio: a zip bomb is refused before anything is
inflated), reads each member with a bounded read, opens it with Pillow
(pixel count checked before decoding), matches its name to a person the
uploader may change, and stores the preview. The commit, in the worker too,
sets every matched person's photo in one transaction: each image re-encoded
as a JPEG no larger than the registration form's 1-inch photo needs, through
person_update (version, history, audit). Undo restores the previous photos
while nobody has changed those persons since.

A person outside the uploader's scope is "no such person", like an ID that
is registered nowhere: the preview never says that a record exists elsewhere.
"""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import leases, writes
from tongxin.core.storage import local_copy
from tongxin.people.models import Person
from tongxin.people.services import StaleEditError, person_update
from tongxin.regions import scope

from .models import PhotoBatch, PhotoRecord
from .photo_zip import (
    Entry,
    PhotoZipError,
    check_zip,
    limit,
    outcome_counts,
)


def _batch_region(user):
    if user is None or scope.sees_everything(user):
        return None
    return user.regions.order_by("path").first()


@transaction.atomic
def photo_batch_create(*, actor, upload) -> PhotoBatch:
    """Store an uploaded zip for the task worker (photo_batch_read); only the
    size and the zip signature are checked here, in the request."""
    most = limit("PHOTO_ZIP_MAX_MEGABYTES") * 1024 * 1024
    if upload.size > most:
        raise PhotoZipError(
            f"文件大小为 {upload.size / 1048576:.1f} MB，超过 "
            f"{limit('PHOTO_ZIP_MAX_MEGABYTES')} MB 的上限，请分成几个压缩包上传"
        )
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(suffix=".zip") as temporary:
        for chunk in upload.chunks():
            temporary.write(chunk)
            digest.update(chunk)
        temporary.flush()
        if not zipfile.is_zipfile(temporary.name):
            raise PhotoZipError("不是有效的 zip 压缩包，请把照片放在一个 .zip 文件中上传")
        batch = PhotoBatch(
            created_by=actor,
            region=_batch_region(actor),
            file_name=Path(upload.name).name[:200],
            file_size=upload.size,
            sha256=digest.hexdigest(),
        )
        with open(temporary.name, "rb") as handle:
            batch.file.save("photos.zip", File(handle), save=False)
    return writes.create_audited(
        batch,
        actor=actor,
        changes={"file_name": batch.file_name, "sha256": batch.sha256, "size": batch.file_size},
        region=batch.region,
    )


def _fail(batch: PhotoBatch, message: str) -> None:
    batch.refresh_from_db()
    if batch.file:
        batch.file.delete(save=False)
    batch.status = PhotoBatch.Status.FAILED
    batch.error_message = message
    batch.save(update_fields=["file", "status", "error_message"])


def photo_batch_read(*, batch: PhotoBatch) -> PhotoBatch:
    """The preview (task worker): every file's outcome; nothing is written to persons."""
    with leases.held(batch):
        try:
            with local_copy(batch.file.name, batch.file.storage) as path:
                entries = check_zip(path, user=batch.created_by)
        except PhotoZipError as error:
            _fail(batch, error.message)
            return batch
        batch.refresh_from_db()
        batch.entries = [e.as_json() for e in entries]
        batch.counts = outcome_counts(entries)
        batch.status = PhotoBatch.Status.PREVIEWED
        batch.error_message = ""
        batch.save(update_fields=["entries", "counts", "status", "error_message"])
    return batch


class PhotoCommitError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def photo_batch_commit(*, batch: PhotoBatch, actor=None, request=None) -> PhotoBatch:
    """Set every matched person's photo in one transaction (task worker).

    The zip is checked again against the persons as they are now. Photo
    files written before a failure are removed again; the database is as before.
    """
    actor = actor or batch.created_by
    with leases.held(batch):
        written: list[str] = []
        try:
            with local_copy(batch.file.name, batch.file.storage) as path:
                entries = check_zip(path, user=actor, keep_photos=True)
            with transaction.atomic():
                _set_photos(batch, entries, actor=actor, request=request, written=written)
            # The zip held the photos of everyone in it: not kept once they are set.
            batch.file.delete(save=False)
            PhotoBatch.objects.filter(pk=batch.pk).update(file="")
        except (PhotoZipError, StaleEditError) as error:
            for name in written:
                default_storage.delete(name)
            message = getattr(error, "message", "") or "导入期间有人修改了相关人员，请重新上传"
            _fail(batch, f"{message}；未设置任何照片")
            raise PhotoCommitError(message) from None
        except Exception:
            for name in written:
                default_storage.delete(name)
            _fail(batch, "导入失败，未设置任何照片；请联系系统管理员查看日志")
            raise
    batch.refresh_from_db()
    return batch


def _set_photos(batch, entries: list[Entry], *, actor, request, written: list[str]) -> None:
    reason = f"批量导入照片：{batch.file_name}（照片导入#{batch.pk}）"
    records = []
    for entry in entries:
        if entry.outcome != "matched":
            continue
        person = Person.objects.get(pk=entry.person.pk)
        previous = person.photo.name or ""
        updated = person_update(
            actor=actor,
            person=person,
            data={"photo": ContentFile(entry.photo, name=f"{person.pk}.jpg")},
            expected_version=person.version,
            request=request,
            reason=reason,
        )
        written.append(updated.photo.name)
        records.append(
            PhotoRecord(
                batch=batch,
                person_id=updated.pk,
                person_ref=updated.pk,
                file=entry.file[:255],
                previous_photo=previous,
                new_photo=updated.photo.name,
                version_after=updated.version,
            )
        )
    PhotoRecord.objects.bulk_create(records)
    batch.entries = [e.as_json() for e in entries]
    batch.counts = outcome_counts(entries)
    batch.status = PhotoBatch.Status.COMMITTED
    batch.committed_at = timezone.now()
    batch.save(update_fields=["entries", "counts", "status", "committed_at"])
    audit_log(
        action=AuditEntry.Action.IMPORT,
        user=actor,
        request=request,
        obj=batch,
        region=batch.region,
        changes={"file_name": batch.file_name, "photos_set": len(records)},
    )


def photo_batch_commit_quietly(*, batch: PhotoBatch) -> PhotoBatch:
    """For the task worker: a refused commit is recorded on the batch, not raised."""
    try:
        return photo_batch_commit(batch=batch)
    except PhotoCommitError:
        batch.refresh_from_db()
        return batch


class PhotoUndoBlocked(Exception):
    def __init__(self, blockers: list[dict]):
        super().__init__("撤销未执行")
        self.blockers = blockers


def photo_batch_undo(*, actor, batch: PhotoBatch, request=None) -> PhotoBatch:
    """Put every previous photo back, or nothing while any of the persons has
    been changed since (raises PhotoUndoBlocked naming them). The photos the
    batch set are deleted once the restore is written."""
    batch, replaced = _undo(actor=actor, batch=batch, request=request)
    for name in replaced:
        default_storage.delete(name)
    return batch


@transaction.atomic
def _undo(*, actor, batch: PhotoBatch, request) -> tuple[PhotoBatch, list[str]]:
    batch = writes.lock(PhotoBatch, batch.pk)
    if batch.status != PhotoBatch.Status.COMMITTED:
        raise PhotoUndoBlocked([{"file": "", "name": "", "reason": "只有已导入的批次可以撤销"}])
    records = list(batch.records.all())
    persons = Person.objects.in_bulk([r.person_ref for r in records])
    blockers = []
    for record in records:
        person = persons.get(record.person_ref)
        if person is None:
            blockers.append({"file": record.file, "name": "", "reason": "该人员已不存在"})
        elif person.version != record.version_after:
            blockers.append({"file": record.file, "name": person.name, "reason": "导入后已被修改"})
    if blockers:
        raise PhotoUndoBlocked(blockers)
    reason = f"撤销批量导入照片：{batch.file_name}（照片导入#{batch.pk}）"
    replaced = []
    for record in records:
        person_update(
            actor=actor,
            person=persons[record.person_ref],
            data={"photo": record.previous_photo},
            expected_version=record.version_after,
            request=request,
            reason=reason,
        )
        replaced.append(record.new_photo)
    batch.status = PhotoBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.undone_by = actor
    writes.save_audited(
        batch,
        actor=actor,
        fields=["status", "undone_at", "undone_by"],
        action=AuditEntry.Action.UPDATE,
        changes={"undo": True, "photos_restored": len(records)},
        request=request,
    )
    return batch, replaced


ABANDONED = "后台处理进程意外中止（可能被强制结束、断电或内存不足），未设置任何照片。请重新上传。"


def photo_batch_recover(batch_id: int) -> None:
    """A photo batch whose worker died is marked failed (core/leases.py)."""
    with transaction.atomic():
        batch = writes.locked(PhotoBatch).filter(pk=batch_id).first()
        if batch is None or not batch.is_running:
            return
        batch.status = PhotoBatch.Status.FAILED
        batch.error_message = ABANDONED
        writes.save_audited(
            batch,
            actor=None,
            fields=["status", "error_message"],
            action=AuditEntry.Action.UPDATE,
            changes={"status": ["正在处理", "失败"], "reason": ABANDONED},
        )
