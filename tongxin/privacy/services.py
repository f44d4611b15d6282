"""The privacy notice and a person's rights (PIPL arts. 17, 45, 46, 47)."""

import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from tongxin.audit.models import AuditEntry, redact_entry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.core.tasks import figures_changed
from tongxin.core.versioned_cache import figures_reset
from tongxin.people.models import Person
from tongxin.people.services import person_reveal

from . import erasure
from .export import person_data_xlsx
from .models import PrivacyNotice, PrivacyRequest
from .notice_text import DEFAULT_NOTICE

# --- the notice ----------------------------------------------------------------


def notice_current() -> PrivacyNotice:
    """The notice in force (a deployment without one shows the default text)."""
    return PrivacyNotice.objects.first() or PrivacyNotice(version=0, text=DEFAULT_NOTICE)


@transaction.atomic
def notice_update(*, actor, text: str, request=None) -> PrivacyNotice:
    """Publish a new version of the notice; earlier versions stay as they were."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": "告知内容不能为空。"})
    current = writes.locked(PrivacyNotice.objects.order_by("-version")).first()
    if current is not None and current.text == text:
        return current
    last = PrivacyNotice.objects.aggregate(v=Max("version"))["v"] or 0
    notice = PrivacyNotice.objects.create(version=last + 1, text=text, updated_by=actor)
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=notice,
        changes={"version": [last or None, notice.version], "text": [None, f"{len(text)}字"]},
    )
    return notice


# --- requests ---------------------------------------------------------------------


def _record_request(
    *, actor, person: Person, kind: str, details: dict, outcome: str, request=None
) -> PrivacyRequest:
    privacy_request = PrivacyRequest.objects.create(
        person=person,
        person_ref=person.pk,
        kind=kind,
        requester=details["requester"],
        received_on=details["received_on"],
        reference=details["reference"],
        handled_by=actor,
        outcome=outcome,
    )
    audit_log(
        action=AuditEntry.Action.CREATE,
        user=actor,
        request=request,
        obj=privacy_request,
        region=person.region,
        changes={"kind": privacy_request.get_kind_display(), "reference": details["reference"]},
    )
    return privacy_request


@transaction.atomic
def privacy_request_correct(*, actor, person: Person, details: dict, request=None):
    """Record a request to correct (更正); the correction itself is the usual
    edit form, audited as every edit is."""
    return _record_request(
        actor=actor,
        person=person,
        kind=PrivacyRequest.Kind.CORRECT,
        details=details,
        outcome="已转入编辑页更正",
        request=request,
    )


@transaction.atomic
def person_data_export(*, actor, person: Person, details: dict, request=None) -> bytes:
    """Everything held about the person as one xlsx (查阅复制).

    The file shows the full ID and mobile, so it is logged as a reveal as well
    as an export.
    """
    privacy_request = _record_request(
        actor=actor,
        person=person,
        kind=PrivacyRequest.Kind.ACCESS,
        details=details,
        outcome="已导出个人信息副本",
        request=request,
    )
    person_reveal(actor=actor, person=person, request=request, context="查阅复制")
    plan = erasure.plan_for(person)
    content, sheets = person_data_xlsx(plan)
    audit_log(
        action=AuditEntry.Action.EXPORT,
        user=actor,
        request=request,
        obj=person,
        changes={
            "kind": "个人信息副本（查阅复制）",
            "privacy_request": privacy_request.pk,
            "sheets": sheets,
        },
    )
    return content


class ErasureRefused(Exception):
    """Something that cannot be removed now holds the person's data."""


def erasure_blockers(person: Person) -> list[str]:
    """Why the person cannot be erased right now, in words (empty: nothing blocks).

    A running import or report job could write the person's data again after
    the erasure (an import's preview, an export file), so both must finish first.
    """
    from tongxin.core.leases import recover_abandoned
    from tongxin.imports.models import ImportBatch
    from tongxin.reports.models import ReportJob

    recover_abandoned()  # work whose process died no longer counts as running
    reasons = []
    running = ImportBatch.objects.filter(
        status__in=[ImportBatch.Status.ANALYSING, ImportBatch.Status.COMMITTING]
    ).values_list("pk", flat=True)
    reasons += [f"导入#{pk}正在进行，请在其完成后再删除" for pk in running]
    jobs = ReportJob.objects.filter(
        status__in=[ReportJob.Status.PENDING, ReportJob.Status.RUNNING]
    ).values_list("pk", flat=True)
    reasons += [f"报表任务#{pk}正在生成，请在其完成后再删除" for pk in jobs]
    return reasons


def _stored_files(plan: erasure.ErasurePlan) -> list:
    """(storage, name) of every uploaded file held by the person's rows, and of
    the roster files the person was imported from."""
    from django.db.models import FileField

    from tongxin.imports.models import ImportBatch, ImportedRecord

    files = []
    for model, qs in plan.querysets():
        for model_field in model._meta.concrete_fields:
            if isinstance(model_field, FileField):
                for name in qs.exclude(**{model_field.attname: ""}).values_list(
                    model_field.attname, flat=True
                ):
                    if name:
                        files.append((model_field.storage, name))
    batch_ids = ImportedRecord.objects.filter(
        pk__in=plan.rows.get(ImportedRecord, set())
    ).values_list("batch_id", flat=True)
    for batch in ImportBatch.objects.filter(pk__in=batch_ids).exclude(file=""):
        files.append((batch.file.storage, batch.file.name))
    return files


