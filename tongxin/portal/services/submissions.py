"""What else the person submits: 意见诉求 with attachments, 建言, and the
answers to invitations."""

from django.core.exceptions import ValidationError
from django.db import transaction

from tongxin.engagement import invitations
from tongxin.engagement.models import Invitation
from tongxin.people.models import Person
from tongxin.service.models import RequestCategory, ServiceRequest, local_today
from tongxin.service.services import service_request_create, suggestion_create

from ..models import (
    PersonalLink,
    SubmissionAttachment,
)
from .common import PortalError, _refuse_if_busy, person_username

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_SUFFIXES = {"pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt"}


# --- speaking up -------------------------------------------------------------------------


def _check_attachments(files) -> None:
    if len(files) > MAX_ATTACHMENTS:
        raise PortalError(f"附件最多{MAX_ATTACHMENTS}个", "attachments")
    for number, upload in enumerate(files, 1):
        name = upload.name or ""
        suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if suffix not in ATTACHMENT_SUFFIXES:
            raise PortalError(
                f"第{number}个附件“{name}”的类型不支持（可上传PDF、图片、Word、Excel或文本文件）",
                "attachments",
            )
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise PortalError(f"第{number}个附件“{name}”超过10MB", "attachments")


@transaction.atomic
def request_submit(
    *, link: PersonalLink, category: RequestCategory, content: str, files=(), request=None
) -> ServiceRequest:
    """A request (意见诉求) from the person's page: enters the office's request
    workflow as received, marked self-submitted, with its attachments."""
    _refuse_if_busy(link)
    if not (content or "").strip():
        raise PortalError("请填写诉求内容", "content")
    _check_attachments(files)
    person = Person.objects.get(pk=link.person_id)
    service_request = service_request_create(
        actor=None,
        person=person,
        data={
            "category": category,
            "content": content,
            "channel": ServiceRequest.Channel.PORTAL,
            "received_on": local_today(),
        },
        request=request,
        self_submitted=True,
    )
    for upload in files:
        SubmissionAttachment.objects.create(
            service_request=service_request,
            file=upload,
            original_name=(upload.name or "附件")[:200],
            size=upload.size,
        )
    return service_request


@transaction.atomic
def suggestion_submit(*, link: PersonalLink, title: str, content: str, request=None):
    """A suggestion (建言献策) from the person's page, marked self-submitted."""
    _refuse_if_busy(link)
    if not (title or "").strip():
        raise PortalError("请填写标题", "title")
    if not (content or "").strip():
        raise PortalError("请填写内容", "content")
    person = Person.objects.get(pk=link.person_id)
    return suggestion_create(
        actor=None,
        data={
            "region": person.region,
            "title": title.strip(),
            "content": content.strip(),
            "topic": "",
            "submitted_on": local_today(),
        },
        submitters=[person],
        request=request,
        self_submitted=True,
    )


# --- invitations ------------------------------------------------------------------------


def invitation_of_link(link: PersonalLink, invitation_id: int) -> Invitation | None:
    """The invitation `invitation_id` if it is to this link's person, else None."""
    return Invitation.objects.filter(pk=invitation_id, person_id=link.person_id).first()


def invitation_answer(
    *, link: PersonalLink, invitation: Invitation, accept: bool, reason: str = "", request=None
) -> Invitation:
    """The person accepts or declines (with a reason) an invitation to them,
    through engagement's one write for it; the history and the audit log name
    "本人（个人链接 #n）". Refusals come back as PortalError."""
    if invitation.person_id != link.person_id:  # the caller looked it up by person; so do we
        raise PortalError("邀请不存在")
    try:
        return invitations.invitation_answer(
            invitation=invitation,
            accept=accept,
            reason=reason,
            username=person_username(link),
            request=request,
        )
    except ValidationError as refused:
        field = next(iter(refused.error_dict), None) if hasattr(refused, "error_dict") else None
        raise PortalError("；".join(refused.messages), field) from None
