"""Exports and forms: every file that leaves the system is written here and
audited here (who, which filter, how many rows, whether identifiers were
shown in full)."""

import datetime
import hashlib
import tempfile
import zipfile

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import leases, writes
from tongxin.people.listing import PersonFilter
from tongxin.people.services import person_reveal

from . import registration
from .exporters import export_queryset, person_export_to
from .models import ReportJob
from .summary import Summary

DEFAULT_BACKGROUND_ROWS = 5000
DEFAULT_FORM_BATCH_MAX = 3000
# Generated files hold personal data: they are deleted after this many days
# (the audit rows saying who made them stay).
DEFAULT_FILE_DAYS = 7


def background_rows() -> int:
    """Exports of more rows than this run as a background task."""
    return getattr(settings, "REPORTS_BACKGROUND_ROWS", DEFAULT_BACKGROUND_ROWS)


def form_batch_max() -> int:
    return getattr(settings, "REPORTS_FORM_BATCH_MAX", DEFAULT_FORM_BATCH_MAX)


# Generated files live in the shared file storage (default_storage): the task
# worker writes them, any web server hands them out.
EXPORTS = "exports"


def _audit_export(*, user, what: str, request=None, region=None, **details) -> None:
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=user,
        request=request,
        region=region,
        object_type=f"reports.{what}",
        object_repr=details.pop("label", ""),
        changes=details,
    )


# --- person list ------------------------------------------------------------


def person_export_write(*, user, person_filter: PersonFilter, target, request=None) -> int:
    """Write the filtered list to `target` now and audit it; returns the row count.

    Identifiers are written in full only for users whose role may reveal
    them, and the audit row says so.
    """
    reveal = user.can_reveal_identifiers
    rows = person_export_to(target, user=user, person_filter=person_filter, reveal=reveal)
    _audit_export(
        user=user,
        what="person_export",
        request=request,
        label="代表人士名单",
        filter=person_filter.as_query(),
        **{"筛选条件": person_filter.description()},
        rows=rows,
        revealed=reveal,
        format="xlsx",
    )
    return rows


def person_export_count(*, user, person_filter: PersonFilter) -> int:
    return export_queryset(user, person_filter).count()


# --- background jobs ----------------------------------------------------------


@transaction.atomic
def report_job_create(*, user, kind: str, person_filter: PersonFilter, total: int) -> ReportJob:
    job = ReportJob(kind=kind, user=user, params=person_filter.as_query(), total=total)
    return writes.create_tracked(job, actor=user)  # a job the user asked for: no audit entry


def _set_progress(job_id: int, done: int) -> None:
    ReportJob.objects.filter(pk=job_id).update(done=done)


def exports_expire(*, now: datetime.datetime | None = None) -> int:
    """Delete generated files older than REPORTS_FILE_DAYS; returns how many."""
    days = getattr(settings, "REPORTS_FILE_DAYS", DEFAULT_FILE_DAYS)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    removed = 0
    try:
        _dirs, names = default_storage.listdir(EXPORTS)
    except FileNotFoundError:  # nothing generated yet
        return 0
    for name in names:
        path = f"{EXPORTS}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            removed += 1
    return removed


def report_job_run(*, job_id: int) -> None:
    """Generate the job's file. A failure marks the job failed and leaves no file."""
    exports_expire()
    job = ReportJob.objects.select_related("user").get(pk=job_id)
    if job.status != ReportJob.Status.PENDING:
        return  # already run (a retried or duplicated task)
    with leases.held(job):  # a worker that dies here leaves a lease to recover (core/leases.py)
        _report_job_generate(job)


def _report_job_generate(job: ReportJob) -> None:
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, done=0)
    person_filter = PersonFilter.from_query(job.params)
    suffix = ".zip" if job.kind == ReportJob.Kind.FORM_BATCH else ".xlsx"
    # Written to a local temporary file first, then stored whole: a file in
    # the shared storage is never a half-written one.
    try:
        with tempfile.TemporaryFile() as partial:
            if job.kind == ReportJob.Kind.FORM_BATCH:
                rows = _write_form_batch(job, person_filter, partial)
            else:
                rows = person_export_to(
                    partial,
                    user=job.user,
                    person_filter=person_filter,
                    reveal=job.user.can_reveal_identifiers,
                    progress=lambda n: _set_progress(job.pk, n),
                )
            partial.seek(0)
            stored = default_storage.save(f"{EXPORTS}/{job.pk}-{job.token}{suffix}", File(partial))
    except Exception as error:
        _report_job_finish(job, status=ReportJob.Status.FAILED, error=str(error)[:500])
        raise
    with transaction.atomic():
        file_name = stored.rsplit("/", 1)[-1]
        _report_job_finish(job, status=ReportJob.Status.DONE, rows=rows, file_name=file_name)
        what = "form_batch" if job.kind == ReportJob.Kind.FORM_BATCH else "person_export"
        _audit_export(
            user=job.user,
            what=what,
            label=job.get_kind_display(),
            filter=job.params,
            rows=rows,
            revealed=job.user.can_reveal_identifiers,
            format=suffix[1:],
            job=job.pk,
        )


