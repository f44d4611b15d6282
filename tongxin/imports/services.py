"""Importing rosters: read → map columns → preview → commit → (undo).

The preview (`analyse`) writes nothing. The commit re-reads the file, checks
every row again against the database as it is now, and writes all valid rows
in ONE transaction: new persons through `persons_bulk_insert` (history rows
included), existing ones through `person_update` (version + 1, history,
audit), plus an ImportedRecord per person so the batch can be undone while
nobody has touched its records since.
"""

from __future__ import annotations

import datetime
import hashlib
import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.core.cache import cache
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import exporting, leases, options, pii
from tongxin.core.bulk import gc_paused, insert_rows, unsaved
from tongxin.core.db_stats import LARGE_WRITE
from tongxin.core.hooks import collect
from tongxin.core.storage import local_copy
from tongxin.core.tasks import refresh_statistics
from tongxin.people.completeness import unread_note
from tongxin.people.models import IDENTIFIER_FIELDS, Person
from tongxin.people.search import (
    derived_fields,
    id_derived_fields,
    mobile_derived_fields,
    name_pinyin_fields,
    name_tokens,
)
from tongxin.people.services import person_update, persons_bulk_insert
from tongxin.people.validators import mask_resident_id
from tongxin.regions import scope

from .files import ImportFileError, check_file, read_sheet
from .mappings import column_mapping_remember, remembered_mapping
from .models import ImportBatch, ImportedRecord
from .parsing import (
    cell_text,
    column_letter,
    find_header,
    is_example_row,
    lookup_key,
    suggest_mapping,
)
from .validation import FIELD_LABELS, IMPORTABLE_FIELDS, MAPPABLE, RowResult, RowValidator

Progress = Callable[[str, int, int], None]

PROGRESS_EVERY = 2000
SHOWN_EXISTING = 1000
SHOWN_WARNINGS = 1000
SHOWN_UNKNOWN_VALUES = 200
LOOKUP_CHUNK = 2000
WRITE_BATCH = 5000  # new persons per COPY / executemany
MATCH_CHUNK = 5000  # rows to create per call of the import_row_matches hook
WRITING = "写入数据库"  # the phase while rows are written


def background_threshold() -> int:
    """Files with more data rows than this are checked and imported by the task worker."""
    return int(options.value("import_background_rows"))


def _no_progress(phase: str, done: int, total: int) -> None:
    return None


# --- reading ------------------------------------------------------------------


@dataclass
class Table:
    """A checked file, its header row and an iterator over the rows below it."""

    kind: str
    header: list[str]
    header_row: int  # Excel row number of the header
    rows: Iterator[list]
    size_hint: int  # rows below the header, when the reader knows it


def read_table(path: Path, file_name: str) -> Table:
    """Check the file, find its header; raise ImportFileError with a Chinese message."""
    kind = check_file(path, file_name)
    sheet = read_sheet(path, kind)
    rows = iter(sheet.rows)
    index, seen = find_header(rows)
    if not any(any(cell_text(c).strip() for c in row) for row in seen):
        raise ImportFileError("表格是空的：没有任何数据")
    if index < 0:
        raise ImportFileError(
            "没有找到表头：前30行中没有同时含“姓名”或“公民身份号码”等列名的一行，"
            "请确认第一张工作表是人员名单"
        )
    header = [cell_text(c).strip() for c in seen[index]]
    while header and not header[-1]:
        header.pop()
    height = sheet.height or _count_lines(path)
    size_hint = max(0, height - (index + 1))
    return Table(
        kind=kind,
        header=header,
        header_row=sheet.first_row + index,
        rows=rows,
        size_hint=size_hint,
    )


def _count_lines(path: Path) -> int:
    """Lines of a CSV (a quoted cell may span lines: an estimate for progress)."""
    with path.open("rb") as handle:
        return sum(block.count(b"\n") for block in iter(lambda: handle.read(1 << 20), b""))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- checking (the preview) ----------------------------------------------------


ELSEWHERE_MESSAGE = "该公民身份号码已在其他区域登记，不能导入；如该人员已迁入本区域，可点“申请调入”"


