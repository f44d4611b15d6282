"""Reading a zip of photos within fixed limits: its members (names as their
authors saw them), each image checked and re-encoded, each name parsed and
matched to a person the uploader may change. Nothing is written here; the
batches that store, commit and undo are photos.py."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings

from tongxin.core import pii
from tongxin.people.models import Person

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


def outcome_counts(entries: list[Entry]) -> dict:
    counts = dict.fromkeys(OUTCOMES, 0)
    for entry in entries:
        counts[entry.outcome] += 1
    return {"files": len(entries), **counts}
