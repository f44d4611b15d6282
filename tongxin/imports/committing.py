"""Writing a checked roster: new persons in bulk, existing ones through
person_update, an ImportedRecord per person; and the command-line import."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Unpack

from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import pii, writes
from tongxin.core.bulk import db_value, indexes_built_after, insert_values, unsaved
from tongxin.core.db_stats import LARGE_WRITE
from tongxin.core.tasks import refresh_statistics
from tongxin.people.completeness import unread_note
from tongxin.people.models import IDENTIFIER_FIELDS, Person
from tongxin.people.search import (
    id_derived_fields,
    mobile_derived_fields,
    name_tokens,
)
from tongxin.people.services import person_update, persons_bulk_insert
from tongxin.regions import scope

from .checking import Analysis, Checks, analyse
from .mappings import remembered_mapping
from .models import ImportBatch, ImportedRecord
from .parsing import (
    suggest_mapping,
)
from .status import import_batch_status_set
from .tables import PROGRESS_EVERY, Progress, no_progress, read_table, sha256_of
from .validation import IMPORTABLE_FIELDS

WRITE_BATCH = 5000  # new persons per COPY / executemany
WRITING = "写入数据库"  # the phase while rows are written
# An ImportedRecord of a created person, as _RowWriter writes it.
RECORD_COLUMNS = ["batch_id", "person_id", "person_ref", "action", "row_number", "version_after",
                  "previous"]  # fmt: skip


def _json_value(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _previous_value(name: str, value):
    """A previous value as kept for undo; identifiers stay encrypted (core/pii.py)."""
    if name in IDENTIFIER_FIELDS and isinstance(value, str):
        return pii.encrypt(value, name)
    return _json_value(value)


class _RowWriter:
    """Writes each chunk of checked rows as `analyse` decides it (its
    `on_chunk`), inside the caller's transaction: new persons in bulk, existing
    ones through person_update, an ImportedRecord per person. Each row's
    values are dropped once written, so a 100,000-row file's checked values
    are never all held at once (docs/benchmarks/imports.md).

    `progress` hears ("写入数据库", rows written, rows to write) after each
    batch of new persons and every PROGRESS_EVERY updates; rows to write is
    `expected` (the preview's count, or the file's rows) until all are known.
    """

    def __init__(self, *, actor, batch: ImportBatch, request, progress: Progress, expected: int):
        self.actor = actor
        self.batch = batch
        self.request = request
        self.progress = progress
        self.expected = expected
        self.reason = f"导入：{batch.file_name}（批次#{batch.pk}）"
        self.ring = pii.keyring()  # once, not twice per person (hashes of ID and mobile)
        self.written = 0
        self.created = 0
        # A created person's record keeps no previous values: `{}` as stored.
        self.nothing_before = db_value(ImportedRecord, "previous", {})
        progress(WRITING, 0, expected)

    def _report(self) -> None:
        self.progress(WRITING, self.written, max(self.expected, self.written))

    def __call__(self, chunk: list) -> None:
        creates = [r for r in chunk if r.outcome == "create"]
        updates = [r for r in chunk if r.outcome == "update"]
        if creates:
            self._create(creates)
        if updates:
            records = [self._update(result) for result in updates]
            ImportedRecord.objects.bulk_create(records, batch_size=5000)
        for result in chunk:
            result.values = {}  # no longer needed; keeps peak memory down

    def _create(self, creates: list) -> None:
        ring = self.ring

        def new_persons():
            # Made one at a time while the rows before them are being written.
            for result in creates:
                yield _new_person(result.values, ring=ring, unread=result.unread)

        row_numbers = iter([r.row_number for r in creates])
        batch_id, created = self.batch.pk, ImportedRecord.Action.CREATED
        nothing_before = self.nothing_before

        def record_created(persons: list[Person]) -> None:
            insert_values(
                ImportedRecord,
                RECORD_COLUMNS,
                (
                    (batch_id, p.pk, p.pk, created, next(row_numbers), 1, nothing_before)
                    for p in persons
                ),
            )
            self.written += len(persons)
            self._report()

        persons_bulk_insert(
            new_persons(),
            count=len(creates),
            actor=self.actor,
            reason=self.reason,
            batch_size=WRITE_BATCH,
            after_batch=record_created,
        )
        self.created += len(creates)

    def _update(self, result) -> ImportedRecord:
        person = result.person
        previous = {
            Person._meta.get_field(name).attname: _previous_value(name, old)
            for name, (old, _new) in result.changes.items()
        }
        data = {name: result.values[name] for name in result.changes}
        updated = person_update(
            actor=self.actor,
            person=person,
            data=data,
            expected_version=person.version,
            request=self.request,
            reason=self.reason,
            unread=result.unread,
        )
        self.written += 1
        if self.written % PROGRESS_EVERY == 0:
            self._report()
        return ImportedRecord(
            batch=self.batch,
            person_id=updated.pk,
            person_ref=updated.pk,
            action=ImportedRecord.Action.UPDATED,
            row_number=result.row_number,
            version_after=updated.version,
            previous=previous,
        )

    def finish(self, analysis: Analysis) -> None:
        """The batch committed and audited, once every chunk is written."""
        batch = self.batch
        self.progress(WRITING, self.written, self.written)
        if self.created >= LARGE_WRITE:
            # The planner's statistics no longer match the table (core/db_stats.py);
            # ANALYZE takes seconds at a million rows, so the task worker runs it.
            transaction.on_commit(refresh_statistics.enqueue)
        import_batch_status_set(
            batch=batch,
            status=ImportBatch.Status.COMMITTED,
            actor=self.actor,
            counts=analysis.counts,
            committed_at=timezone.now(),
            phase="",
            progress_done=analysis.counts["rows"],
            progress_total=analysis.counts["rows"],
            mapping=batch.mapping,
            on_duplicate=batch.on_duplicate,
        )
        audit_log(
            action=AuditEntry.Action.IMPORT,
            user=self.actor,
            request=self.request,
            obj=batch,
            region=batch.region,
            changes={
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "on_duplicate": batch.on_duplicate,
                **analysis.counts,
            },
        )


def check_and_write(
    *,
    batch: ImportBatch,
    request=None,
    progress: Progress = no_progress,
    expected: int | None = None,
    **checks: Unpack[Checks],
) -> Analysis:
    """Check every row of the table against the database as it is now and
    write the valid ones, a chunk at a time, as the checks' user; runs inside
    the caller's transaction, so a failure anywhere writes nothing.
    `expected`: the rows the preview said would be written (for the
    progress), else the file's rows.
    """
    rows = checks["table"].size_hint
    writer = _RowWriter(
        actor=checks["user"],
        batch=batch,
        request=request,
        progress=progress,
        expected=rows if expected is None else expected,
    )
    # An office's first roster into an (almost) empty table: its indexes are
    # built once after the rows (core/bulk.py).
    with indexes_built_after(Person, adding=rows):
        analysis = analyse(on_chunk=writer, **checks)
    writer.finish(analysis)
    return analysis


def _new_person(values: dict, *, ring: pii.Keyring, unread: tuple[str, ...] = ()) -> Person:
    """A Person ready for persons_bulk_insert, with its derived search columns
    (the pinyin ones are in `values` already: checking._analyse)."""
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


def stored_mapping(mapping: dict[int, str]) -> dict[str, str]:
    return {str(index): name for index, name in sorted(mapping.items())}


def guessed_mapping(batch: ImportBatch) -> dict[str, str]:
    """The mapping recognised from the batch's column names alone (as stored)."""
    return stored_mapping(suggest_mapping(batch.columns))


