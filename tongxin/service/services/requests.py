"""意见诉求 (service requests): received, then 已交办 → 办理中 → 已办结, and a
follow-up (回访) with 不满意 may send one back to 办理中. Each move is one
function; a move the current status does not allow is refused."""

import datetime

from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.core import writes
from tongxin.core.changes import apply_changes, initial_values
from tongxin.people.models import Person

from ..models import (
    Department,
    RequestFollowUp,
    RequestProgress,
    ServiceRequest,
)
from .common import ServiceError, StaleRequestError, _cn, _not_future

Status = ServiceRequest.Status

REQUEST_FIELDS = ["category", "content", "channel", "received_on"]


def _locked(service_request: ServiceRequest) -> ServiceRequest:
    return writes.locked(
        ServiceRequest.objects.select_related("person", "category", "department", "region"),
        of_self=True,
    ).get(pk=service_request.pk)


def _require_status(current: ServiceRequest, allowed: set[str], action: str) -> None:
    if current.status not in allowed:
        raise ServiceError(f"当前状态为“{current.get_status_display()}”，不能{action}")


def _save(current: ServiceRequest, *, actor, fields, changes: dict, reason: str, request):
    """Save a request's change: edit version, history row, audit entry."""
    return writes.save_audited(
        current,
        actor=actor,
        versioned=True,
        fields=fields,
        action=AuditEntry.Action.UPDATE,
        changes=changes,
        reason=reason,
        request=request,
    )


@transaction.atomic
def service_request_create(
    *, actor, person: Person, data: dict, request=None, self_submitted: bool = False
) -> ServiceRequest:
    """Record a request `person` raised; `person` was checked with person_for_user,
    or (self_submitted, actor None) the person sent it from their own page."""
    if not (data.get("content") or "").strip():
        raise ServiceError("请填写诉求内容", "content")
    _not_future(data.get("received_on"), "受理日期", "received_on")
    service_request = ServiceRequest(
        person=person,
        region_id=person.region_id,
        status=Status.RECEIVED,
        created_by=actor if actor is not None and actor.is_authenticated else None,
        self_submitted=self_submitted,
        **{f: data[f] for f in REQUEST_FIELDS},
    )
    service_request.content = service_request.content.strip()
    return writes.create_audited(
        service_request,
        actor=actor,
        changes={
            "person": [None, person.name],
            **initial_values(service_request, REQUEST_FIELDS),
        },
        reason="本人在线提交" if self_submitted else "受理",
        request=request,
        username="本人（个人页面）" if self_submitted else "",
    )


@transaction.atomic
def service_request_update(
    *,
    actor,
    service_request: ServiceRequest,
    data: dict,
    expected_version: int,
    request=None,
) -> ServiceRequest:
    """Correct what was recorded at receipt (category, content, channel, date)."""
    current = _locked(service_request)
    if current.version != expected_version:
        raise StaleRequestError("该诉求已被他人修改，请重新打开后再改")
    if "content" in data and not (data["content"] or "").strip():
        raise ServiceError("请填写诉求内容", "content")
    _not_future(data.get("received_on"), "受理日期", "received_on")
    if current.closed_on and data.get("received_on") and data["received_on"] > current.closed_on:
        raise ServiceError("受理日期不能晚于办结日期", "received_on")
    changes = apply_changes(current, {f: data[f] for f in REQUEST_FIELDS if f in data})
    if not changes:
        return current
    return _save(
        current, actor=actor, fields=list(changes), changes=changes, reason="修改", request=request
    )


@transaction.atomic
def service_request_assign(
    *,
    actor,
    service_request: ServiceRequest,
    department: Department,
    due_date: datetime.date,
    assigned_on: datetime.date,
    request=None,
) -> ServiceRequest:
    """交办: route the request to a department with a due date (again, to reassign)."""
    current = _locked(service_request)
    _require_status(current, {Status.RECEIVED, Status.ASSIGNED, Status.IN_PROGRESS}, "交办")
    if not department.is_active:
        raise ServiceError(f"“{department.name}”已停用，请选择其他单位", "department")
    _not_future(assigned_on, "交办日期", "assigned_on")
    if assigned_on < current.received_on:
        raise ServiceError(f"交办日期不能早于受理日期（{_cn(current.received_on)}）", "assigned_on")
    if due_date < assigned_on:
        raise ServiceError("办理时限不能早于交办日期", "due_date")
    reassign = current.status != Status.RECEIVED
    changes = apply_changes(
        current, {"department": department, "due_date": due_date, "assigned_on": assigned_on}
    )
    if current.status == Status.RECEIVED:
        changes["status"] = [current.get_status_display(), Status.ASSIGNED.label]
        current.status = Status.ASSIGNED
    if not changes:
        return current
    reason = f"{'改交' if reassign else '交办'}：{department.name}，时限{_cn(due_date)}"
    return _save(
        current, actor=actor, fields=list(changes), changes=changes, reason=reason, request=request
    )