@dataclass
class Analysis:
    """What a commit would do with every data row; nothing is written."""

    table: Table
    mapping: dict[int, str]
    results: list[RowResult] = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    # Rows whose resident ID is registered outside the user's scope: {row: what
    # 申请调入 needs (the number's keyed hash, never the number; the row's region)}.
    elsewhere: dict[int, dict] = field(default_factory=dict)

    def column_label(self, field_name: str) -> str:
        for index, mapped in self.mapping.items():
            if mapped == field_name:
                header = self.table.header[index] if index < len(self.table.header) else ""
                return f"{column_letter(index)}列“{header}”"
        return FIELD_LABELS.get(field_name, "")

    def problems(self) -> list[dict]:
        rows = []
        for result in self.results:
            if result.outcome in {"invalid", "duplicate"}:
                for field_name, message in result.errors:
                    rows.append(
                        {
                            "row": result.row_number,
                            "column": self.column_label(field_name) if field_name else "",
                            "message": message,
                            "kind": result.outcome,
                        }
                    )
                    if message == ELSEWHERE_MESSAGE:
                        rows[-1]["transfer_in"] = self.elsewhere[result.row_number]
        return rows

    def warnings(self, limit: int = SHOWN_WARNINGS) -> list[dict]:
        """Rows that are imported all the same, with what to check or complete."""
        rows = []
        for result in self.results:
            if result.outcome in {"invalid", "duplicate"} or not result.warnings:
                continue
            for field_name, message in result.warnings:
                if len(rows) >= limit:
                    return rows
                rows.append(
                    {
                        "row": result.row_number,
                        "column": self.column_label(field_name) if field_name else "",
                        "message": message,
                    }
                )
        return rows

    def unknown_values(self, limit: int = SHOWN_UNKNOWN_VALUES) -> list[dict]:
        """Each dictionary value no entry claims, once, with the rows that use it
        (值 → 出现行数), for the preview to map; most frequent first per column."""
        groups: dict[tuple[str, str], dict] = {}
        for result in self.results:
            for field_name, text in result.unknown:
                key = (field_name, lookup_key(text))
                group = groups.get(key)
                if group is None:
                    group = groups[key] = {
                        "field": field_name,
                        "label": FIELD_LABELS[field_name],
                        "column": self.column_label(field_name),
                        "value": text,
                        "rows": 0,
                        "first_rows": [],
                    }
                group["rows"] += 1
                if len(group["first_rows"]) < 5:
                    group["first_rows"].append(result.row_number)
        order = {name: index for index, name in enumerate(MAPPABLE)}
        found = sorted(groups.values(), key=lambda g: (order[g["field"]], -g["rows"]))
        return found[:limit]

    def existing(self, limit: int = SHOWN_EXISTING) -> list[dict]:
        rows = []
        for result in self.results:
            if result.outcome in {"update", "unchanged", "skip"} and len(rows) < limit:
                rows.append(
                    {
                        "row": result.row_number,
                        "name": result.person.name,
                        "id_number": mask_resident_id(result.person.id_number),
                        "outcome": result.outcome,
                        "changes": [FIELD_LABELS.get(f, f) for f in result.changes],
                    }
                )
        return rows


def _blank(row: list) -> bool:
    return not any(c not in (None, "") and (not isinstance(c, str) or c.strip()) for c in row)


def analyse(
    *,
    user,
    table: Table,
    mapping: dict[int, str],
    on_duplicate: str = ImportBatch.OnDuplicate.SKIP,
    default_region=None,
    progress: Progress = _no_progress,
) -> Analysis:
    """Read and check every data row of `table`; decide create/update/skip for each."""
    # A checked row is a handful of small objects that live until the commit:
    # without the pause, the collector walked them all again and again
    # (docs/benchmarks/imports.md).
    with gc_paused():
        return _analyse(user=user, table=table, mapping=mapping, on_duplicate=on_duplicate,
                        default_region=default_region, progress=progress)  # fmt: skip


