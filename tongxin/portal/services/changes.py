"""Changes to the person's own record: submitted or confirmed unchanged by
the person, decided field by field and acknowledged by staff."""

import datetime
import json

from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.models import Person
from tongxin.people.services import diff_person, display_value, person_update

from ..models import (
    EDITABLE_FIELDS,
    PHOTO_FIELD,
    ChangeItem,
    ChangeRequest,
    PersonalLink,
)
from .common import PortalError, _refuse_if_busy, person_username

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