def mapping_from_stored(stored: dict) -> dict[int, str]:
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
    progress: Progress = no_progress,
) -> FileImport:
    """Check `path` and, with commit=True, import it in one transaction.

    Without commit nothing at all is written. With commit the batch record is
    created inside the same transaction as the persons, so an import killed
    midway leaves no trace.
    """
    path = Path(path)
    file_name = file_name or path.name
    table = read_table(path, file_name)
    mapping = remembered_mapping(region=batch_region(actor), columns=table.header)
    mapping = mapping or suggest_mapping(table.header)
    checks = Checks(user=actor, table=table, mapping=mapping, on_duplicate=on_duplicate,
                    default_region=default_region)  # fmt: skip
    if not commit:
        return FileImport(analysis=analyse(progress=progress, **checks), batch=None)
    with transaction.atomic():
        batch = ImportBatch(
            created_by=actor,
            region=batch_region(actor),
            default_region=default_region,
            file_name=file_name[:200],
            file_kind=table.kind,
            file_size=path.stat().st_size,
            sha256=sha256_of(path),
            header_row=table.header_row,
            columns=table.header,
            mapping=stored_mapping(mapping),
            on_duplicate=on_duplicate,
            status=ImportBatch.Status.COMMITTING,
        )
        writes.create_tracked(batch, actor=actor)  # finish() audits the import
        analysis = check_and_write(batch=batch, progress=progress, **checks)
    progress("导入完成", analysis.counts["rows"], analysis.counts["rows"])
    return FileImport(analysis=analysis, batch=batch)


def batch_region(user):
    """The node a batch belongs to: the first node the user is placed at
    (None, the whole deployment's, for users who see everything)."""
    if user is None or scope.sees_everything(user):
        return None
    return user.regions.order_by("path").first()
