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
import io
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import leases, pii, writes
from tongxin.core.storage import local_copy
from tongxin.people.models import Person
from tongxin.people.services import StaleEditError, person_update
from tongxin.regions import scope

from .models import PhotoBatch, PhotoRecord
from .parsing import normalise_text

# Limits (settings override them). A 1-inch photo at 300 dpi is 295 × 413
# pixels; phone pictures are 3–8 MB and up to 50 megapixels.
DEFAULTS = {
    "PHOTO_ZIP_MAX_MEGABYTES": 200,  # the upload itself
    "PHOTO_ZIP_MAX_FILES": 5000,
    "PHOTO_ZIP_MAX_UNCOMPRESSED_MEGABYTES": 1000,  # the members' declared sizes, together
    "PHOTO_ZIP_MAX_RATIO": 50,  # declared size / compressed size, for members over 1 MB
    "PHOTO_MAX_MEGABYTES": 10,  # one photo as uploaded
    "PHOTO_MAX_PIXELS": 50_000_000,
}
OUTPUT_BOX = (600, 800)  # the re-encoded photo fits in this (width, height)
OUTPUT_QUALITY = 85
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff"}

OUTCOMES = {
    "matched": "将设置照片",
    "no_person": "查无此人",
    "name_mismatch": "姓名与登记的不一致",
    "bad_name": "文件名不是公民身份号码",
    "not_image": "不是图片",
    "too_large": "文件过大",
    "duplicate": "同一人有多张照片",
}


def limit(name: str) -> int:
    return int(getattr(settings, name, DEFAULTS[name]))


class TooManyPixels(ValueError):
    pass


class PhotoZipError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- reading the zip -----------------------------------------------------------------


def _member_name(info: zipfile.ZipInfo) -> str:
    """The member's file name as its author saw it. Zips made on Chinese
    Windows store names in GBK without the UTF-8 flag; zipfile then decodes
    them as cp437, which is undone here."""
    name = info.filename
    if not info.flag_bits & 0x800:
        try:
            name = name.encode("cp437").decode("gb18030")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return name


