"""Every write of the persons' own pages: links issued and revoked by staff,
confirmations by the person, what the person submits, and the staff decision
on each submitted field. Keyword-only, atomic, audited.

Entries made by the person carry no user: their `username` says
"本人（个人链接 #n）", so the audit log tells them apart from staff.
"""

import datetime
import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, get_random_string

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log, client_ip
from tongxin.core import writes
from tongxin.engagement import invitations
from tongxin.engagement.models import Invitation
from tongxin.people.models import Person
from tongxin.people.services import diff_person, display_value, person_update
from tongxin.service.models import RequestCategory, ServiceRequest, Suggestion, local_today
from tongxin.service.services import service_request_create, suggestion_create

from .models import (
    DEMO_TOKEN_PREFIX,
    EDITABLE_FIELDS,
    PHOTO_FIELD,
    ChangeItem,
    ChangeRequest,
    ConfirmAttempt,
    PersonalLink,
    SubmissionAttachment,
    new_token,
    token_hash,
)

MAX_VALID_DAYS = 366
MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_SUFFIXES = {"pdf", "jpg", "jpeg", "png", "doc", "docx", "xls", "xlsx", "txt"}


class PortalError(ValueError):
    """A submission refused for a reason the user can act on; `field` names the form field."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


def person_username(link: PersonalLink) -> str:
    return f"本人（个人链接 #{link.pk}）"


# --- links (staff) -----------------------------------------------------------------


@dataclass(frozen=True)
class IssuedLink:
    link: PersonalLink
    token: str  # shown once (letter, SMS text); only its hash is stored


@transaction.atomic
def links_issue(
    *, actor, persons: list[Person], valid_days: int, purpose: str = "", request=None
) -> list[IssuedLink]:
    """One new link per person. Every person must be writable by `actor`
    (the caller checked; checked again here, so no caller can forget)."""
    if not 1 <= valid_days <= MAX_VALID_DAYS:
        raise PortalError(f"有效天数应在1至{MAX_VALID_DAYS}天之间", "valid_days")
    if not persons:
        raise PortalError("没有可发放链接的人员", "persons")
    writable = set(
        Person.objects.writable_by(actor)
        .filter(pk__in=[p.pk for p in persons])
        .values_list("pk", flat=True)
    )
    if len(writable) != len({p.pk for p in persons}):
        raise PortalError("只能为您有权修改的人员发放链接", "persons")
    archived = [p.name for p in persons if p.status != Person.Status.ACTIVE]
    if archived:
        raise PortalError(f"已出库人员不能发放个人链接：{'、'.join(archived[:5])}", "persons")
    until = timezone.now() + datetime.timedelta(days=valid_days)
    issued = []
    for person in persons:
        token = new_token()
        link = PersonalLink.objects.create(
            person=person,
            token_hash=token_hash(token),
            valid_until=until,
            purpose=purpose.strip()[:100],
            created_by=actor,
        )
        audit_log(
            action=AuditEntry.Action.CREATE,
            user=actor,
            request=request,
            obj=link,
            region=person.region,
            object_repr=f"{person.name}的个人链接 #{link.pk}",
            changes={
                "valid_until": [None, timezone.localtime(until).isoformat()],
                "purpose": purpose,
            },
        )
        issued.append(IssuedLink(link, token))
    return issued


@transaction.atomic
def link_revoke(*, actor, link: PersonalLink, request=None) -> PersonalLink:
    current = writes.lock(PersonalLink, link.pk)
    if current.revoked_at:
        raise PortalError("该链接已撤销")
    current.revoked_at = timezone.now()
    current.revoked_by = actor
    current.session_key = ""
    return writes.save_audited(
        current,
        actor=actor,
        fields=["revoked_at", "revoked_by", "session_key"],
        action=AuditEntry.Action.UPDATE,
        changes={"state": ["有效", "已撤销"]},
        request=request,
        region=current.person.region,
        object_repr=f"{current.person.name}的个人链接 #{current.pk}",
    )


def link_for_token(token: str) -> PersonalLink | None:
    """The link of `token`, usable or not; None for anything unknown."""
    if not token or len(token) > 100:
        return None
    if token.startswith(DEMO_TOKEN_PREFIX) and not (settings.DEMO or settings.DEBUG):
        return None
    return (
        PersonalLink.objects.select_related("person").filter(token_hash=token_hash(token)).first()
    )


# --- confirmation (the person) -------------------------------------------------------


def address_is_limited(request) -> bool:
    """Too many failed confirmations or unknown links from this address lately."""
    since = timezone.now() - datetime.timedelta(minutes=settings.PORTAL_ADDRESS_WINDOW_MINUTES)
    recent = ConfirmAttempt.objects.filter(ip_address=client_ip(request), at__gte=since)
    return recent.count() >= settings.PORTAL_ADDRESS_FAILURE_LIMIT


def _attempt_noted(request) -> None:
    """One failure counted for the client's address; those past the window go,
    so the table holds one window's failures however long an attack lasts."""
    since = timezone.now() - datetime.timedelta(minutes=settings.PORTAL_ADDRESS_WINDOW_MINUTES)
    ConfirmAttempt.objects.filter(at__lt=since).delete()
    ConfirmAttempt.objects.create(ip_address=client_ip(request))


