"""What creating and deciding requests share: the error, clean inputs, the
trail event, the audit entry, the save and the creation itself."""

import datetime
from typing import TypedDict

from django.conf import settings
from django.utils import timezone

from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.people.models import Person
from tongxin.regions.scope import writes_records

from ..models import ChangeRequest, RequestEvent

State = ChangeRequest.State


class FlowError(ValueError):
    """A request the rules refuse; the message is shown to the user as is."""


class Filing(TypedDict, total=False):
    """How a request is filed, the same for every kind: its 办理期限 (default
    TONGXIN_FLOW_DUE_DAYS from today), submitted at once or kept as a draft,
    and the HTTP request the audit entry records."""

    due_date: datetime.date | None
    submit: bool
    request: object


def default_due_date() -> datetime.date:
    days = int(getattr(settings, "TONGXIN_FLOW_DUE_DAYS", 15))
    return timezone.localdate() + datetime.timedelta(days=days)


def _clean_reason(reason: str, label: str = "理由") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise FlowError(f"请填写{label}")
    if len(reason) > 1000:
        raise FlowError(f"{label}不能超过1000字")
    return reason


def _clean_due(due_date: datetime.date | None) -> datetime.date:
    if due_date is None:
        return default_due_date()
    if due_date < timezone.localdate():
        raise FlowError("办理期限不能早于今天")
    return due_date


def _require_staff(actor) -> None:
    if not writes_records(actor):
        raise FlowError("您没有办理分级流转的权限")


def _event(change_request: ChangeRequest, kind: str, actor, text: str = "") -> None:
    RequestEvent.objects.create(
        request=change_request, kind=kind, actor=actor, text=text[:1000], at=timezone.now()
    )


def _audit(actor, http_request, change_request: ChangeRequest, action: str, changes: dict):
    audit_log(
        action=action,
        user=actor,
        request=http_request,
        obj=change_request,
        region=change_request.origin,
        changes=changes,
    )


def _create(
    *, actor, filing: Filing, fixed_due_date: datetime.date | None = None, **fields
) -> ChangeRequest:
    """Files a request: `fixed_due_date` for kinds whose 办理期限 the rules set
    (the year's review deadline); otherwise the filer's, checked."""
    unknown = filing.keys() - Filing.__annotations__.keys()
    if unknown:  # what a typed signature would refuse at the call
        raise TypeError(f"unexpected keyword arguments: {', '.join(sorted(unknown))}")
    submit = filing.get("submit", True)
    http_request = filing.get("request")
    now = timezone.now()
    change_request = ChangeRequest(
        proposer=actor,
        created_at=now,
        state=State.PENDING if submit else State.DRAFT,
        submitted_at=now if submit else None,
        due_date=fixed_due_date or _clean_due(filing.get("due_date")),
        **fields,
    )

    def events() -> None:
        _event(change_request, RequestEvent.Kind.CREATED, actor, change_request.reason)
        if submit:
            _event(change_request, RequestEvent.Kind.SUBMITTED, actor)

    return writes.create_audited(
        change_request,
        actor=actor,
        changes={
            "kind": change_request.title_kind,
            "state": change_request.get_state_display(),
            "approver": change_request.approver.name,
            "reason": change_request.reason,
        },
        request=http_request,
        region=change_request.origin,
        before_audit=events,
    )


def _writable_person(actor, person: Person) -> Person:
    found = Person.objects.writable_by(actor).select_related("region").filter(pk=person.pk).first()
    if found is None:
        raise FlowError("只能为本区域的人员提出申请")
    if found.is_archived:
        raise FlowError(f"{found.name}已出库")
    return found


def _refuse_duplicate(**same) -> None:
    if ChangeRequest.objects.filter(state__in=ChangeRequest.OPEN_STATES, **same).exists():
        raise FlowError("已有同一事项的申请正在办理，请勿重复提出")