def _photo_members(archive: zipfile.ZipFile) -> list[tuple[zipfile.ZipInfo, str]]:
    """The zip's files, checked against the limits from its directory alone."""
    members = []
    declared = 0
    mb = 1024 * 1024
    for info in archive.infolist():
        name = _member_name(info)
        base = PurePosixPath(name.replace("\\", "/")).name
        if info.is_dir() or not base or base.startswith(".") or "__MACOSX" in name:
            continue
        members.append((info, base))
        if len(members) > limit("PHOTO_ZIP_MAX_FILES"):
            raise PhotoZipError(
                f"压缩包中的文件超过 {limit('PHOTO_ZIP_MAX_FILES')} 个，请分成几个压缩包上传"
            )
        declared += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > mb and ratio > limit("PHOTO_ZIP_MAX_RATIO"):
            raise PhotoZipError(
                f"压缩包中的“{base}”压缩比异常（{ratio:.0f} 倍），可能是恶意构造的文件，未读取"
            )
    if declared > limit("PHOTO_ZIP_MAX_UNCOMPRESSED_MEGABYTES") * mb:
        raise PhotoZipError(
            f"压缩包解压后共 {declared / mb:.0f} MB，超过 "
            f"{limit('PHOTO_ZIP_MAX_UNCOMPRESSED_MEGABYTES')} MB 的上限，请分成几个压缩包上传"
        )
    return members


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes, or None when it is (or inflates to) more than the photo limit.

    The declared size is not trusted: at most limit + 1 bytes are inflated."""
    most = limit("PHOTO_MAX_MEGABYTES") * 1024 * 1024
    if info.file_size > most:
        return None
    with archive.open(info) as handle:
        data = handle.read(most + 1)
    return None if len(data) > most else data


def reencode(data: bytes) -> bytes:
    """The photo as a JPEG that fits OUTPUT_BOX; raises ValueError if it is not an image.

    Pillow reads the header first: the pixel count is checked before any
    pixel is decoded (a small file can declare a gigapixel image)."""
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            # Pillow warns from 89 megapixels; the limit below is ours and stricter.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
        with image:
            width, height = image.size
            if width * height > limit("PHOTO_MAX_PIXELS"):
                raise TooManyPixels(f"{width}×{height}")
            image.draft("RGB", (OUTPUT_BOX[0] * 2, OUTPUT_BOX[1] * 2))  # JPEG: decode smaller
            image = ImageOps.exif_transpose(image)
            image.thumbnail(OUTPUT_BOX)
            if image.mode != "RGB":
                image = image.convert("RGB")
            output = io.BytesIO()
            image.save(output, "JPEG", quality=OUTPUT_QUALITY, optimize=True)
    except (OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise ValueError(str(error)) from None
    return output.getvalue()


_ID = r"(\d{17}[\dxX])"
_NAMED = re.compile(rf"^(?P<name>.+?)[\s_\-－—–]+(?P<id>{_ID[1:-1]})$")
_BARE = re.compile(rf"^{_ID}$")


def parse_file_name(base: str) -> tuple[str, str] | None:
    """(name or "", ID number) from "450102198506010012.jpg" or "张三-45010219….jpg"."""
    stem = normalise_text(base.rsplit(".", 1)[0]).strip()
    bare = _BARE.match(stem)
    if bare:
        return "", bare.group(1).upper()
    named = _NAMED.match(stem)
    if named:
        return named.group("name").strip(), named.group("id").upper()
    return None


@dataclass
class Entry:
    file: str
    outcome: str
    person: Person | None = None
    photo: bytes | None = None

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "outcome": self.outcome,
            "message": OUTCOMES[self.outcome],
            "person_id": self.person.pk if self.person else None,
            "person_name": self.person.name if self.person else "",
        }


def check_zip(path: Path, *, user, keep_photos: bool = False) -> list[Entry]:
    """Every file of the zip with its outcome; the re-encoded photos with keep_photos."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise PhotoZipError("不是有效的 zip 压缩包，请把照片放在一个 .zip 文件中上传") from None
    with archive:
        members = _photo_members(archive)
        if not members:
            raise PhotoZipError("压缩包中没有照片")
        entries: list[Entry] = []
        wanted: dict[str, list[tuple[Entry, str]]] = {}
        for info, base in members:
            parsed = parse_file_name(base)
            if PurePosixPath(base).suffix.lower() not in IMAGE_SUFFIXES:
                entries.append(Entry(base, "not_image"))
                continue
            if parsed is None:
                entries.append(Entry(base, "bad_name"))
                continue
            try:
                data = _read_member(archive, info)
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError):
                entries.append(Entry(base, "not_image"))  # damaged or encrypted
                continue
            if data is None:
                entries.append(Entry(base, "too_large"))
                continue
            try:
                photo = reencode(data)
            except TooManyPixels:
                entries.append(Entry(base, "too_large"))
                continue
            except ValueError:
                entries.append(Entry(base, "not_image"))
                continue
            entry = Entry(base, "matched", photo=photo if keep_photos else None)
            entries.append(entry)
            name, number = parsed
            wanted.setdefault(number, []).append((entry, name))
    _match(wanted, user)
    return entries


def _match(wanted: dict[str, list[tuple[Entry, str]]], user) -> None:
    """Persons by ID, within what `user` may change; the rest are "no such person"."""
    ring = pii.keyring()
    by_hash = {pii.id_number_hash(number, ring=ring): number for number in wanted}
    persons = Person.objects.writable_by(user) if user is not None else Person.objects.all()
    found: dict[str, Person] = {}
    hashes = list(by_hash)
    for start in range(0, len(hashes), 2000):
        for person in persons.filter(id_number_hash__in=hashes[start : start + 2000]):
            found[person.id_number] = person
    for number, entries in wanted.items():
        person = found.get(number)
        for index, (entry, name) in enumerate(entries):
            if person is None:
                entry.outcome = "no_person"
            elif name and normalise_text(name).replace(" ", "") != person.name.replace(" ", ""):
                entry.outcome = "name_mismatch"
                entry.person = person
            elif index > 0:
                entry.outcome = "duplicate"
                entry.person = person
            else:
                entry.person = person


def _counts(entries: list[Entry]) -> dict:
    counts = dict.fromkeys(OUTCOMES, 0)
    for entry in entries:
        counts[entry.outcome] += 1
    return {"files": len(entries), **counts}


# --- the web flow ---------------------------------------------------------------------


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
    batch.save(force_insert=True)
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        obj=batch,
        region=batch.region,
        changes={"file_name": batch.file_name, "sha256": batch.sha256, "size": batch.file_size},
    )
    return batch


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
        batch.counts = _counts(entries)
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
    batch.counts = _counts(entries)
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