@transaction.atomic
def unknown_link_noted(*, request) -> None:
    """An unknown, expired or revoked link was opened: counted for the address."""
    _attempt_noted(request)


def _matches(person: Person, id_suffix: str, birth_date: datetime.date | None) -> bool:
    cleaned = (id_suffix or "").strip().upper().replace(" ", "")
    expected = (person.id_number or "")[-6:].upper()
    same_suffix = len(cleaned) == 6 and constant_time_compare(cleaned, expected)
    return same_suffix and birth_date == person.birth_date


@transaction.atomic
def link_confirm(
    *, link: PersonalLink, id_suffix: str, birth_date: datetime.date | None, request=None
) -> str | None:
    """Check what only the person knows. Returns the new session key on success,
    None on a wrong answer (counted; the link locks at the limit)."""
    current = writes.lock(PersonalLink.objects.select_related("person"), link.pk)
    if not current.is_usable:
        return None
    username = person_username(current)
    if not _matches(current.person, id_suffix, birth_date):
        _attempt_noted(request)
        current.failed_attempts = F("failed_attempts") + 1
        current.save(update_fields=["failed_attempts"])
        current.refresh_from_db(fields=["failed_attempts"])
        changes = {"failed_attempts": current.failed_attempts}
        if current.failed_attempts >= settings.PORTAL_LINK_FAILURE_LIMIT:
            current.locked_at = timezone.now()
            current.session_key = ""
            current.save(update_fields=["locked_at", "session_key"])
            changes["locked"] = True
        audit_log(
            action=AuditEntry.Action.LOGIN_FAILED,
            request=request,
            obj=current,
            region=current.person.region,
            username=username,
            object_repr=f"{current.person.name}的个人链接 #{current.pk}",
            changes=changes,
        )
        return None
    current.session_key = get_random_string(32)
    current.last_confirmed_at = timezone.now()
    current.save(update_fields=["session_key", "last_confirmed_at"])
    audit_log(
        action=AuditEntry.Action.LOGIN,
        request=request,
        obj=current.person,
        username=username,
        changes={"link": current.pk},
    )
    return current.session_key


def person_page_viewed(*, link: PersonalLink, page: str, request=None) -> None:
    """Every page the person opens is in the audit log (PIPL: access is logged)."""
    audit_log(
        action=AuditEntry.Action.EXPORT if page == "下载本人信息" else AuditEntry.Action.VIEW,
        request=request,
        obj=link.person,
        username=person_username(link),
        changes={"page": page},
    )


@transaction.atomic
def link_sign_out(*, link: PersonalLink, request=None) -> None:
    PersonalLink.objects.filter(pk=link.pk).update(session_key="")
    audit_log(
        action=AuditEntry.Action.LOGOUT,
        request=request,
        obj=link.person,
        username=person_username(link),
    )


# --- what the person submits ------------------------------------------------------------