def _analyse(*, user, table, mapping, on_duplicate, default_region, progress) -> Analysis:
    validator = RowValidator(user=user, default_region=default_region)
    analysis = Analysis(table=table, mapping=mapping)
    columns = sorted(mapping.items())
    results = analysis.results
    first_row = table.header_row + 1
    total = table.size_hint
    name_index = next((index for index, name in columns if name == "name"), None)
    examples = 0
    for offset, row in enumerate(table.rows):
        if _blank(row):
            continue
        if name_index is not None and name_index < len(row) and is_example_row(row[name_index]):
            examples += 1  # the template's 示例 row (imports/template.py)
            continue
        width = len(row)
        cells = {name: row[index] for index, name in columns if index < width}
        results.append(validator.parse_cells(first_row + offset, cells))
        if len(results) % PROGRESS_EVERY == 0:
            progress("检查数据", len(results), max(total, len(results)))
    progress("核对已登记人员", len(results), len(results))

    first_seen: dict[str, int] = {}
    for result in results:
        number = result.id_number
        if not number:
            continue
        if number in first_seen:
            result.outcome = "duplicate"
            result.errors.append(("id_number", f"与第{first_seen[number]}行的公民身份号码重复"))
        else:
            first_seen[number] = result.row_number

    existing = _existing_persons(list(first_seen))
    readable = scope.read_scope(user) if user is not None else scope.EVERYTHING
    for result in results:
        if result.outcome == "duplicate":
            continue
        person = existing.get(result.id_number)
        if person is not None:
            if not readable.contains(person.region_id):
                # Say only that it exists elsewhere: nothing of the other region's record.
                # The preview offers 申请调入 for the row (tongxin/flows).
                result.errors.append(("id_number", ELSEWHERE_MESSAGE))
                result.outcome = "invalid"
                region = result.values.get("region")
                analysis.elsewhere[result.row_number] = {
                    "hash": person.id_number_hash,
                    "region": region.pk if region is not None else None,
                }
                continue
        validator.finish(result, person)
        if result.errors:
            result.outcome = "invalid"
        elif person is None:
            result.outcome = "create"
        else:
            result.person = person
            result.changes = _changes(person, result.values)
            if not result.changes:
                result.outcome = "unchanged"
            elif on_duplicate == ImportBatch.OnDuplicate.UPDATE:
                result.outcome = "update"
            else:
                result.outcome = "skip"
    # Apps that know who may already be registered under another number
    # (dedupe) warn on the rows to create; the row is imported all the same.
    # Asked a chunk at a time: each row is checked against the registered
    # persons only, so the answers are the same, and what the hook builds per
    # row (keys, pinyin, candidates) is not held for the whole file at once
    # (+250 MB at 100,000 rows, docs/benchmarks/imports.md).
    creating = [result for result in results if result.outcome == "create"]
    # Each new person's pinyin, once: dedupe's check below keys on it and the
    # write stores it (docs/benchmarks/imports.md: it was computed twice).
    for result in creating:
        values = result.values
        values["name_pinyin"], values["name_initials"] = name_pinyin_fields(values.get("name", ""))
    if user is not None:
        for start in range(0, len(creating), MATCH_CHUNK):
            chunk = creating[start : start + MATCH_CHUNK]
            for position, message in collect(
                "import_row_matches", user, [result.values for result in chunk]
            ):
                chunk[position].warnings += (("name", message),)
    analysis.counts = {**_count(results), "examples": examples}
    progress("检查完成", len(results), len(results))
    return analysis


def _existing_persons(numbers: list[str]) -> dict[str, Person]:
    # IDs are encrypted: registered persons are found by the ID's keyed hash.
    found: dict[str, Person] = {}
    ring = pii.keyring()
    hashes = [pii.id_number_hash(number, ring=ring) for number in numbers]
    for start in range(0, len(hashes), LOOKUP_CHUNK):
        chunk = hashes[start : start + LOOKUP_CHUNK]
        for person in Person.objects.filter(id_number_hash__in=chunk):
            found[person.id_number] = person
    return found


def _raw_value(value):
    return value.pk if hasattr(value, "_meta") else value


def _changes(person: Person, values: dict) -> dict[str, tuple]:
    changed = {}
    for name, value in values.items():
        attname = Person._meta.get_field(name).attname
        old = getattr(person, attname)
        new = _raw_value(value)
        if old != new and not (old in (None, "") and new in (None, "")):
            changed[name] = (old, new)
    return changed


def _count(results: list[RowResult]) -> dict:
    counts = dict.fromkeys(
        ["created", "updated", "unchanged", "skipped", "invalid", "duplicates_in_file"], 0
    )
    names = {
        "create": "created",
        "update": "updated",
        "unchanged": "unchanged",
        "skip": "skipped",
        "invalid": "invalid",
        "duplicate": "duplicates_in_file",
    }
    warnings = 0  # rows imported with a warning; rejected rows are counted apart
    for result in results:
        counts[names[result.outcome]] += 1
        warnings += bool(result.warnings) and result.outcome not in {"invalid", "duplicate"}
    return {"rows": len(results), **counts, "warnings": warnings}


# --- writing -------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _previous_value(name: str, value):
    """A previous value as kept for undo; identifiers stay encrypted (core/pii.py)."""
    if name in IDENTIFIER_FIELDS and isinstance(value, str):
        return pii.encrypt(value, name)
    return _json_value(value)