@transaction.atomic
def service_request_progress_add(
    *,
    actor,
    service_request: ServiceRequest,
    on_date: datetime.date,
    note: str,
    request=None,
) -> RequestProgress:
    """Record the department's progress (办理进展); the request is then 办理中."""
    current = _locked(service_request)
    if current.status == Status.RECEIVED:
        raise ServiceError("请先交办承办单位，再记录办理进展")
    _require_status(current, {Status.ASSIGNED, Status.IN_PROGRESS}, "记录办理进展")
    note = (note or "").strip()
    if not note:
        raise ServiceError("请填写办理情况", "note")
    _not_future(on_date, "进展日期", "on_date")
    if current.assigned_on and on_date < current.assigned_on:
        raise ServiceError(f"进展日期不能早于交办日期（{_cn(current.assigned_on)}）", "on_date")
    progress = RequestProgress.objects.create(
        request=current,
        on_date=on_date,
        note=note,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    changes = {"progress": [None, f"{_cn(on_date)}：{note}"]}
    if current.status == Status.ASSIGNED:
        changes["status"] = [current.get_status_display(), Status.IN_PROGRESS.label]
        current.status = Status.IN_PROGRESS
    _save(
        current,
        actor=actor,
        fields=["status"],
        changes=changes,
        reason=f"办理进展：{note[:60]}",
        request=request,
    )
    return progress


@transaction.atomic
def service_request_close(
    *,
    actor,
    service_request: ServiceRequest,
    answer: str,
    closed_on: datetime.date,
    request=None,
) -> ServiceRequest:
    """办结. Refused without an answer: the answer is what the person is told."""
    current = _locked(service_request)
    if current.status == Status.RECEIVED:
        raise ServiceError("请先交办承办单位，再办结")
    _require_status(current, {Status.ASSIGNED, Status.IN_PROGRESS}, "办结")
    answer = (answer or "").strip()
    if not answer:
        raise ServiceError("办结须填写答复内容", "answer")
    _not_future(closed_on, "办结日期", "closed_on")
    if closed_on < current.received_on:
        raise ServiceError(f"办结日期不能早于受理日期（{_cn(current.received_on)}）", "closed_on")
    changes = {"status": [current.get_status_display(), Status.CLOSED.label]}
    changes |= apply_changes(current, {"answer": answer, "closed_on": closed_on})
    current.status = Status.CLOSED
    return _save(
        current,
        actor=actor,
        fields=["status", "answer", "closed_on"],
        changes=changes,
        reason="办结",
        request=request,
    )


@transaction.atomic
def service_request_follow_up(
    *,
    actor,
    service_request: ServiceRequest,
    satisfaction: str,
    on_date: datetime.date,
    note: str = "",
    reopen: bool = False,
    reopen_reason: str = "",
    new_due_date: datetime.date | None = None,
    request=None,
) -> RequestFollowUp:
    """回访 after closing. With 不满意 and `reopen`, the request goes back to 办理中."""
    current = _locked(service_request)
    _require_status(current, {Status.CLOSED}, "回访（须先办结）")
    if current.followed_up_on is not None:
        raise ServiceError("本次办结已回访；如需再次办理，请在回访时选择重新办理")
    if satisfaction not in ServiceRequest.Satisfaction.values:
        raise ServiceError("请选择满意度", "satisfaction")
    _not_future(on_date, "回访日期", "on_date")
    if current.closed_on and on_date < current.closed_on:
        raise ServiceError(f"回访日期不能早于办结日期（{_cn(current.closed_on)}）", "on_date")
    reopen_reason = (reopen_reason or "").strip()
    if reopen:
        if satisfaction != ServiceRequest.Satisfaction.UNSATISFIED:
            raise ServiceError("只有回访不满意时才能重新办理", "reopen")
        if not reopen_reason:
            raise ServiceError("重新办理须填写原因", "reopen_reason")
        if new_due_date is not None and new_due_date < on_date:
            raise ServiceError("新的办理时限不能早于回访日期", "new_due_date")
    follow_up = RequestFollowUp.objects.create(
        request=current,
        on_date=on_date,
        satisfaction=satisfaction,
        note=(note or "").strip(),
        reopened=reopen,
        reopen_reason=reopen_reason,
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    label = ServiceRequest.Satisfaction(satisfaction).label
    if reopen:
        changes = {"status": [current.get_status_display(), Status.IN_PROGRESS.label]}
        data = {"satisfaction": "", "followed_up_on": None, "closed_on": None}
        if new_due_date is not None:
            data["due_date"] = new_due_date
        changes |= apply_changes(current, data)
        changes["follow_up"] = [None, f"{_cn(on_date)} {label}，重新办理：{reopen_reason}"]
        current.status = Status.IN_PROGRESS
        RequestProgress.objects.create(
            request=current,
            on_date=on_date,
            note=f"回访不满意，重新办理：{reopen_reason}",
            recorded_by=follow_up.recorded_by,
        )
        fields = ["status", "satisfaction", "followed_up_on", "closed_on", "due_date"]
        reason = f"回访{label}，重新办理：{reopen_reason}"
    else:
        changes = apply_changes(current, {"satisfaction": satisfaction, "followed_up_on": on_date})
        fields = ["satisfaction", "followed_up_on"]
        reason = f"回访：{label}"
    _save(current, actor=actor, fields=fields, changes=changes, reason=reason, request=request)
    return follow_up


@transaction.atomic
def service_request_cancel(
    *, actor, service_request: ServiceRequest, reason: str, request=None
) -> ServiceRequest:
    """撤销 a request recorded by mistake or withdrawn by the person. Never a deletion:
    the request stays readable, with its history."""
    current = _locked(service_request)
    _require_status(current, set(ServiceRequest.OPEN_STATUSES), "撤销")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("撤销须填写原因", "reason")
    changes = {
        "status": [current.get_status_display(), Status.CANCELLED.label],
        "cancel_reason": [None, reason],
    }
    current.status = Status.CANCELLED
    current.cancel_reason = reason
    return _save(
        current,
        actor=actor,
        fields=["status", "cancel_reason"],
        changes=changes,
        reason=f"撤销：{reason}",
        request=request,
    )
