"""建言 (suggestions): registered with their submitters, forwarded to a
department, answered with an outcome."""

import datetime

from django.db import transaction

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.core.changes import apply_changes, initial_values
from tongxin.people.models import Person

from ..models import Department, Suggestion
from .common import ServiceError, _cn, _not_future

SUGGESTION_FIELDS = ["region", "title", "content", "topic", "submitted_on"]


def _check_suggestion(data: dict, submitters: list[Person]) -> None:
    if "title" in data and not (data["title"] or "").strip():
        raise ServiceError("请填写标题", "title")
    if "content" in data and not (data["content"] or "").strip():
        raise ServiceError("请填写内容", "content")
    if not submitters:
        raise ServiceError("请至少选择一位建言人", "submitters")
    _not_future(data.get("submitted_on"), "提出日期", "submitted_on")


def _names(persons) -> str:
    return "、".join(p.name for p in persons)


@transaction.atomic
def suggestion_create(
    *, actor, data: dict, submitters: list[Person], request=None, self_submitted: bool = False
) -> Suggestion:
    """Record a suggestion. The caller checked the region is writable by `actor`
    and every submitter is visible to them, or (self_submitted, actor None) the
    one submitter sent it from their own page."""
    _check_suggestion(data, submitters)
    suggestion = Suggestion(
        created_by=actor if actor is not None and actor.is_authenticated else None,
        self_submitted=self_submitted,
        **{f: data[f] for f in SUGGESTION_FIELDS if f in data},
    )
    return writes.create_audited(
        suggestion,
        actor=actor,
        changes={
            **initial_values(suggestion, SUGGESTION_FIELDS),
            "submitters": [None, _names(submitters)],
        },
        reason=f"登记（建言人：{_names(submitters)}）",
        request=request,
        username="本人（个人页面）" if self_submitted else "",
        before_audit=lambda: suggestion.submitters.set(submitters),
    )


@transaction.atomic
def suggestion_update(
    *, actor, suggestion: Suggestion, data: dict, submitters: list[Person], request=None
) -> Suggestion:
    _check_suggestion(data, submitters)
    current = writes.lock(Suggestion, suggestion.pk)
    before = list(current.submitters.order_by("id"))
    changes = apply_changes(current, {f: data[f] for f in SUGGESTION_FIELDS if f in data})
    after = sorted(submitters, key=lambda p: p.pk)
    submitters_changed = [p.pk for p in before] != [p.pk for p in after]
    if submitters_changed:
        changes["submitters"] = [_names(before), _names(after)]
    if not changes:
        return current
    reason = "修改"
    if submitters_changed:
        reason += f"（建言人：{_names(before)} → {_names(after)}）"
    writes.set_history(current, actor, reason)
    current.save(update_fields=[f for f in changes if f != "submitters"] + ["updated_at"])
    if submitters_changed:
        current.submitters.set(after)
    audit_log(
        action=AuditEntry.Action.UPDATE, user=actor, request=request, obj=current, changes=changes
    )
    return current


@transaction.atomic
def suggestion_forward(
    *,
    actor,
    suggestion: Suggestion,
    department: Department,
    forwarded_on: datetime.date,
    request=None,
) -> Suggestion:
    """转交 the suggestion to a department (again, to change the department)."""
    current = writes.lock(Suggestion, suggestion.pk)
    if not department.is_active:
        raise ServiceError(f"“{department.name}”已停用，请选择其他单位", "department")
    _not_future(forwarded_on, "转交日期", "forwarded_on")
    if forwarded_on < current.submitted_on:
        raise ServiceError(
            f"转交日期不能早于提出日期（{_cn(current.submitted_on)}）", "forwarded_on"
        )
    return writes.update_audited(
        current,
        {"department": department, "forwarded_on": forwarded_on},
        actor=actor,
        reason=f"转交：{department.name}",
        request=request,
    )


@transaction.atomic
def suggestion_respond(
    *,
    actor,
    suggestion: Suggestion,
    outcome: str,
    response: str,
    responded_on: datetime.date,
    request=None,
) -> Suggestion:
    """Record the outcome (采纳, 领导批示, 部分采纳, 未采纳) with the response text."""
    current = writes.lock(Suggestion, suggestion.pk)
    if outcome not in Suggestion.Outcome.values:
        raise ServiceError("请选择办理结果", "outcome")
    response = (response or "").strip()
    if not response:
        raise ServiceError("请填写反馈内容", "response")
    _not_future(responded_on, "反馈日期", "responded_on")
    if responded_on < current.submitted_on:
        raise ServiceError(
            f"反馈日期不能早于提出日期（{_cn(current.submitted_on)}）", "responded_on"
        )
    return writes.update_audited(
        current,
        {"outcome": outcome, "response": response, "responded_on": responded_on},
        actor=actor,
        reason=f"反馈：{Suggestion.Outcome(outcome).label}",
        request=request,
    )