def _clear_import_files(plan: erasure.ErasurePlan) -> int:
    """The roster files the person came from hold their row: cleared now (the
    batches stay, as after the retention purge)."""
    from tongxin.imports.models import ImportBatch, ImportedRecord

    batch_ids = ImportedRecord.objects.filter(
        pk__in=plan.rows.get(ImportedRecord, set())
    ).values_list("batch_id", flat=True)
    cleared = 0
    for batch in ImportBatch.objects.filter(pk__in=list(batch_ids)).exclude(file=""):
        batch.file = ""
        batch._change_reason = "原文件含已依申请删除人员的数据，已删除"
        batch.save(update_fields=["file"])
        cleared += 1
    return cleared


def _sqlite_secure_delete(on: bool) -> None:
    """Make SQLite overwrite the deleted rows' bytes in the file (free pages)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA secure_delete = {'ON' if on else 'OFF'}")


def _purge_search_index() -> None:
    """FTS5 keeps a deleted row's tokens in its segments until they are merged;
    'optimize' merges them all, so the name leaves the index too."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM sqlite_master WHERE name = 'people_person_fts'")
            if cursor.fetchone():
                cursor.execute(
                    "INSERT INTO people_person_fts(people_person_fts) VALUES ('optimize')"
                )


@transaction.atomic
def person_erase(*, actor, person: Person, details: dict, request=None) -> PrivacyRequest:
    """Erase the person on a documented request (删除).

    In one transaction: every row of the plan (erasure.py) and its history is
    deleted, the audit entries about those rows are redacted (who, when and
    which action stay), every mention of the person elsewhere is removed, and
    one audit entry records who erased which record when, on which request —
    with none of the erased values. Stored files go once the transaction commits.
    """
    person = writes.lock(Person, person.pk)
    blockers = erasure_blockers(person)
    if blockers:
        raise ErasureRefused("；".join(blockers) + "。")
    needles = erasure.person_identifiers(person)
    person_pk, region = person.pk, person.region

    privacy_request = PrivacyRequest.objects.create(
        person=None,
        person_ref=person_pk,
        kind=PrivacyRequest.Kind.ERASE,
        requester=details["requester"],
        received_on=details["received_on"],
        reference=details["reference"],
        handled_by=actor,
        outcome="已删除该人员的全部个人信息",
    )
    PrivacyRequest.objects.filter(person_id=person_pk).update(person=None)

    plan = erasure.plan_for(person)
    files = _stored_files(plan)
    imports_cleared = _clear_import_files(plan)
    redacted = set(plan.audit_entries().values_list("pk", flat=True))

    _sqlite_secure_delete(True)
    try:
        for model, field, pks in plan.unlink:
            model._base_manager.filter(pk__in=pks).update(**{field.name: None})
        history_deleted = 0
        for _history, qs in plan.history_querysets():
            history_deleted += qs._raw_delete(qs.db)
        # Raw deletes: no signals, so simple-history writes no "deleted" copy
        # of the rows, and no PROTECT check, since every dependant is in the
        # plan. Foreign keys are checked at commit (deferred constraints).
        for _model, qs in reversed(list(plan.querysets())):
            qs._raw_delete(qs.db)
        for entry_id in redacted:
            redact_entry(
                entry_id, object_repr=erasure.ERASED_TEXT, changes={"说明": erasure.ERASED_TEXT}
            )
        mentions = erasure.find_mentions(needles, exclude_audit_ids=redacted)
        for model, rows in mentions.items():
            for pk, values in rows:
                if model is AuditEntry:
                    redact_entry(pk, **values)
                else:
                    model._base_manager.filter(pk=pk).update(**values)
    finally:
        _sqlite_secure_delete(False)

    reference = erasure.scrub(details["reference"], needles)
    audit_log(
        action=AuditEntry.Action.DELETE,
        user=actor,
        request=request,
        object_type=Person._meta.label_lower,
        object_id=str(person_pk),
        object_repr=erasure.ERASED_TEXT,
        region=region,
        changes={
            "privacy_request": privacy_request.pk,
            "reference": reference,
            "received_on": details["received_on"].isoformat(),
            "deleted": plan.counts(),
            "history_deleted": history_deleted,
            "audit_redacted": len(redacted),
            "mentions_removed": {
                str(model._meta.verbose_name): len(rows) for model, rows in mentions.items()
            },
            "files_deleted": len(files),
            "import_files_cleared": imports_cleared,
        },
    )
    # The request row was written before the sweep; its text may have named the person.
    PrivacyRequest.objects.filter(pk=privacy_request.pk).update(
        reference=reference, requester=erasure.scrub(details["requester"], needles)
    )

    def after_commit():
        for storage, name in files:
            storage.delete(name)
        _purge_search_index()
        figures_reset()
        figures_changed()

    transaction.on_commit(after_commit)
    privacy_request.refresh_from_db()
    return privacy_request


def received_today() -> datetime.date:
    return timezone.localdate()