def _write(
    *,
    actor,
    batch: ImportBatch,
    analysis: Analysis,
    request=None,
    progress: Progress = _no_progress,
) -> None:
    """Write every valid row; runs inside the caller's transaction.

    `progress` hears ("写入数据库", rows written, rows to write) after each
    batch of new persons and every PROGRESS_EVERY updates.
    """
    reason = f"导入：{batch.file_name}（批次#{batch.pk}）"
    records: list[ImportedRecord] = []
    creates = [r for r in analysis.results if r.outcome == "create"]
    updates = [r for r in analysis.results if r.outcome == "update"]
    to_write = len(creates) + len(updates)
    written = 0
    progress(WRITING, 0, to_write)
    ring = pii.keyring()  # once, not twice per person (hashes of ID and mobile)

    def new_persons():
        # Made one at a time while the rows before them are being written.
        for result in creates:
            person = _new_person(result.values, ring=ring, unread=result.unread)
            result.values = {}  # no longer needed; keeps peak memory down
            yield person

    row_numbers = iter([r.row_number for r in creates])

    def record_created(persons: list[Person]) -> None:
        nonlocal written
        insert_rows(
            ImportedRecord,
            (
                unsaved(
                    ImportedRecord,
                    {
                        "batch_id": batch.pk,
                        "person_id": p.pk,
                        "person_ref": p.pk,
                        "action": ImportedRecord.Action.CREATED,
                        "row_number": next(row_numbers),
                        "version_after": 1,
                    },
                )
                for p in persons
            ),
            now=timezone.now(),
        )
        written += len(persons)
        progress(WRITING, written, to_write)

    persons_bulk_insert(
        new_persons(),
        count=len(creates),
        actor=actor,
        reason=reason,
        batch_size=WRITE_BATCH,
        after_batch=record_created,
    )
    for result in updates:
        person = result.person
        previous = {
            Person._meta.get_field(name).attname: _previous_value(name, old)
            for name, (old, _new) in result.changes.items()
        }
        data = {name: result.values[name] for name in result.changes}
        updated = person_update(
            actor=actor,
            person=person,
            data=data,
            expected_version=person.version,
            request=request,
            reason=reason,
            unread=result.unread,
        )
        records.append(
            ImportedRecord(
                batch=batch,
                person_id=updated.pk,
                person_ref=updated.pk,
                action=ImportedRecord.Action.UPDATED,
                row_number=result.row_number,
                version_after=updated.version,
                previous=previous,
            )
        )
        written += 1
        if written % PROGRESS_EVERY == 0:
            progress(WRITING, written, to_write)
    ImportedRecord.objects.bulk_create(records, batch_size=5000)
    progress(WRITING, to_write, to_write)
    if len(creates) >= LARGE_WRITE:
        # The planner's statistics no longer match the table (core/db_stats.py);
        # ANALYZE takes seconds at a million rows, so the task worker runs it.
        transaction.on_commit(refresh_statistics.enqueue)
    batch.counts = analysis.counts
    batch.status = ImportBatch.Status.COMMITTED
    batch.committed_at = timezone.now()
    batch.phase = ""
    batch.progress_done = batch.progress_total = analysis.counts["rows"]
    batch._history_user = actor
    batch.save(
        update_fields=[
            "counts",
            "status",
            "committed_at",
            "phase",
            "progress_done",
            "progress_total",
            "mapping",
            "on_duplicate",
        ]
    )
    audit_log(
        action=AuditEntry.Action.IMPORT,
        user=actor,
        request=request,
        obj=batch,
        region=batch.region,
        changes={
            "file_name": batch.file_name,
            "sha256": batch.sha256,
            "on_duplicate": batch.on_duplicate,
            **analysis.counts,
        },
    )


def _new_person(values: dict, *, ring: pii.Keyring, unread: tuple[str, ...] = ()) -> Person:
    """A Person ready for persons_bulk_insert, with its derived search columns
    (the pinyin ones are in `values` already: _analyse)."""
    return unsaved(
        Person,
        {
            **values,
            "search_tokens": name_tokens(values.get("name", "")),
            **id_derived_fields(values.get("id_number", ""), ring=ring),
            **mobile_derived_fields(values.get("mobile", ""), ring=ring),
            "unread_fields": unread_note(unread) if unread else "",
            "version": 1,
        },
    )


def _stored_mapping(mapping: dict[int, str]) -> dict[str, str]:
    return {str(index): name for index, name in sorted(mapping.items())}


def guessed_mapping(batch: ImportBatch) -> dict[str, str]:
    """The mapping recognised from the batch's column names alone (as stored)."""
    return _stored_mapping(suggest_mapping(batch.columns))


def _mapping_from_stored(stored: dict) -> dict[int, str]:
    return {int(index): name for index, name in stored.items() if name in IMPORTABLE_FIELDS}


# --- the command line ------------------------------------------------------------


@dataclass
class FileImport:
    analysis: Analysis
    batch: ImportBatch | None


def import_file(
    *,
    actor,
    path: Path,
    file_name: str = "",
    commit: bool = False,
    on_duplicate: str = ImportBatch.OnDuplicate.SKIP,
    default_region=None,
    progress: Progress = _no_progress,
) -> FileImport:
    """Check `path` and, with commit=True, import it in one transaction.

    Without commit nothing at all is written. With commit the batch record is
    created inside the same transaction as the persons, so an import killed
    midway leaves no trace.
    """
    path = Path(path)
    file_name = file_name or path.name
    table = read_table(path, file_name)
    mapping = remembered_mapping(region=_batch_region(actor), columns=table.header)
    mapping = mapping or suggest_mapping(table.header)
    analysis = analyse(
        user=actor,
        table=table,
        mapping=mapping,
        on_duplicate=on_duplicate,
        default_region=default_region,
        progress=progress,
    )
    if not commit:
        return FileImport(analysis=analysis, batch=None)
    with transaction.atomic():
        batch = ImportBatch(
            created_by=actor,
            region=_batch_region(actor),
            default_region=default_region,
            file_name=file_name[:200],
            file_kind=table.kind,
            file_size=path.stat().st_size,
            sha256=sha256_of(path),
            header_row=table.header_row,
            columns=table.header,
            mapping=_stored_mapping(mapping),
            on_duplicate=on_duplicate,
            status=ImportBatch.Status.COMMITTING,
        )
        batch._history_user = actor
        batch.save(force_insert=True)
        _write(actor=actor, batch=batch, analysis=analysis, progress=progress)
    progress("导入完成", analysis.counts["rows"], analysis.counts["rows"])
    return FileImport(analysis=analysis, batch=batch)