def _refuse_if_busy(link: PersonalLink) -> None:
    """A confirmed session may not flood the office: at most
    PORTAL_DAILY_SUBMISSIONS submissions (changes, requests, suggestions) a day."""
    since = timezone.now() - datetime.timedelta(days=1)
    count = (
        ChangeRequest.objects.filter(link=link, submitted_at__gte=since).count()
        + ServiceRequest.objects.filter(
            person_id=link.person_id, self_submitted=True, created_at__gte=since
        ).count()
        + Suggestion.objects.filter(
            submitters=link.person_id, self_submitted=True, created_at__gte=since
        ).count()
    )
    if count >= settings.PORTAL_DAILY_SUBMISSIONS:
        raise PortalError("今天提交的次数已达上限，请明天再提交，或直接联系统战部门。")


# --- change requests -------------------------------------------------------------------


def _raw_for_json(value):
    if hasattr(value, "_meta"):
        return value.pk
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _value_from_raw(field: str, raw):
    """The value to hand person_update for a stored raw value."""
    model_field = Person._meta.get_field(field)
    if raw in (None, ""):
        return None if model_field.null else ""
    if model_field.is_relation:
        return model_field.related_model._base_manager.get(pk=raw)
    return model_field.to_python(raw)


@transaction.atomic
def change_request_submit(
    *, link: PersonalLink, data: dict, photo=None, note: str = "", request=None
) -> ChangeRequest:
    """The person proposes new values (`data`: field → cleaned value, of
    EDITABLE_FIELDS) and/or a new photo. Only differing fields are kept;
    nothing is written to the person."""
    _refuse_if_busy(link)
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise PortalError("这些信息不能在个人页面修改：" + "、".join(sorted(unknown)))
    person = Person.objects.get(pk=link.person_id)
    changed = diff_person(person, data)
    if not changed and photo is None:
        raise PortalError("您没有修改任何信息。如信息无变化，请使用“信息无变化”确认。")
    change_request = ChangeRequest.objects.create(
        person=person,
        link=link,
        kind=ChangeRequest.Kind.UPDATE,
        note=(note or "").strip(),
        base_version=person.version,
    )
    audit_changes = {}
    for field in EDITABLE_FIELDS:  # in the form's order
        if field not in changed:
            continue
        old, new = changed[field]
        ChangeItem.objects.create(
            change_request=change_request,
            field=field,
            old_value=json.dumps(_raw_for_json(old), ensure_ascii=False),
            new_value=json.dumps(_raw_for_json(new), ensure_ascii=False),
            old_display=display_value(field, old),
            new_display=display_value(field, new),
        )
        audit_changes[field] = [display_value(field, old), display_value(field, new)]
    if photo is not None:
        ChangeItem.objects.create(
            change_request=change_request,
            field=PHOTO_FIELD,
            old_display="已有照片" if person.photo else "无",
            new_display="新照片",
            new_photo=photo,
        )
        audit_changes[PHOTO_FIELD] = ["", "提交新照片"]
    audit_log(
        action=AuditEntry.Action.CREATE,
        request=request,
        obj=change_request,
        region=person.region,
        username=person_username(link),
        object_repr=f"{person.name}的信息更新申请 #{change_request.pk}",
        changes=audit_changes,
    )
    return change_request


@transaction.atomic
def change_request_confirm_unchanged(*, link: PersonalLink, request=None) -> ChangeRequest:
    """The person confirms "信息无变化" for the annual update."""
    _refuse_if_busy(link)
    person = Person.objects.get(pk=link.person_id)
    change_request = ChangeRequest.objects.create(
        person=person, link=link, kind=ChangeRequest.Kind.NO_CHANGE, base_version=person.version
    )
    audit_log(
        action=AuditEntry.Action.CREATE,
        request=request,
        obj=change_request,
        region=person.region,
        username=person_username(link),
        object_repr=f"{person.name}确认信息无变化 #{change_request.pk}",
        changes={"kind": "信息无变化"},
    )
    return change_request