@transaction.atomic
def _report_job_finish(job: ReportJob, *, status: str, rows: int = 0, file_name="", error=""):
    job = writes.lock(ReportJob.objects.select_related("user"), job.pk)
    job.status = status
    job.done = rows if status == ReportJob.Status.DONE else job.done
    job.total = rows if status == ReportJob.Status.DONE else job.total
    job.file_name = file_name
    job.error = error
    job.finished_at = timezone.now()
    writes.save_tracked(
        job,
        actor=job.user,
        fields=["status", "done", "total", "file_name", "error", "finished_at"],
    )


ABANDONED = "后台处理进程意外中止（可能被强制结束、断电或内存不足），请重新生成"


def report_job_recover(job_id: int) -> None:
    """A job whose worker died while generating it is marked failed (with history);
    its partial file, if any, is removed by exports_expire."""
    job = ReportJob.objects.filter(pk=job_id).first()
    if job is not None and job.status == ReportJob.Status.RUNNING:
        _report_job_finish(job, status=ReportJob.Status.FAILED, error=ABANDONED)


def report_job_file(job: ReportJob) -> str | None:
    """The name of the job's file in default_storage, or None (not done, or expired)."""
    if job.status != ReportJob.Status.DONE or not job.file_name:
        return None
    name = f"{EXPORTS}/{job.file_name}"
    return name if default_storage.exists(name) else None


# --- summary table (附件1) ----------------------------------------------------


def summary_export_write(*, user, summary: Summary, target, region=None, request=None) -> None:
    from .summary import write_summary_xlsx

    write_summary_xlsx(summary, target)
    _audit_export(
        user=user,
        what="summary",
        request=request,
        region=region,
        label="分级分类管理汇总表",
        filter={"region": region.pk if region else "all"},
        rows=summary.grand_total,
        format="xlsx",
    )


# --- registration forms (附件2) ------------------------------------------------


@transaction.atomic
def registration_form_export(*, user, person, request=None) -> bytes:
    """One person's form; full identifiers (and a reveal entry) only for users who may."""
    reveal = user.can_reveal_identifiers
    data = registration.render_form(person, reveal=reveal, today=timezone.localdate())
    if reveal:
        person_reveal(actor=user, person=person, request=request, context="登记表")
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=user,
        request=request,
        obj=person,
        changes={"what": "registration_form", "format": "docx", "revealed": reveal},
    )
    return data


def form_file_name(person, index: int | None = None) -> str:
    safe = "".join(c for c in person.name if c not in '\\/:*?"<>|') or "person"
    prefix = f"{index:05d}-" if index is not None else ""
    return f"{prefix}{safe}-登记表.docx"


def _write_form_batch(job: ReportJob, person_filter: PersonFilter, target) -> int:
    reveal = job.user.can_reveal_identifiers
    today = timezone.localdate()
    template = registration.template_bytes()
    qs = export_queryset(job.user, person_filter).select_related(
        "region", "ethnicity", "political_status", "education", "degree", "group", "subcategory"
    )
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for count, person in enumerate(qs.iterator(chunk_size=200), start=1):
            data = registration.render_form(person, reveal=reveal, today=today, template=template)
            archive.writestr(form_file_name(person, count), data)
            if count % 20 == 0:
                _set_progress(job.pk, count)
    return count


# --- the template itself ----------------------------------------------------------


def _keep_dated_template() -> None:
    """Move the current replacement aside under a dated name (nothing is lost)."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    target = registration.OVERRIDE_NAME
    with default_storage.open(target, "rb") as handle:
        default_storage.save(target.replace(".docx", f".{stamp}.docx"), ContentFile(handle.read()))
    default_storage.delete(target)


@transaction.atomic
def registration_template_replace(*, user, data: bytes, file_name: str, request=None) -> str:
    """Install an admin's replacement template after it rendered a sample person.

    The previous replacement is kept beside it, dated, so nothing is lost.
    """
    registration.check_template(data)
    target = registration.OVERRIDE_NAME
    if default_storage.exists(target):
        _keep_dated_template()
    default_storage.save(target, ContentFile(data))
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=user,
        request=request,
        object_type="reports.registration_template",
        object_repr="登记表模板",
        changes={
            "file_name": file_name[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
        },
    )
    return target


@transaction.atomic
def registration_template_reset(*, user, request=None) -> None:
    """Go back to the packaged template; the replacement is kept, dated."""
    if not registration.template_overridden():
        return
    _keep_dated_template()
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=user,
        request=request,
        object_type="reports.registration_template",
        object_repr="登记表模板",
        changes={"reset": "恢复为系统自带模板"},
    )


def today() -> datetime.date:
    return timezone.localdate()