def _batch_region(user):
    """The node a batch belongs to: the first node the user is placed at
    (None, the whole deployment's, for users who see everything)."""
    if user is None or scope.sees_everything(user):
        return None
    return user.regions.order_by("path").first()


# --- the web flow -------------------------------------------------------------------


@transaction.atomic
def import_batch_create(
    *, actor, upload, default_region=None, on_duplicate: str = ImportBatch.OnDuplicate.SKIP
) -> ImportBatch:
    """Store an uploaded file for the task worker to read (import_batch_read).

    Only what costs nothing is checked here, in the request: the extension,
    the size, the magic bytes and a zip's directory (check_file). Reading
    the sheet — measuring its extent, parsing it, finding the header — is
    the worker's job, so no upload can hold or end a web worker. Raises
    ImportFileError (nothing is stored then).
    """
    import tempfile

    suffix = Path(upload.name).suffix.lower()
    with tempfile.NamedTemporaryFile(suffix=suffix) as temporary:
        for chunk in upload.chunks():
            temporary.write(chunk)
        temporary.flush()
        path = Path(temporary.name)
        kind = check_file(path, upload.name)
        batch = ImportBatch(
            created_by=actor,
            region=_batch_region(actor),
            default_region=default_region,
            file_name=Path(upload.name).name[:200],
            file_kind=kind,
            file_size=path.stat().st_size,
            sha256=sha256_of(path),
            on_duplicate=on_duplicate,
            status=ImportBatch.Status.READING,
            phase="排队等待",
        )
        with path.open("rb") as handle:
            batch.file.save(f"batch{suffix}", File(handle), save=False)
    batch._history_user = actor
    batch.save(force_insert=True)
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        obj=batch,
        region=batch.region,
        changes={"file_name": batch.file_name, "sha256": batch.sha256, "size": batch.file_size},
    )
    return batch


def import_batch_read(*, batch: ImportBatch) -> ImportBatch:
    """Read the stored file (task worker): its header and suggested mapping, or
    the Chinese reason it is refused — then the batch fails and the file is deleted."""
    with leases.held(batch):
        ImportBatch.objects.filter(pk=batch.pk).update(phase="读取文件")
        try:
            with _batch_table(batch) as table:
                header, header_row, size_hint = table.header, table.header_row, table.size_hint
                kind = table.kind
        except ImportFileError as error:
            batch.refresh_from_db()
            batch.file.delete(save=False)
            batch.status = ImportBatch.Status.FAILED
            batch.error_message = error.message
            batch.phase = ""
            batch._history_user = batch.created_by
            batch.save(update_fields=["file", "status", "error_message", "phase"])
            return batch
        batch.refresh_from_db()
        batch.file_kind = kind
        batch.header_row = header_row
        batch.columns = header
        # The mapping last committed for the same header layout, else the guess.
        mapping = remembered_mapping(region=batch.region, columns=header)
        batch.mapping = _stored_mapping(mapping or suggest_mapping(header))
        batch.progress_total = size_hint
        batch.status = ImportBatch.Status.UPLOADED
        batch.phase = ""
        batch._history_user = batch.created_by
        batch.save(update_fields=["file_kind", "header_row", "columns", "mapping",
                                  "progress_total", "status", "phase"])  # fmt: skip
        return batch


def import_batch_set_mapping(
    *, actor, batch: ImportBatch, mapping: dict[int, str], on_duplicate: str
) -> None:
    """The user's column mapping and their choice for persons already registered."""
    batch.mapping = _stored_mapping(mapping)
    batch.on_duplicate = on_duplicate
    batch.status = ImportBatch.Status.UPLOADED
    batch.error_message = ""
    batch._history_user = actor
    batch.save(update_fields=["mapping", "on_duplicate", "status", "error_message"])


