"""The web flow of an import batch: upload → read (task worker) → mapping →
check → commit, with the progress the pages show, the rejected rows to fix,
and the recovery of a batch whose worker died."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.core.cache import cache
from django.core.files import File
from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import exporting, leases, writes
from tongxin.core.storage import local_copy

from .checking import Analysis, Checks, analyse
from .committing import (
    WRITING,
    batch_region,
    check_and_write,
    mapping_from_stored,
    stored_mapping,
)
from .files import ImportFileError, check_file
from .mappings import column_mapping_remember, remembered_mapping
from .models import ImportBatch
from .parsing import (
    cell_text,
    suggest_mapping,
)
from .status import import_batch_status_set
from .tables import Progress, Table, read_table, sha256_of


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
            region=batch_region(actor),
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
    return writes.create_audited(
        batch,
        actor=actor,
        changes={"file_name": batch.file_name, "sha256": batch.sha256, "size": batch.file_size},
        region=batch.region,
    )


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
            batch.file.delete(save=False)
            return import_batch_status_set(
                batch=batch,
                status=ImportBatch.Status.FAILED,
                actor=batch.created_by,
                file="",
                error_message=error.message,
                phase="",
            )
        # The mapping last committed for the same header layout, else the guess.
        mapping = remembered_mapping(region=batch.region, columns=header)
        return import_batch_status_set(
            batch=batch,
            status=ImportBatch.Status.UPLOADED,
            actor=batch.created_by,
            file_kind=kind,
            header_row=header_row,
            columns=header,
            mapping=stored_mapping(mapping or suggest_mapping(header)),
            progress_total=size_hint,
            phase="",
        )


def import_batch_set_mapping(
    *, actor, batch: ImportBatch, mapping: dict[int, str], on_duplicate: str
) -> None:
    """The user's column mapping and their choice for persons already registered."""
    import_batch_status_set(
        batch=batch,
        status=ImportBatch.Status.UPLOADED,
        actor=actor,
        mapping=stored_mapping(mapping),
        on_duplicate=on_duplicate,
        error_message="",
    )


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


def _values_dropped(chunk: list) -> None:
    # The preview keeps counts, problems and warnings, not the rows' values.
    for result in chunk:
        result.values = {}


def _checks(batch: ImportBatch, actor, table: Table) -> Checks:
    return Checks(
        user=actor,
        table=table,
        mapping=mapping_from_stored(batch.mapping),
        on_duplicate=batch.on_duplicate,
        default_region=batch.default_region,
    )


def _batch_analyse(batch: ImportBatch, actor) -> Analysis:
    with _batch_table(batch) as table:
        return analyse(
            progress=_set_progress(batch), on_chunk=_values_dropped, **_checks(batch, actor, table)
        )


def _fail(batch: ImportBatch, actor, message: str, status=ImportBatch.Status.FAILED) -> None:
    import_batch_status_set(
        batch=batch, status=status, actor=actor, error_message=message, phase=""
    )


def import_batch_analyse(*, batch: ImportBatch) -> ImportBatch:
    """The preview: check every row and store the counts and problems on the batch."""
    actor = batch.created_by
    with leases.held(batch):
        import_batch_status_set(
            batch=batch,
            status=ImportBatch.Status.ANALYSING,
            actor=actor,
            error_message="",
            phase="读取文件",
        )
        try:
            analysis = _batch_analyse(batch, actor)
        except ImportFileError as error:
            _fail(batch, actor, error.message)
            batch.refresh_from_db()
            return batch
        return _store_preview(batch, analysis, actor)


def _store_preview(batch: ImportBatch, analysis: Analysis, actor) -> ImportBatch:
    return import_batch_status_set(
        batch=batch,
        status=ImportBatch.Status.PREVIEWED,
        actor=actor,
        counts=analysis.counts,
        problems=analysis.problems(),
        existing=analysis.existing(),
        warnings=analysis.warnings(),
        unknown_values=analysis.unknown_values(),
        phase="",
    )


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

    import_batch_status_set(
        batch=batch,
        status=ImportBatch.Status.COMMITTING,
        actor=actor,
        error_message="",
        # Checked and written in one transaction, a chunk at a time
        # (committing.check_and_write): the page follows the rows written
        # through the cache, as the batch row is hidden in the transaction.
        phase=WRITING,
    )
    try:
        counts = batch.counts or {}
        with _batch_table(batch) as table, transaction.atomic():
            check_and_write(
                batch=batch,
                request=request,
                progress=_write_progress_reporter(batch),
                expected=counts.get("created", 0) + counts.get("updated", 0) or None,
                **_checks(batch, actor, table),
            )
            column_mapping_remember(batch=batch, actor=actor)
    except ImportFileError as error:
        _fail(batch, actor, error.message, ImportBatch.Status.PREVIEWED)
        raise ImportCommitError(error.message) from None
    except (IntegrityError, StaleEditError):
        message = "导入期间有人修改了相关人员，本次未写入任何数据，请重新预览后再导入"
        _fail(batch, actor, message, ImportBatch.Status.PREVIEWED)
        raise ImportCommitError(message) from None
    except Exception:
        _fail(
            batch,
            actor,
            "导入失败，未写入任何数据；请联系系统管理员查看日志",
            ImportBatch.Status.PREVIEWED,
        )
        raise
    finally:
        cache.delete(_write_progress_key(batch))
    batch.refresh_from_db()
    return batch


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
        batch = writes.locked(ImportBatch).filter(pk=batch_id).first()
        if batch is None or not batch.is_running:
            return
        was = batch.get_status_display()
        batch = import_batch_status_set(
            batch=batch,
            status=ImportBatch.Status.FAILED,
            actor=None,
            reason="后台处理进程中止，已标记为失败",
            error_message=ABANDONED,
            phase="",
        )
        audit_log(
            action=AuditEntry.Action.UPDATE,
            user=None,
            obj=batch,
            region=batch.region,
            changes={"status": [was, batch.get_status_display()], "reason": ABANDONED},
        )
    cache.delete(_write_progress_key(batch))