@transaction.atomic
def change_request_decide(
    *,
    actor,
    change_request: ChangeRequest,
    decisions: dict[int, tuple[str, str]],
    request=None,
) -> ChangeRequest:
    """Staff decide fields of a request: {item id: ("approved"|"rejected", reason)}.

    Approved fields are written to the person in one person_update (history
    user: `actor`, reason naming the request); rejected ones need a reason.
    Items not in `decisions` stay pending. The caller checked `actor` may
    write the person.
    """
    current = writes.lock(ChangeRequest, change_request.pk)
    if not Person.objects.writable_by(actor).filter(pk=current.person_id).exists():
        raise PortalError("您无权处理该申请")
    if current.kind != ChangeRequest.Kind.UPDATE:
        raise PortalError("“信息无变化”确认无需逐项审核，请点击“确认收悉”")
    items = {item.pk: item for item in writes.locked(current.items)}
    approved, rejected = [], []
    for item_id, (decision, reason) in sorted(decisions.items()):
        item = items.get(item_id)
        if item is None:
            raise PortalError("申请中没有该项信息")
        if item.decision != ChangeItem.Decision.PENDING:
            raise PortalError(f"“{item.label}”已审核，不能再次审核", f"item-{item.pk}")
        reason = (reason or "").strip()
        if decision == ChangeItem.Decision.REJECTED and not reason:
            raise PortalError(f"请填写“{item.label}”不予采纳的理由", f"item-{item.pk}")
        if decision not in (ChangeItem.Decision.APPROVED, ChangeItem.Decision.REJECTED):
            raise PortalError(f"请选择“{item.label}”的审核结果", f"item-{item.pk}")
        (approved if decision == ChangeItem.Decision.APPROVED else rejected).append((item, reason))
    if not approved and not rejected:
        raise PortalError("请至少审核一项")

    now = timezone.now()
    if approved:
        data = {}
        for item, _reason in approved:
            if item.field == PHOTO_FIELD:
                data["photo"] = item.new_photo
            else:
                data[item.field] = _value_from_raw(item.field, json.loads(item.new_value))
        person = Person.objects.get(pk=current.person_id)
        labels = "、".join(item.label for item, _ in approved)
        person_update(
            actor=actor,
            person=person,
            data=data,
            expected_version=None,
            request=request,
            reason=f"本人申请更新（申请 #{current.pk}：{labels}），{actor.get_username()}审核采纳",
        )
    for item, reason in approved + rejected:
        item.decision = (
            ChangeItem.Decision.APPROVED
            if (item, reason) in approved
            else ChangeItem.Decision.REJECTED
        )
        item.reason = reason[:200]
        item.decided_by = actor
        item.decided_at = now
        fields = ["decision", "reason", "decided_by", "decided_at"]
        if item.field == PHOTO_FIELD and item.decision == ChangeItem.Decision.REJECTED:
            # A refused photo is nobody's record: not kept (minimum necessary).
            stored = item.new_photo.name
            storage = item.new_photo.storage
            transaction.on_commit(lambda name=stored, storage=storage: storage.delete(name))
            item.new_photo = ""
            fields.append("new_photo")
        item.save(update_fields=fields)
    still_pending = current.items.filter(decision=ChangeItem.Decision.PENDING).exists()
    if not still_pending:
        current.status = ChangeRequest.Status.DONE
        current.done_at = now
        current.save(update_fields=["status", "done_at"])
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=request,
        obj=current,
        region=current.person.region,
        object_repr=f"{current.person.name}的信息更新申请 #{current.pk}",
        changes={
            item.field: ["待审核", f"{item.get_decision_display()}" + (f"（{r}）" if r else "")]
            for item, r in approved + rejected
        },
    )
    return current


@transaction.atomic
def change_request_acknowledge(*, actor, change_request: ChangeRequest, request=None):
    """Staff take note of a "信息无变化" confirmation."""
    current = writes.lock(ChangeRequest, change_request.pk)
    if not Person.objects.writable_by(actor).filter(pk=current.person_id).exists():
        raise PortalError("您无权处理该申请")
    if (
        current.kind != ChangeRequest.Kind.NO_CHANGE
        or current.status != ChangeRequest.Status.PENDING
    ):
        raise PortalError("该申请不是待确认的“信息无变化”")
    current.status = ChangeRequest.Status.DONE
    current.done_at = timezone.now()
    current.acknowledged_by = actor
    return writes.save_audited(
        current,
        actor=actor,
        fields=["status", "done_at", "acknowledged_by"],
        action=AuditEntry.Action.UPDATE,
        changes={"status": ["待审核", "已确认收悉"]},
        request=request,
        region=current.person.region,
        object_repr=f"{current.person.name}确认信息无变化 #{current.pk}",
    )


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