def _set_progress(batch: ImportBatch) -> Progress:
    def report(phase: str, done: int, total: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(
            phase=phase, progress_done=done, progress_total=total
        )

    return report


def _write_progress_key(batch: ImportBatch) -> str:
    return f"tongxin:import-writing:{batch.pk}"


def _write_progress_reporter(batch: ImportBatch) -> Progress:
    # The rows are written in one transaction, and the batch row with them:
    # a progress count stored there would show only once all is done (and on
    # SQLite no other connection may write meanwhile). The shared file cache
    # is outside the transaction and seen by the web workers.
    def report(phase: str, done: int, total: int) -> None:
        cache.set(_write_progress_key(batch), (done, total), timeout=3600)

    return report


def write_progress(batch: ImportBatch) -> tuple[int, int] | None:
    """(rows written, rows to write) while a batch is being written, else None."""
    if batch.status != ImportBatch.Status.COMMITTING or batch.phase != WRITING:
        return None
    return cache.get(_write_progress_key(batch))


@contextmanager
def _batch_table(batch: ImportBatch) -> Iterator[Table]:
    """The stored file's table; its rows are read lazily, so only inside the
    `with` block (from a bucket, a temporary copy is read: core/storage.py)."""
    with local_copy(batch.file.name, batch.file.storage) as path:
        yield read_table(path, batch.file_name)


def _batch_analyse(batch: ImportBatch, actor) -> Analysis:
    with _batch_table(batch) as table:
        return analyse(
            user=actor,
            table=table,
            mapping=_mapping_from_stored(batch.mapping),
            on_duplicate=batch.on_duplicate,
            default_region=batch.default_region,
            progress=_set_progress(batch),
        )


def _fail(batch: ImportBatch, message: str, status=ImportBatch.Status.FAILED) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(status=status, error_message=message, phase="")


def import_batch_analyse(*, batch: ImportBatch) -> ImportBatch:
    """The preview: check every row and store the counts and problems on the batch."""
    actor = batch.created_by
    with leases.held(batch):
        ImportBatch.objects.filter(pk=batch.pk).update(
            status=ImportBatch.Status.ANALYSING, error_message="", phase="读取文件"
        )
        try:
            analysis = _batch_analyse(batch, actor)
        except ImportFileError as error:
            _fail(batch, error.message)
            batch.refresh_from_db()
            return batch
        return _store_preview(batch, analysis, actor)


def _store_preview(batch: ImportBatch, analysis: Analysis, actor) -> ImportBatch:
    batch.refresh_from_db()
    batch.counts = analysis.counts
    batch.problems = analysis.problems()
    batch.existing = analysis.existing()
    batch.warnings = analysis.warnings()
    batch.unknown_values = analysis.unknown_values()
    batch.status = ImportBatch.Status.PREVIEWED
    batch.phase = ""
    batch._history_user = actor
    batch.save(
        update_fields=["counts", "problems", "existing", "warnings", "unknown_values", "status",
                       "phase"]
    )  # fmt: skip
    return batch


class ImportCommitError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def import_batch_commit(*, batch: ImportBatch, actor=None, request=None) -> ImportBatch:
    """Re-check the file against the database as it is now and write it in one transaction.

    `actor` defaults to the user who uploaded the file (the task worker has no
    request). On any failure nothing is written; the batch goes back to
    "previewed" with the reason, so the user can fix things and try again.
    """
    actor = actor or batch.created_by
    if batch.status not in {ImportBatch.Status.PREVIEWED, ImportBatch.Status.COMMITTING}:
        raise ImportCommitError("该批次当前不能导入（请先预览）")
    # The lease lets a worker that dies mid-commit be found (core/leases.py):
    # the transaction below is rolled back by the database, the status by
    # import_batch_recover.
    with leases.held(batch):
        return _commit(batch=batch, actor=actor, request=request)


def _commit(*, batch: ImportBatch, actor, request) -> ImportBatch:
    from django.db import IntegrityError

    from tongxin.people.services import StaleEditError

    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportBatch.Status.COMMITTING, error_message="", phase="读取文件"
    )
    try:
        analysis = _batch_analyse(batch, actor)
        ImportBatch.objects.filter(pk=batch.pk).update(phase=WRITING)
        batch.refresh_from_db()
        with transaction.atomic():
            _write(
                actor=actor,
                batch=batch,
                analysis=analysis,
                request=request,
                progress=_write_progress_reporter(batch),
            )
            column_mapping_remember(batch=batch, actor=actor)
    except ImportFileError as error:
        _fail(batch, error.message, ImportBatch.Status.PREVIEWED)
        raise ImportCommitError(error.message) from None
    except (IntegrityError, StaleEditError):
        message = "导入期间有人修改了相关人员，本次未写入任何数据，请重新预览后再导入"
        _fail(batch, message, ImportBatch.Status.PREVIEWED)
        raise ImportCommitError(message) from None
    except Exception:
        _fail(
            batch,
            "导入失败，未写入任何数据；请联系系统管理员查看日志",
            ImportBatch.Status.PREVIEWED,
        )
        raise
    finally:
        cache.delete(_write_progress_key(batch))
    batch.refresh_from_db()
    return batch


# --- undo ------------------------------------------------------------------------


class UndoBlocked(Exception):
    """Records changed since the import; `blockers` lists them."""

    def __init__(self, blockers: list[dict]):
        super().__init__("撤销未执行")
        self.blockers = blockers


