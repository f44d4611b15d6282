"""A request's way after creation: submit, withdraw, return, approve (and what
approval does: move, merge), comments and attachments."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from tongxin.audit.models import AuditEntry
from tongxin.audit.services import audit_log
from tongxin.core import writes
from tongxin.dedupe import merge as merging
from tongxin.dedupe.models import DuplicatePair
from tongxin.engagement.services import check_upload
from tongxin.levels import services as levels
from tongxin.levels.models import ReviewCycle
from tongxin.levels.review import review_due_date
from tongxin.people.models import Person
from tongxin.people.services import person_archive
from tongxin.regions.scope import writes_records

from ..access import is_proposing_side, may_decide
from ..models import ChangeRequest, RequestAttachment, RequestEvent
from .common import FlowError, State, _audit, _clean_reason, _event, default_due_date
from .creation import _children_unconfirmed_note, report_snapshot


def _locked(change_request: ChangeRequest) -> ChangeRequest:
    related = ChangeRequest.objects.select_related("origin", "target", "approver", "tier__region")
    return writes.locked(related, of_self=True).get(pk=change_request.pk)


def _transition(actor, http_request, current, state: str, event: str, note: str, fields: list):
    old = current.get_state_display()
    current.state = state
    writes.save_tracked(current, actor=actor, fields=["state", *fields])
    _event(current, event, actor, note)
    _audit(
        actor,
        http_request,
        current,
        AuditEntry.Action.UPDATE,
        {"state": [old, current.get_state_display()], **({"note": note} if note else {})},
    )
    return current


@transaction.atomic
def request_submit(
    *, actor, change_request: ChangeRequest, acknowledged: bool = False, request=None
) -> ChangeRequest:
    """A draft, or a returned request after revising, goes to the approving node.
    A report (报送) goes only once the children's reviews are confirmed, or
    with `acknowledged` that they are not (see report_create)."""
    current = _locked(change_request)
    if not is_proposing_side(actor, current):
        raise FlowError("只有提出方可以提交该申请")
    if current.state not in (State.DRAFT, State.RETURNED):
        raise FlowError(f"该申请{current.get_state_display()}，不能提交")
    current.submitted_at = timezone.now()
    if current.kind == ChangeRequest.Kind.REVIEW:
        current.due_date = review_due_date(current.year)
    elif current.due_date is None or current.due_date < timezone.localdate():
        current.due_date = default_due_date()
    fields = ["submitted_at", "due_date"]
    note = ""
    if current.kind == ChangeRequest.Kind.REPORT:
        note = _children_unconfirmed_note(
            actor, current.origin, current.year, acknowledged=acknowledged
        )
        # A report sent again (after a return) carries the figures as they are now.
        current.snapshot = report_snapshot(actor, current.origin)
        fields.append("snapshot")
    return _transition(
        actor, request, current, State.PENDING, RequestEvent.Kind.SUBMITTED, note, fields
    )


@transaction.atomic
def request_withdraw(
    *, actor, change_request: ChangeRequest, note: str = "", request=None
) -> ChangeRequest:
    current = _locked(change_request)
    if not is_proposing_side(actor, current):
        raise FlowError("只有提出方可以撤回该申请")
    if not current.is_open:
        raise FlowError(f"该申请已{current.get_state_display()}，不能撤回")
    return _transition(
        actor, request, current, State.WITHDRAWN, RequestEvent.Kind.WITHDRAWN, note.strip(), []
    )


def _decision_checks(actor, current: ChangeRequest, verb: str) -> None:
    if not may_decide(actor, current):
        raise FlowError(f"只有{current.approver.name}（或其上级）的工作人员可以{verb}该申请")
    if current.state != State.PENDING:
        raise FlowError(f"该申请{current.get_state_display()}，不能{verb}")


@transaction.atomic
def request_return(*, actor, change_request: ChangeRequest, note: str, request=None):
    """The approving node sends the request back with its reason (退回)."""
    note = _clean_reason(note, "退回理由")
    current = _locked(change_request)
    _decision_checks(actor, current, "退回")
    current.decision_note, current.decided_by, current.decided_at = (
        note[:500],
        actor,
        timezone.now(),
    )
    return _transition(
        actor, request, current, State.RETURNED, RequestEvent.Kind.RETURNED, note,
        ["decision_note", "decided_by", "decided_at"],
    )  # fmt: skip


@transaction.atomic
def request_approve(*, actor, change_request: ChangeRequest, note: str = "", request=None):
    """The approving node approves (认定); the request's effect happens in the
    same transaction: into the tier, out of the database, into the new region,
    or the year's review confirmed."""
    note = (note or "").strip()[:500]
    current = _locked(change_request)
    _decision_checks(actor, current, "审核通过")
    label = f"{current.title_kind}申请 #{current.pk}"
    if current.kind == ChangeRequest.Kind.RECOMMEND:
        try:
            levels.person_tier_join(
                actor=actor, person=current.person, tier=current.tier, reason=f"{label}认定",
                request=request,
            )  # fmt: skip
        except levels.LevelError as error:
            raise FlowError(str(error)) from None
    elif current.kind == ChangeRequest.Kind.REMOVAL:
        person = Person.objects.get(pk=current.person_id)
        if person.is_archived:
            raise FlowError(f"{person.name}已出库")
        person_archive(
            actor=actor,
            person=person,
            reason=current.archive_reason,
            on_date=timezone.localdate(),
            note=f"{label}：{current.reason}"[:200],
            request=request,
        )
    elif current.kind == ChangeRequest.Kind.TRANSFER:
        _move(actor, current, label, request)
    elif current.kind == ChangeRequest.Kind.REPORT:
        _refuse_report_before_review(current)
    elif current.kind == ChangeRequest.Kind.MERGE:
        _merge(actor, current, label, request)
    current.decision_note, current.decided_by, current.decided_at = note, actor, timezone.now()
    return _transition(
        actor, request, current, State.APPROVED, RequestEvent.Kind.APPROVED, note,
        ["decision_note", "decided_by", "decided_at"],
    )  # fmt: skip


