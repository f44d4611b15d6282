"""Activity attachments: the upload check, adding and removing."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.core.writes import create_audited, lock, save_audited

from ..models import (
    Activity,
    ActivityAttachment,
    RecordStatus,
)

ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024


ATTACHMENT_SUFFIXES = {
    "pdf", "doc", "docx", "xls", "xlsx", "ppt", "pptx", "txt", "jpg", "jpeg", "png", "zip",
}  # fmt: skip


# --- attachments ---------------------------------------------------------------------------


def check_upload(upload) -> None:
    suffix = Path(upload.name).suffix.lower().lstrip(".")
    if suffix not in ATTACHMENT_SUFFIXES:
        raise ValidationError(
            {
                "file": f"不支持的文件类型“.{suffix}”；可上传：{'、'.join(sorted(ATTACHMENT_SUFFIXES))}。"
            }
        )
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            {"file": f"文件过大（上限 {ATTACHMENT_MAX_BYTES // 1024 // 1024} MB）。"}
        )
    if upload.size == 0:
        raise ValidationError({"file": "文件为空。"})


@transaction.atomic
def attachment_add(*, actor, activity: Activity, upload, request=None) -> ActivityAttachment:
    check_upload(upload)
    attachment = ActivityAttachment(
        activity=activity, name=Path(upload.name).name[:200], size=upload.size,
        uploaded_by=actor if actor is not None and actor.is_authenticated else None,
    )  # fmt: skip
    attachment.file.save(upload.name, upload, save=False)
    return create_audited(
        attachment,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        audit_obj=activity,
        changes={"attachment_added": attachment.name},
        reason="上传附件",
        request=request,
    )


@transaction.atomic
def attachment_remove(*, actor, attachment: ActivityAttachment, request=None):
    """Hide an attachment; the file and its row stay, as with every other record."""
    current = lock(ActivityAttachment.objects.select_related("activity"), attachment.pk)
    current.status = RecordStatus.CANCELLED
    return save_audited(current, actor=actor, fields=["status"], reason="移除附件",
                        action=AuditEntry.Action.UPDATE, request=request, audit_obj=current.activity,
                        changes={"attachment_removed": current.name})  # fmt: skip