def undo_blockers(batch: ImportBatch) -> list[dict]:
    """Rows whose person changed after the import (or is referenced elsewhere)."""
    blockers = []
    records = list(batch.records.all().order_by("row_number"))
    persons = {}
    ids = [r.person_ref for r in records]
    for start in range(0, len(ids), LOOKUP_CHUNK):
        for person in Person.objects.filter(pk__in=ids[start : start + LOOKUP_CHUNK]):
            persons[person.pk] = person
    for record in records:
        person = persons.get(record.person_ref)
        if person is None:
            blockers.append({"row": record.row_number, "name": "", "reason": "该人员已不存在"})
        elif person.version != record.version_after:
            blockers.append(
                {
                    "row": record.row_number,
                    "name": person.name,
                    "reason": f"导入后已被修改（版本 {record.version_after} → {person.version}）",
                }
            )
    created = [r.person_ref for r in records if r.action == ImportedRecord.Action.CREATED]
    referenced = _referenced_elsewhere(created)
    for record in records:
        if record.person_ref in referenced:
            person = persons.get(record.person_ref)
            blockers.append(
                {
                    "row": record.row_number,
                    "name": person.name if person else "",
                    "reason": "已有其他记录（如培养、评价）关联该人员",
                }
            )
    return blockers


def _referenced_elsewhere(person_ids: list[int]) -> set[int]:
    found: set[int] = set()
    for relation in Person._meta.related_objects:
        model = relation.related_model
        # Rows derived from the person alone (dedupe's keys and pairs) go with it.
        if model is ImportedRecord or not relation.field.concrete:
            continue
        if getattr(model, "derived_from_person", False):
            continue
        column = relation.field.attname
        for start in range(0, len(person_ids), LOOKUP_CHUNK):
            chunk = person_ids[start : start + LOOKUP_CHUNK]
            found.update(
                model._base_manager.filter(**{f"{column}__in": chunk}).values_list(
                    column, flat=True
                )
            )
    return found


@transaction.atomic
def import_batch_undo(*, actor, batch: ImportBatch, request=None) -> ImportBatch:
    """Take the whole batch back, or nothing (raises UndoBlocked naming the rows).

    Persons the batch created are removed (they never existed before it and
    nobody has touched them since; see docs/features/imports.md), with a
    deletion row in their history; persons it updated get their previous
    values back as a new version.
    """
    batch = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != ImportBatch.Status.COMMITTED:
        raise UndoBlocked([{"row": "", "name": "", "reason": "只有已导入的批次可以撤销"}])
    blockers = undo_blockers(batch)
    if blockers:
        raise UndoBlocked(blockers)
    reason = f"撤销导入：{batch.file_name}（批次#{batch.pk}）"
    records = list(batch.records.all())
    for record in records:
        if record.action == ImportedRecord.Action.UPDATED:
            _restore_previous(actor=actor, person_id=record.person_ref, previous=record.previous,
                              reason=reason, request=request)  # fmt: skip
    created = [r.person_ref for r in records if r.action == ImportedRecord.Action.CREATED]
    _delete_created(created, actor=actor, reason=reason)
    batch.status = ImportBatch.Status.UNDONE
    batch.undone_at = timezone.now()
    batch.undone_by = actor
    batch._history_user = actor
    batch.save(update_fields=["status", "undone_at", "undone_by"])
    audit_log(
        action=AuditEntry.Action.DELETE,
        user=actor,
        request=request,
        obj=batch,
        region=batch.region,
        changes={
            "undo": True,
            "file_name": batch.file_name,
            "removed_persons": len(created),
            "restored_persons": len(records) - len(created),
        },
    )
    return batch


def _restore_previous(*, actor, person_id: int, previous: dict, reason: str, request) -> None:
    current = Person.objects.select_for_update().get(pk=person_id)
    fields = []
    changes = {}
    for attname, value in previous.items():
        model_field = next(f for f in Person._meta.concrete_fields if f.attname == attname)
        if isinstance(model_field, _date_field()) and isinstance(value, str):
            value = datetime.date.fromisoformat(value)
        if attname in IDENTIFIER_FIELDS and isinstance(value, str) and "$" in value:
            value = pii.decrypt(value, attname)  # kept encrypted (_previous_value)
        changes[model_field.name] = [str(getattr(current, attname) or ""), str(value or "")]
        setattr(current, attname, value)
        fields.append(attname)
    if {"name", "id_number", "mobile"} & set(fields):
        derived = derived_fields(
            name=current.name, id_number=current.id_number, mobile=current.mobile
        )
        for name, value in derived.items():
            setattr(current, name, value)
            fields.append(name)
    current.version += 1
    current._history_user = actor
    current._change_reason = reason
    current.save(update_fields=[*fields, "version", "updated_at"])
    for masked in ("id_number", "mobile"):
        if masked in changes:
            changes[masked] = ["已恢复", ""]
    audit_log(
        action=AuditEntry.Action.UPDATE, user=actor, request=request, obj=current, changes=changes
    )