def _refuse_report_before_review(current: ChangeRequest) -> None:
    """Accepting a child's 报送 closes its year at this node: its annual review
    (when the year has one) must have been confirmed here first."""
    if not ReviewCycle.objects.filter(year=current.year).exists():
        return
    confirmed = ChangeRequest.objects.filter(
        kind=ChangeRequest.Kind.REVIEW,
        origin_id=current.origin_id,
        year=current.year,
        state=State.APPROVED,
    ).exists()
    if not confirmed:
        raise FlowError(
            f"{current.origin.name}{current.year}年度更新尚未经本级确认，"
            "请先确认其年度更新（复核确认），或退回本次报送"
        )


def _move(actor, current: ChangeRequest, label: str, http_request) -> None:
    person = writes.lock(Person.objects.select_related("region"), current.person_id)
    if person.region_id != current.origin_id:
        raise FlowError("该人员的所属区域已变化，本申请不再适用，请退回")
    if person.is_archived:
        raise FlowError(f"{person.name}已出库，不能调动")
    old, new = person.region, current.target
    person.region = new
    writes.save_tracked(
        person,
        actor=actor,
        fields=["region"],
        reason=f"调动：{old.name} → {new.name}（{label}）",
        versioned=True,
    )
    left, joined = levels.person_tiers_follow_region(actor=actor, person=person, reason=label)
    changes = {"region": [old.name, new.name], "request": label}
    if left:
        changes["tiers"] = [[str(t) for t in left], [str(t) for t in joined]]
    audit_log(
        action=AuditEntry.Action.UPDATE,
        user=actor,
        request=http_request,
        obj=person,
        changes=changes,
    )


def _merge(actor, current: ChangeRequest, label: str, http_request) -> None:
    persons = Person.objects.in_bulk([current.person_id, current.other_person_id])
    own, other = persons[current.person_id], persons[current.other_person_id]
    if own.region_id != current.origin_id or other.region_id != current.target_id:
        raise FlowError("两条记录的所属区域已变化，本申请不再适用，请退回")
    survivor, merged = (other, own) if current.keep_other else (own, other)
    low, high = sorted((own.pk, other.pk))
    try:
        merging.person_merge_approved(
            actor=actor,
            survivor=survivor,
            merged=merged,
            picks=merging.blank_filling_picks(survivor, merged),
            pair=DuplicatePair.objects.filter(person_a_id=low, person_b_id=high).first(),
            approved=label,
            request=http_request,
        )
    except merging.MergeError as error:
        raise FlowError(error.message) from None
    # The merge moved every request about the merged record to the kept one,
    # this one too; this one names the two records as they were asked about.
    ChangeRequest.objects.filter(pk=current.pk).update(person=own, other_person=other)


@transaction.atomic
def request_comment(*, actor, change_request: ChangeRequest, text: str, request=None) -> None:
    text = _clean_reason(text, "意见内容")
    if not writes_records(actor):
        raise FlowError("您没有办理分级流转的权限")
    _event(change_request, RequestEvent.Kind.COMMENT, actor, text)
    _audit(actor, request, change_request, AuditEntry.Action.UPDATE, {"comment": text})


@transaction.atomic
def request_attach(*, actor, change_request: ChangeRequest, upload, request=None):
    if not writes_records(actor):
        raise FlowError("您没有办理分级流转的权限")
    try:
        check_upload(upload)
    except ValidationError as error:
        raise FlowError(error.message_dict["file"][0]) from None
    attachment = RequestAttachment(
        request=change_request,
        name=Path(upload.name).name[:200],
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save(upload.name, upload, save=False)
    return writes.create_audited(
        attachment,
        actor=actor,
        action=AuditEntry.Action.UPDATE,
        audit_obj=change_request,
        changes={"attachment": attachment.name},
        request=request,
        region=change_request.origin,
        before_audit=lambda: _event(
            change_request, RequestEvent.Kind.ATTACHMENT, actor, attachment.name
        ),
    )