def _date_field():
    from django.db.models import DateField

    return DateField


def _delete_created(person_ids: list[int], *, actor, reason: str) -> None:
    """Remove persons in bulk, writing the '-' history row simple-history would write."""
    history_table = Person.history.model._meta.db_table
    person_table = Person._meta.db_table
    skip = {"history_id", "history_date", "history_type", "history_user_id"}
    skip.add("history_change_reason")
    columns = [f.column for f in Person.history.model._meta.concrete_fields if f.column not in skip]
    column_list = ", ".join(connection.ops.quote_name(c) for c in columns)
    actor_id = actor.pk if actor is not None else None
    for start in range(0, len(person_ids), 900):
        chunk = person_ids[start : start + 900]
        marks = ", ".join(["%s"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {history_table} ({column_list}, history_date, history_type, "
                f"history_user_id, history_change_reason) "
                f"SELECT {column_list}, %s, '-', %s, %s FROM {person_table} WHERE id IN ({marks})",
                [timezone.now(), actor_id, reason, *chunk],
            )
        ImportedRecord.objects.filter(person_id__in=chunk).update(person=None)
        # Rows derived from the person alone (_referenced_elsewhere) go with it.
        for relation in Person._meta.related_objects:
            if getattr(relation.related_model, "derived_from_person", False):
                column = relation.field.attname
                relation.related_model._base_manager.filter(**{f"{column}__in": chunk}).delete()
        Person.objects.filter(pk__in=chunk)._raw_delete(Person.objects.db)
    username = actor.get_username() if actor is not None else ""
    AuditEntry.objects.bulk_create(
        (
            AuditEntry(
                user=actor,
                username=username,
                action=AuditEntry.Action.DELETE,
                object_type=Person._meta.label_lower,
                object_id=str(person_id),
                object_repr="（撤销导入）",
                changes={"reason": reason},
            )
            for person_id in person_ids
        ),
        batch_size=5000,
    )


# --- the rejected rows, to fix and re-import -------------------------------------------


def rejected_rows_xlsx(batch: ImportBatch) -> bytes:
    """The file's header and its rejected rows, with a reason column, as xlsx.

    Every cell is written as text or a date, never as a formula.
    """
    output = io.BytesIO()
    # The file is read from a local copy while the rows are written (object storage).
    with _batch_table(batch) as table:
        header = [*table.header, "原行号", "未导入原因"]
        with exporting.XlsxBook(output) as book:
            book.table(
                exporting.Table(
                    name="未导入的行",
                    headers=header,
                    widths=[*([None] * (len(header) - 1)), 60],
                    rows=_rejected_rows(batch, table),
                )
            )
    return output.getvalue()


def _rejected_rows(batch: ImportBatch, table) -> Iterator[list]:
    """Each rejected row as the file had it, then its row number and why."""
    reasons: dict[int, list[str]] = {}
    for problem in batch.problems:
        column = f"{problem['column']}：" if problem.get("column") else ""
        reasons.setdefault(int(problem["row"]), []).append(column + problem["message"])
    width = len(table.header)
    for offset, row in enumerate(table.rows):
        number = table.header_row + 1 + offset
        if number not in reasons:
            continue
        cells = [
            value if isinstance(value, datetime.date) or value in (None, "") else cell_text(value)
            for value in row[:width]
        ]
        yield [*cells, *([None] * (width - len(cells))), number, "；".join(reasons[number])]


def import_batch_commit_quietly(*, batch: ImportBatch) -> ImportBatch:
    """For the task worker: a refused commit is recorded on the batch, not raised."""
    try:
        return import_batch_commit(batch=batch)
    except ImportCommitError:
        batch.refresh_from_db()
        return batch


ABANDONED = (
    "后台处理进程意外中止（可能被强制结束、断电或内存不足），本次操作未写入任何人员数据。"
    "请重新确认列对应关系并预览，再导入。"
)


def import_batch_recover(batch_id: int) -> None:
    """A batch whose worker died while checking or writing it (its lease lapsed and
    the process is gone) is marked failed, with history and an audit entry.

    The commit's transaction died with the process, so the persons are as
    before; the user re-runs the preview from the failed batch and commits again.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or not batch.is_running:
            return
        was = batch.get_status_display()
        batch.status = ImportBatch.Status.FAILED
        batch.error_message = ABANDONED
        batch.phase = ""
        batch._history_user = None
        batch._change_reason = "后台处理进程中止，已标记为失败"
        batch.save(update_fields=["status", "error_message", "phase"])
        audit_log(
            action=AuditEntry.Action.UPDATE,
            user=None,
            obj=batch,
            region=batch.region,
            changes={"status": [was, batch.get_status_display()], "reason": ABANDONED},
        )
    cache.delete(_write_progress_key(batch))
